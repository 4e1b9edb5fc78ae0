"""Optical-box change (退单更改光箱号) and return to dispatch (退单) end to end, both databases."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from hub.bootstrap import Hub
from hub.config import Settings
from hub.domain.work_order import Status
from schemas.v1 import ChangeOpticalBox, OpticalBoxChanged
from tests import factories
from tests.helpers import eventually, publish
from tests.inventory_standin import ServedInventory
from tests.on_site_harness import (
    change_in_flight,
    http_client,
    on_site_hub,
    open_orders,
    outbox_types,
    served_line_inventory,
    sms_sent,
    status_of,
)

pytestmark = pytest.mark.integration


@pytest.fixture
async def stand_in(backend: str, tmp_path: Path) -> AsyncIterator[ServedInventory]:
    async with served_line_inventory(backend, tmp_path) as served:
        yield served


@pytest.fixture
async def hub(settings: Settings, stand_in: ServedInventory) -> AsyncIterator[Hub]:
    async with on_site_hub(settings, stand_in.url) as the_hub:
        yield the_hub


@pytest.fixture
async def client(hub: Hub) -> AsyncIterator[httpx.AsyncClient]:
    async with http_client(hub) as http:
        yield http


def box_path(order_id: str, tech: str) -> str:
    return f"/api/v1/technicians/{tech}/orders/{order_id}/box-change"


async def test_a_reported_box_is_applied_and_the_order_reissued_without_a_dispatcher(
    hub: Hub, client: httpx.AsyncClient, stand_in: ServedInventory
) -> None:
    await open_orders(hub, ["WO-011"], check_in=True)
    nearby = await client.get("/api/v1/technicians/T011/orders/WO-011/box-candidates")
    assert nearby.status_code == 200
    assert {"box_id": "B001"}.items() <= nearby.json()["boxes"][0].items()
    assert nearby.json()["boxes"][0]["free_ports"] == [61, 62, 63]

    response = await client.post(box_path("WO-011", "T011"), json={"box_id": "B001", "port": 62})

    assert response.status_code == 200, response.text
    change = response.json()
    assert (change["kind"], change["new_order"]["order_id"]) == ("box_change", "WO-011.R1")
    assert (change["previous"]["port"], change["resources"]["port"]) == (12, 62)
    assert change["resources"]["fiber_id"] == change["previous"]["fiber_id"]
    assert (await status_of(hub, "WO-011")) == (Status.ARCHIVED, 4)
    assert (await status_of(hub, "WO-011.R1")) == (Status.DISPATCHED, 2)
    assignments = await stand_in.records.assignments()
    assert assignments["WO-011.R1"][0] == "active"
    assert assignments["WO-011"] == ("superseded", assignments["WO-011"][1])

    async def in_the_support_system() -> bool:
        support = hub.work_order_system
        return (
            await sms_sent(hub, "dispatch-notice:WO-011.R1:v2") == 1
            and (await support.get_order("WO-011.R1"))["status"] == "created"  # type: ignore[attr-defined]
        )

    await eventually(in_the_support_system, timeout=20)


@pytest.mark.parametrize(
    ("box", "code"),
    [
        ({"box_id": "B404", "port": 1}, "unknown_box"),
        ({"box_id": "B001", "port": 3}, "port_taken"),
        ({"box_id": "B002", "port": 64}, "port_faulty"),
        ({"box_id": "B001", "port": 99}, "unknown_port"),
    ],
)
async def test_a_box_the_inventory_refuses_changes_nothing(
    hub: Hub, client: httpx.AsyncClient, stand_in: ServedInventory, box: dict, code: str
) -> None:
    await open_orders(hub, ["WO-012"])
    before = (await status_of(hub, "WO-012"), await stand_in.records.assignments())
    response = await client.post(box_path("WO-012", "T012"), json=box)
    assert response.status_code == 409, response.text
    assert response.json()["code"] == code
    assert (await status_of(hub, "WO-012"), await stand_in.records.assignments()) == before


async def test_a_box_change_command_over_amqp_is_applied_once(
    hub: Hub, stand_in: ServedInventory
) -> None:
    await open_orders(hub, ["WO-013"])
    cmd = ChangeOpticalBox(
        change_id="amqp-box-0013", order_id="WO-013", technician_id="T013", box_id="B001", port=63
    )
    for message_id in ("m-1", "m-2"):
        await publish(hub, cmd, message_id=message_id)

    async def changed() -> bool:
        return "OpticalBoxChanged.v1" in await outbox_types(hub, "WO-013")

    await eventually(changed, timeout=20)
    assert (await outbox_types(hub, "WO-013")).count(f"{OpticalBoxChanged.__name__}.v1") == 1
    assert await stand_in.records.operation_counts() == {"applied": 1}


async def test_a_return_with_no_usable_resource_goes_back_to_dispatch_with_its_reason(
    hub: Hub, client: httpx.AsyncClient, stand_in: ServedInventory
) -> None:
    await open_orders(hub, ["WO-014"], check_in=True)
    before = await stand_in.records.assignments()
    response = await client.post(
        "/api/v1/technicians/T014/orders/WO-014/return", json={"reason": "附近光箱均无空闲端口"}
    )

    assert response.status_code == 200, response.text
    assert response.json()["status"] == "created"
    assert (await client.get("/api/v1/technicians/T014/orders")).json() == []
    order = (await client.get("/api/v1/work-orders/WO-014")).json()
    assert order["flow_log"][-1]["step"] == "returned"
    assert order["flow_log"][-1]["details"] == {"reason": "附近光箱均无空闲端口"}
    assert await stand_in.records.assignments() == before
    redispatch = factories.dispatch("WO-014", "T015").model_dump(mode="json")
    assert (
        await client.post("/api/v1/work-orders/WO-014/dispatch", json=redispatch)
    ).status_code == 200
    again = await client.post("/api/v1/technicians/T014/orders/WO-014/return", json={"reason": "x"})
    assert again.status_code == 404


async def test_a_second_change_while_one_is_in_flight_is_refused_with_409(
    hub: Hub, client: httpx.AsyncClient, stand_in: ServedInventory
) -> None:
    await open_orders(hub, ["WO-015"])
    await stand_in.faults(delay_ms=3000)
    swap = asyncio.create_task(
        client.post(
            "/api/v1/technicians/T015/orders/WO-015/fiber-swap",
            json={"fiber_id": "C001-F070", "fiber_no": 70},
        )
    )

    await eventually(lambda: change_in_flight(hub, "WO-015"))  # not a fixed sleep
    second = await client.post(box_path("WO-015", "T015"), json={"box_id": "B001", "port": 61})
    await stand_in.faults(delay_ms=0)
    assert second.status_code == 409, second.text
    assert "fiber_swap in progress" in second.json()["detail"]
    assert (await swap).status_code == 200
    assert (await status_of(hub, "WO-015.R1"))[0] is Status.DISPATCHED  # type: ignore[index]
