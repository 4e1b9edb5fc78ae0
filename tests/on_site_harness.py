"""Fixture pieces for on-site flow tests: a hub wired to a served inventory, orders, checks."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
from pydantic import AnyHttpUrl
from sqlalchemy import select

from hub.bootstrap import Hub, bootstrap
from hub.config import Settings
from hub.db.tables import outbox, resource_changes
from hub.domain.work_order import Status
from hub.queries.orders import OrderQueries
from hub.runtime import Runtime
from tests import factories
from tests.conftest import _delete_queues
from tests.fakes.standin_oracles import InventoryRecords, SmsRecords
from tests.helpers import callers, run, web_app
from tests.inventory_standin import (
    ServedInventory,
    drop_separate_database,
    line_seed,
    separate_database,
    serve_inventory,
)

# 64 orders: WO-000…WO-059 on cable C001 (fibers 1–60; 61–71 free, 72 faulty),
# WO-060…WO-063 on cable C002. Box B00n: ports 1–60 used, 61–63 free, 64 faulty.
ORDER_IDS = [f"WO-{i:03d}" for i in range(64)]
PER_CABLE, FIBERS, SPARE_PORTS = 60, 72, 4
FREE_FIBERS = range(61, 72)


@asynccontextmanager
async def served_line_inventory(backend: str, tmp_path: Path) -> AsyncIterator[ServedInventory]:
    """The stand-in on its own database, seeded with `ORDER_IDS`' lines."""
    url = await separate_database(backend, tmp_path)
    seed = line_seed(ORDER_IDS, per_cable=PER_CABLE, fibers=FIBERS, spare_ports=SPARE_PORTS)
    try:
        async with serve_inventory(url, seed) as served:
            yield served
    finally:
        await drop_separate_database(url)


def tech_of(order_id: str) -> str:
    return f"T{order_id[-3:]}"


@asynccontextmanager
async def on_site_hub(settings: Settings, inventory_url: str) -> AsyncIterator[Hub]:
    """A started hub whose inventory is the stand-in at `inventory_url`."""
    # The default 10 s client timeout: 50 racing swaps on a shared 2-core box can take > 2 s.
    hub = bootstrap(
        settings.model_copy(
            update={"inventory_url": AnyHttpUrl(inventory_url), "http_timeout_s": 10.0}
        )
    )
    hub_runtime = Runtime(hub)
    await hub_runtime.start()
    await hub.directory.seed_if_empty()  # who exception reports go to
    try:
        yield hub
    finally:
        await hub_runtime.stop()
        await _delete_queues(settings)


def http_client(hub: Hub) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=web_app(hub))
    return httpx.AsyncClient(
        transport=transport, base_url="http://test", timeout=30, auth=callers(hub)
    )


async def open_orders(hub: Hub, order_ids: Iterable[str], *, check_in: bool = False) -> None:
    """Create and dispatch orders (each to its own technician) as intake and the app would."""
    for order_id in order_ids:
        tech = tech_of(order_id)
        await run(hub, factories.create_order(order_id))
        await run(hub, factories.dispatch(order_id, tech))
        if check_in:
            await run(hub, factories.check_in(order_id, tech))


def swap_path(order_id: str) -> str:
    return f"/api/v1/technicians/{tech_of(order_id)}/orders/{order_id}/fiber-swap"


def fiber(no: int, cable: int = 1) -> dict[str, object]:
    return {"fiber_id": f"C{cable:03d}-F{no:03d}", "fiber_no": no}


async def status_of(hub: Hub, order_id: str) -> tuple[Status, int] | None:
    order = await OrderQueries(hub.uow).find(order_id)
    return None if order is None else (order.status, order.version)


async def sms_sent(hub: Hub, sms_id: str) -> int:
    """How many times the SMS platform got this text."""
    return (await SmsRecords.of(hub.sms_sender).sms_ids()).count(sms_id)


async def change_in_flight(hub: Hub, order_id: str) -> bool:
    """True once a fiber swap or box change of `order_id` is recorded and not finished."""
    async with hub.db.read() as conn:
        held = select(resource_changes.c.change_id).where(
            resource_changes.c.active_order_id == order_id
        )
        return (await conn.execute(held)).first() is not None


async def outbox_types(hub: Hub, order_id: str) -> list[str]:
    async with hub.db.read() as conn:
        rows = await conn.execute(
            select(outbox.c.message_type).where(outbox.c.correlation_id == order_id)
        )
        return [r.message_type for r in rows]


async def live_holders_ok(hub: Hub, inventory: InventoryRecords) -> list[str]:
    """Every fiber held by a hub order is held by a live one (not archived); problems listed."""
    problems = []
    for fiber_id, (state, holder) in (await inventory.fiber_holders()).items():
        if holder is None:
            continue
        order = await OrderQueries(hub.uow).find(holder)
        if order is None:
            if ".R" in holder:  # a reissue the hub never made: a half-done change
                problems.append(f"{fiber_id} held by unknown order {holder}")
        elif order.status is Status.ARCHIVED:
            problems.append(f"{fiber_id} ({state}) held by archived order {holder}")
    return problems
