"""Same-cable fiber swap end to end: field-app HTTP → inventory stand-in over HTTP → reissue →
SMS and support write-back over the real broker, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from hub.bootstrap import Hub
from hub.config import Settings
from hub.domain.work_order import Status
from schemas.v1 import FiberSwapped, SwapFiber
from tests.helpers import eventually, publish
from tests.inventory_standin import ServedInventory
from tests.on_site_harness import (
    ORDER_IDS,
    change_in_flight,
    fiber,
    http_client,
    live_holders_ok,
    on_site_hub,
    open_orders,
    outbox_types,
    served_line_inventory,
    sms_sent,
    status_of,
    swap_path,
)

pytestmark = pytest.mark.integration

RACERS = 50


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


async def test_candidates_are_only_the_free_fibers_of_the_orders_cable(
    hub: Hub, client: httpx.AsyncClient
) -> None:
    await open_orders(hub, ["WO-060"])
    response = await client.get("/api/v1/technicians/T060/orders/WO-060/fiber-candidates")
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["cable_id"], body["current"]["fiber_no"]) == ("C002", 1)
    assert [c["fiber_no"] for c in body["candidates"]] == list(range(5, 72))
    assert all(c["fiber_id"].startswith("C002-") for c in body["candidates"])


async def test_a_swap_reissues_the_order_to_the_technician_with_both_orders_linked(
    hub: Hub, client: httpx.AsyncClient, stand_in: ServedInventory
) -> None:
    await open_orders(hub, ["WO-001"], check_in=True)
    response = await client.post(
        swap_path("WO-001"), json=fiber(61), headers={"Idempotency-Key": "k1"}
    )

    assert response.status_code == 200, response.text
    change = response.json()
    assert (change["state"], change["new_order"]["order_id"]) == ("reissued", "WO-001.R1")
    assert change["new_order"]["resources"]["fiber_no"] == 61
    assert (change["previous"]["fiber_no"], change["resources"]["fiber_no"]) == (2, 61)
    mine = (await client.get("/api/v1/technicians/T001/orders")).json()
    assert [o["order_id"] for o in mine] == ["WO-001.R1"]
    chain = (await client.get("/api/v1/technicians/T001/orders/WO-001.R1/chain")).json()
    assert [(c["order_id"], c["status"], c["reissued_from"], c["reissued_as"]) for c in chain] == [
        ("WO-001", "archived", None, "WO-001.R1"),
        ("WO-001.R1", "dispatched", "WO-001", None),
    ]
    assert [e["step"] for e in chain[0]["flow_log"]][-1] == "reissued"
    assert [e["step"] for e in chain[1]["flow_log"]] == ["created", "dispatched"]
    holders = await stand_in.records.fiber_holders()
    assert holders["C001-F061"] == ("in_use", "WO-001.R1")
    assert holders["C001-F002"] == ("faulty", None)

    async def notice_sent_and_support_updated() -> bool:
        support = hub.work_order_system
        return (
            await sms_sent(hub, "dispatch-notice:WO-001.R1:v2") == 1
            and (await support.get_order("WO-001"))["status"] == "archived"  # type: ignore[attr-defined]
            and (await support.get_order("WO-001.R1"))["status"] == "created"  # type: ignore[attr-defined]
        )

    await eventually(notice_sent_and_support_updated, timeout=20)
    assert await live_holders_ok(hub, stand_in.records) == []


async def test_a_repeated_request_swaps_once_and_answers_the_same(
    hub: Hub, client: httpx.AsyncClient, stand_in: ServedInventory
) -> None:
    await open_orders(hub, ["WO-002"])
    first = await client.post(swap_path("WO-002"), json=fiber(62), headers={"Idempotency-Key": "k"})
    again = await client.post(swap_path("WO-002"), json=fiber(62), headers={"Idempotency-Key": "k"})
    assert first.status_code == again.status_code == 200
    assert first.json() == again.json()
    assert await stand_in.records.operation_counts() == {"applied": 1}
    assert len(await stand_in.records.calls("swap_fiber")) == 1


@pytest.mark.parametrize(
    ("choice", "code"),
    [
        (fiber(5), "fiber_taken"),
        (fiber(72), "fiber_faulty"),
        (fiber(61, cable=2), "other_cable"),
        ({"fiber_id": "C001-F063", "fiber_no": 64}, "fiber_mismatch"),
        (fiber(1, cable=9), "unknown_fiber"),
    ],
)
async def test_a_refused_swap_gives_the_reason_and_changes_nothing(
    hub: Hub, client: httpx.AsyncClient, stand_in: ServedInventory, choice: dict, code: str
) -> None:
    await open_orders(hub, ["WO-003"])
    before = (await status_of(hub, "WO-003"), await stand_in.records.fiber_holders())
    response = await client.post(swap_path("WO-003"), json=choice)

    assert response.status_code == 409, response.text
    assert (response.json()["state"], response.json()["code"]) == ("refused", code)
    assert response.json()["detail"]
    assert (await status_of(hub, "WO-003"), await stand_in.records.fiber_holders()) == before

    async def refusal_sms_sent() -> bool:
        return await sms_sent(hub, f"change-refused:{response.json()['change_id']}") == 1

    await eventually(refusal_sms_sent, timeout=20)


async def test_bad_requests_are_clear_4xx_and_change_nothing(
    hub: Hub, client: httpx.AsyncClient, stand_in: ServedInventory
) -> None:
    await open_orders(hub, ["WO-004", "WO-005"])
    holders = await stand_in.records.fiber_holders()
    unknown = await client.post("/api/v1/technicians/T004/orders/WO-404/fiber-swap", json=fiber(63))
    not_his = await client.post("/api/v1/technicians/T005/orders/WO-004/fiber-swap", json=fiber(63))
    invalid = await client.post(swap_path("WO-004"), json={"fiber_id": "C001-F063"})
    done = await client.post(swap_path("WO-004"), json=fiber(63))
    archived = await client.post(swap_path("WO-004"), json=fiber(64))

    assert unknown.status_code == not_his.status_code == 404
    assert invalid.status_code == 422 and "fiber_no" in invalid.json()["detail"]
    assert done.status_code == 200
    assert archived.status_code == 409 and "archived" in archived.json()["detail"]
    after = await stand_in.records.fiber_holders()
    assert {k: v for k, v in after.items() if v != holders[k]} == {
        "C001-F063": ("in_use", "WO-004.R1"),
        "C001-F005": ("faulty", None),
    }


async def test_fifty_racing_swaps_for_one_fiber_have_one_winner_and_49_clear_refusals(
    hub: Hub, client: httpx.AsyncClient, stand_in: ServedInventory
) -> None:
    racers = ORDER_IDS[10 : 10 + RACERS]
    await open_orders(hub, racers)
    started = time.monotonic()
    answers = await asyncio.gather(*(client.post(swap_path(o), json=fiber(71)) for o in racers))
    took = time.monotonic() - started
    codes = sorted(a.status_code for a in answers)
    winners = [o for o, a in zip(racers, answers, strict=True) if a.status_code == 200]
    refusals = [a.json() for a in answers if a.status_code == 409]

    print(f"race: {RACERS} concurrent swaps for C001-F071 in {took:.2f}s → {codes.count(200)} won")
    print({a.json().get("detail") for a in answers if a.status_code == 202})
    assert codes == [200] + [409] * (RACERS - 1), codes
    assert {(r["code"], r["state"]) for r in refusals} == {("fiber_taken", "refused")}
    holders = await stand_in.records.fiber_holders()
    assert holders["C001-F071"] == ("in_use", f"{winners[0]}.R1")
    for order_id in racers:
        expected = Status.ARCHIVED if order_id in winners else Status.DISPATCHED
        assert (await status_of(hub, order_id))[0] is expected  # type: ignore[index]
    assert await live_holders_ok(hub, stand_in.records) == []


async def test_a_swap_command_over_amqp_reissues_once_even_when_delivered_twice(
    hub: Hub, stand_in: ServedInventory
) -> None:
    await open_orders(hub, ["WO-006"])
    cmd = SwapFiber(
        change_id="amqp-swap-0006",
        order_id="WO-006",
        technician_id="T006",
        fiber_id="C001-F065",
        fiber_no=65,
    )
    await publish(hub, cmd, message_id="m-1")
    await publish(hub, cmd, message_id="m-2")

    async def reissued() -> bool:
        return f"{FiberSwapped.__name__}.v1" in await outbox_types(hub, "WO-006")

    await eventually(reissued, timeout=20)
    await asyncio.sleep(0.5)
    assert (await status_of(hub, "WO-006"))[0] is Status.ARCHIVED  # type: ignore[index]
    assert (await status_of(hub, "WO-006.R1")) == (Status.DISPATCHED, 2)
    assert await stand_in.records.operation_counts() == {"applied": 1}
    assert (await outbox_types(hub, "WO-006")).count("FiberSwapped.v1") == 1


async def test_a_swap_waits_while_the_inventory_is_down_and_completes_when_it_returns(
    hub: Hub, client: httpx.AsyncClient, stand_in: ServedInventory
) -> None:
    await open_orders(hub, ["WO-007"])
    await stand_in.faults(unavailable=True)
    pending = await client.post(swap_path("WO-007"), json=fiber(66))
    assert pending.status_code == 202, pending.text
    assert pending.json()["state"] == "requested" and "503" in pending.json()["detail"]
    assert (await status_of(hub, "WO-007"))[0] is Status.DISPATCHED  # type: ignore[index]
    await asyncio.sleep(0.5)
    await stand_in.faults(unavailable=False)
    change_url = f"/api/v1/technicians/T007/changes/{pending.json()['change_id']}"

    async def finished() -> bool:
        return (await client.get(change_url)).status_code == 200

    await eventually(finished, timeout=20)
    assert (await client.get(change_url)).json()["new_order"]["order_id"] == "WO-007.R1"
    assert await stand_in.records.operation_counts() == {"applied": 1}


async def test_an_inventory_that_stays_down_parks_the_swap_with_its_reason(
    hub: Hub, client: httpx.AsyncClient, stand_in: ServedInventory
) -> None:
    await open_orders(hub, ["WO-008"])
    holders = await stand_in.records.fiber_holders()
    await stand_in.faults(unavailable=True)
    pending = await client.post(swap_path("WO-008"), json=fiber(67))
    change_id = pending.json()["change_id"]

    async def parked() -> bool:
        return (
            sum(
                hub.metrics.messages_parked.labels("onsite.fiber_swap", e)._value.get()
                for e in ("TransientAdapterError",)
            )
            >= 1
        )

    await eventually(parked, timeout=30)
    change = (await client.get(f"/api/v1/technicians/T008/changes/{change_id}")).json()
    assert change["state"] == "requested" and change["attempts"] >= 4
    assert "inventory" in change["detail"]
    assert (await status_of(hub, "WO-008"))[0] is Status.DISPATCHED  # type: ignore[index]
    await stand_in.faults(unavailable=False)
    assert await stand_in.records.fiber_holders() == holders


async def test_a_swap_applied_after_the_order_changed_is_undone(
    hub: Hub, client: httpx.AsyncClient, stand_in: ServedInventory
) -> None:
    await open_orders(hub, ["WO-009"], check_in=True)
    holders = await stand_in.records.fiber_holders()
    await stand_in.faults(delay_ms=3000)
    swapping = asyncio.create_task(client.post(swap_path("WO-009"), json=fiber(68)))

    await eventually(lambda: change_in_flight(hub, "WO-009"))  # not a fixed sleep
    completed = await client.post(
        "/api/v1/technicians/T009/orders/WO-009/complete", json={"note": "done anyway"}
    )
    await stand_in.faults(delay_ms=0)
    assert completed.status_code == 200, completed.text
    answer = await swapping

    assert answer.status_code == 409, answer.text
    assert (answer.json()["state"], answer.json()["code"]) == ("compensated", "order_changed")
    assert (await status_of(hub, "WO-009"))[0] is Status.COMPLETED  # type: ignore[index]
    assert await status_of(hub, "WO-009.R1") is None
    assert await stand_in.records.fiber_holders() == holders
    assert await stand_in.records.operation_counts() == {"reverted": 1, "applied": 1}
