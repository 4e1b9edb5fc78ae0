"""Group commit over the real broker and database: a burst of deliveries shares transactions,
every order is stored once, and a bad message in the burst is parked alone."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import Table, func, select

from hub.bootstrap import Hub
from hub.db.tables import inbox, work_orders
from tests import factories
from tests.helpers import eventually, parked_messages, publish, transaction_groups

pytestmark = pytest.mark.integration

ORDERS = 60


async def _count(hub: Hub, table: Table) -> int:
    async with hub.db.read() as conn:
        return int(await conn.scalar(select(func.count()).select_from(table)) or 0)


async def test_a_burst_shares_transactions_and_its_bad_message_is_parked_alone(hub: Hub) -> None:
    creates = [publish(hub, factories.create_order(f"WO-GC-{i:03d}")) for i in range(ORDERS)]
    ghost = publish(hub, factories.check_in("WO-GC-GHOST"))
    await asyncio.gather(*creates[: ORDERS // 2], ghost, *creates[ORDERS // 2 :])

    async def all_stored() -> bool:
        return await _count(hub, work_orders) == ORDERS

    await eventually(all_stored, timeout=30)

    async def ghost_parked() -> bool:
        return len(await parked_messages(hub, "workorder.check_in")) == 1

    await eventually(ghost_parked, timeout=15, interval=0.3)
    [parked] = await parked_messages(hub, "workorder.check_in")
    assert parked.headers["x-error-type"] == "NotFound"
    groups, deliveries = transaction_groups(hub.metrics)
    assert deliveries >= ORDERS + 1  # the ghost too, in a group or alone (and again if retried)
    assert groups < deliveries  # some deliveries shared a transaction
    # Every create was claimed once; the ghost's claim was never committed.
    assert await _count(hub, inbox) == ORDERS
