"""A commit that lands while the relay is publishing a batch is published right after that
batch, not at the next poll (its wake-up must not be lost)."""

from __future__ import annotations

import asyncio
import time

import pytest

from hub.db.engine import Database
from hub.db.uow import UnitOfWorkFactory
from hub.messaging.relay import OutboxMessage, OutboxRelay
from hub.metrics import Metrics
from tests import factories
from tests.helpers import eventually

pytestmark = pytest.mark.integration

POLL_S = 5.0  # far longer than the test may take: only a wake-up can publish in time


async def test_a_commit_during_a_publish_is_relayed_without_waiting_for_the_poll(
    database_url: str,
) -> None:
    db = Database(database_url)
    uow = UnitOfWorkFactory(db, exchange="bus")
    in_publish = asyncio.Event()
    release = asyncio.Event()
    published: list[str] = []

    async def publish(message: OutboxMessage) -> None:
        if not published:
            in_publish.set()
            await release.wait()  # the first batch is still being confirmed...
        published.append(message.id)

    relay = OutboxRelay(db, publish, metrics=Metrics(), poll_interval_s=POLL_S)
    uow.on_outbox_commit = relay.wake

    async def commit_one(order_id: str) -> str:
        async with uow() as unit:
            row = await unit.outbox.add(factories.create_order(order_id))
            await unit.commit()
        return row

    stop = asyncio.Event()
    first = await commit_one("WO-WAKE-1")
    running = asyncio.create_task(relay.run(stop))
    try:
        await asyncio.wait_for(in_publish.wait(), 10)
        second = await commit_one("WO-WAKE-2")  # ...when this commit wakes the relay
        release.set()
        started = time.monotonic()

        async def both_published() -> bool:
            return published == [first, second]

        await eventually(both_published, timeout=POLL_S / 2)
        assert time.monotonic() - started < POLL_S / 2
    finally:
        stop.set()
        relay.wake()
        await running
        await db.dispose()
