"""Several outbox batches in flight at once (relay lanes, and two relays as two processes
would run them) on PostgreSQL: every row goes out exactly once and ends marked sent."""

from __future__ import annotations

import asyncio
from collections import Counter

import pytest
from sqlalchemy import func, select

from hub.db.engine import Database
from hub.db.tables import outbox
from hub.db.uow import UnitOfWorkFactory
from hub.messaging.relay import OutboxMessage, OutboxRelay
from hub.metrics import Metrics
from tests import factories
from tests.helpers import eventually

pytestmark = pytest.mark.integration

ROWS = 1200


@pytest.mark.parametrize("backend", ["postgres"])
async def test_lanes_and_two_relays_publish_every_row_once(database_url: str) -> None:
    db = Database(database_url)
    uow = UnitOfWorkFactory(db, exchange="bus")
    for first in range(0, ROWS, 200):
        async with uow() as unit:
            for i in range(first, first + 200):
                await unit.outbox.add(factories.create_order(f"WO-LANE-{i}"))
            await unit.commit()

    published: Counter[str] = Counter()

    async def publish(message: OutboxMessage) -> None:
        await asyncio.sleep(0.01)  # a broker confirm takes a while: lanes overlap here
        published[message.id] += 1

    relays = [
        OutboxRelay(db, publish, metrics=Metrics(), batch_size=50, lanes=4, poll_interval_s=0.05)
        for _ in range(2)
    ]
    stop = asyncio.Event()
    running = [asyncio.create_task(relay.run(stop)) for relay in relays]
    try:

        async def drained() -> bool:
            return await relays[0].backlog() == 0

        await eventually(drained, timeout=60)
    finally:
        stop.set()
        await asyncio.gather(*running)

    async with db.read() as conn:
        rows = await conn.scalar(select(func.count()).select_from(outbox))
        unsent = await conn.scalar(
            select(func.count()).select_from(outbox).where(outbox.c.sent_at.is_(None))
        )
    await db.dispose()
    assert rows == ROWS and unsent == 0
    assert len(published) == ROWS
    assert set(published.values()) == {1}, "a row was published twice"
