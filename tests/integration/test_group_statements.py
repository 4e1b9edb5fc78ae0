"""A group of deliveries in one transaction claims its messages, reads its orders and writes
its flow-log lines, appointment changes and timers in one statement each, on both databases,
and keeps every delivery's own result: a message already claimed (or given twice) is
suppressed, a missing order is missing, a flow-log line taken twice fails the commit."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from functools import partial

import pytest
from sqlalchemy import func, select

from hub.db.engine import Database
from hub.db.inbox import Inbox
from hub.db.tables import flow_log, inbox
from hub.db.uow import UnitOfWorkFactory
from hub.db.work_orders import WorkOrderRepository
from hub.domain import work_order
from hub.domain.work_order import Status
from hub.errors import ConcurrencyConflict
from hub.handlers.work_orders import apply_command, create_work_order
from hub.messaging.processing import MessageProcessor
from hub.metrics import Metrics
from tests import factories
from tests.helpers import statements_run, transaction_groups

pytestmark = pytest.mark.integration

ORDERS = 12
NOW = datetime.now(UTC)


@pytest.fixture
async def uows(database_url: str) -> AsyncIterator[UnitOfWorkFactory]:
    db = Database(database_url)
    yield UnitOfWorkFactory(db, exchange="hub")
    await db.dispose()


def kinds(seen: list[tuple[str, bool]], start: str) -> int:
    """How many of the statements seen start with `start` (`INSERT INTO inbox`)."""
    return sum(1 for sql, _ in seen if sql.startswith(start))


async def test_a_group_runs_one_claim_one_read_and_one_flow_log_statement(
    database_url: str,
) -> None:
    db = Database(database_url)
    metrics = Metrics()
    processor = MessageProcessor(UnitOfWorkFactory(db, exchange="hub"), metrics=metrics)
    dispatch = partial(apply_command, radius_m=200.0)
    ids = [f"WO-GS-{i:02d}" for i in range(ORDERS)]
    try:
        seen = statements_run(db)
        created = await asyncio.gather(
            *(
                processor.run_grouped("workorder.create", f"c-{o}", factories.create_order(o), h)
                for o in ids
                for h in [create_work_order]
            )
        )
        creates = seen.copy()
        seen.clear()
        dispatched = await asyncio.gather(
            *(
                processor.run_grouped("workorder.dispatch", f"d-{o}", factories.dispatch(o), h)
                for o in [*ids, ids[0]]  # the first order's dispatch is delivered twice
                for h in [dispatch]
            )
        )
        dispatches = seen.copy()
        async with db.read() as conn:
            lines = await conn.scalar(select(func.count()).select_from(flow_log))
        async with UnitOfWorkFactory(db, exchange="hub").read() as uow:
            statuses = {o: (await uow.orders.get(o)).status for o in ids}
    finally:
        await db.dispose()

    assert created == [True] * ORDERS
    assert dispatched == [True] * ORDERS + [False]  # the repeat has no second effect
    assert transaction_groups(metrics) == (2, 2 * ORDERS + 1)
    assert statuses == dict.fromkeys(ids, Status.DISPATCHED)
    assert lines == 2 * ORDERS  # created, dispatched: one line each per order
    for group in (creates, dispatches):
        assert kinds(group, "INSERT INTO inbox") == 1
        assert kinds(group, "INSERT INTO flow_log") == 1
        assert kinds(group, "SELECT work_orders.") == 1  # the group's orders, at once
    # A dispatch books the window and sets its timers: one statement each for the group.
    assert kinds(dispatches, "INSERT INTO appointment_history") == 1
    assert kinds(dispatches, "INSERT INTO timers") == 1
    assert kinds(dispatches, "UPDATE work_orders") == ORDERS  # each save checks its version


async def test_claims_in_one_statement_keep_the_order_given_and_the_first_of_a_repeat(
    database_url: str,
) -> None:
    db = Database(database_url)
    try:
        async with db.write() as conn:
            claims = Inbox(conn, now=NOW)
            assert await claims.claim("sms.send", "m-2")
            results = await claims.claim_many(
                [("sms.send", "m-1"), ("sms.send", "m-2"), ("sms.send", "m-1"), ("mail", "m-1")]
            )
            assert await claims.claim_many([]) == []
            await conn.commit()
        async with db.read() as conn:
            rows = set((await conn.execute(select(inbox.c.consumer, inbox.c.message_id))).all())
    finally:
        await db.dispose()
    assert results == [True, False, False, True]
    assert rows == {("sms.send", "m-1"), ("sms.send", "m-2"), ("mail", "m-1")}


async def test_preloaded_orders_and_absences_are_answered_without_another_read(
    uows: UnitOfWorkFactory,
) -> None:
    async with uows() as uow:
        await create_work_order(factories.create_order("WO-PL-1"), uow)
        await uow.commit()
    seen = statements_run(uows.db)
    async with uows.db.write() as conn:
        orders = WorkOrderRepository(conn)
        await orders.preload(["WO-PL-1", "WO-PL-GHOST"])
        reads_after_preload = kinds(seen, "SELECT")
        found = await orders.find("WO-PL-1")
        ghost = await orders.find("WO-PL-GHOST")
        reads_after_finds = kinds(seen, "SELECT")
        late, _ = work_order.create(factories.create_order("WO-PL-GHOST"), now=NOW)
        await orders.add(late, now=NOW)
        added = await orders.find("WO-PL-GHOST")
    assert reads_after_preload == reads_after_finds == 1
    assert found is not None and found.order_id == "WO-PL-1" and found.version == 1
    assert ghost is None
    assert added == late  # added after the preload: no longer absent


async def test_flow_log_lines_wait_for_the_commit_and_a_taken_line_fails_it(
    uows: UnitOfWorkFactory,
) -> None:
    async with uows() as uow:
        await create_work_order(factories.create_order("WO-FL-1"), uow)
        # Read back in the same transaction: the unwritten line is written first.
        assert [e.seq for e in await uow.flow_log.list("WO-FL-1")] == [1]
        await uow.commit()
    with pytest.raises(ConcurrencyConflict):
        async with uows() as uow:
            await create_work_order(factories.create_order("WO-FL-2"), uow)
            _, [created] = work_order.create(factories.create_order("WO-FL-1"), now=NOW)
            await uow.flow_log.append(created)  # line 1 of WO-FL-1 again
            await uow.commit()
    async with uows.read() as uow:
        kept = [await uow.flow_log.list(o) for o in ("WO-FL-1", "WO-FL-2")]
        second = await uow.orders.find("WO-FL-2")
    assert [[e.seq for e in lines] for lines in kept] == [[1], []]
    assert second is None  # the failed commit kept nothing of its transaction
