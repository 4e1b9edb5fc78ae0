"""The real inventory HTTP client against the stand-in served by uvicorn, on both databases."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from adapters.inventory.embedded import EmbeddedInventory
from adapters.inventory.http_client import HttpResourceInventory
from adapters.inventory.seed import BoxSeed, CableSeed, SeedData, shanghai_seed
from adapters.inventory.server import inventory_router
from adapters.standin_storage import StandinStorage
from hub.domain.resources import ResourceState
from hub.errors import (
    PermanentAdapterError,
    ResourceRefused,
    TransientAdapterError,
    UnknownRemoteRecord,
)
from schemas.v1 import Coordinates
from tests.fakes.standin_oracles import InventoryRecords
from tests.inventory_standin import (
    CLIENT_TIMEOUT_S,
    ServedInventory,
    drop_separate_database,
    fiber_id,
    line_seed,
    separate_database,
    serve_inventory,
)

pytestmark = pytest.mark.integration

ORDERS = [f"WO-INV-{i}" for i in range(1, 4)]  # on cable C001, fibers 1-3, ports 1-3


@pytest.fixture
async def inventory_url(backend: str, tmp_path: Path) -> AsyncIterator[str]:
    url = await separate_database(backend, tmp_path)
    yield url
    await drop_separate_database(url)


@pytest.fixture
async def stand_in(inventory_url: str) -> AsyncIterator[ServedInventory]:
    async with serve_inventory(inventory_url, line_seed(ORDERS)) as served:
        yield served


@pytest.fixture
async def inventory(stand_in: ServedInventory) -> AsyncIterator[HttpResourceInventory]:
    async with httpx.AsyncClient(base_url=stand_in.url, timeout=CLIENT_TIMEOUT_S) as client:
        yield HttpResourceInventory(client)


async def swap(inventory: HttpResourceInventory, order: str, fiber_no: int, key: str) -> object:
    return await inventory.swap_fiber(
        order,
        fiber_id=fiber_id(1, fiber_no),
        fiber_no=fiber_no,
        new_order_id=f"{order}.R1",
        idempotency_key=key,
    )


async def test_only_free_fibers_of_the_cable_are_listed_as_free(
    inventory: HttpResourceInventory,
) -> None:
    current = await inventory.assignment(ORDERS[0])
    free = await inventory.fibers(current.cable_id, state=ResourceState.FREE)
    every = await inventory.fibers(current.cable_id)

    assert (current.cable_id, current.fiber_no, current.box_id, current.port) == (
        "C001",
        1,
        "B001",
        1,
    )
    assert [f.fiber_no for f in free] == [4, 5, 6, 7]
    assert [f.state for f in every][:3] == [ResourceState.IN_USE] * 3
    assert every[-1].state is ResourceState.FAULTY


async def test_a_swap_moves_the_assignment_to_the_reissued_order_and_retires_the_old_fiber(
    stand_in: ServedInventory, inventory: HttpResourceInventory
) -> None:
    done = await inventory.swap_fiber(
        ORDERS[0],
        fiber_id=fiber_id(1, 5),
        fiber_no=5,
        new_order_id="WO-INV-1.R1",
        idempotency_key="fiber_swap:k1",
    )
    holders = await stand_in.records.fiber_holders()

    assert (done.previous.fiber_no, done.current.fiber_no) == (1, 5)
    assert (await inventory.assignment("WO-INV-1.R1")).fiber_no == 5
    with pytest.raises(UnknownRemoteRecord):
        await inventory.assignment(ORDERS[0])
    assert holders[fiber_id(1, 5)] == ("in_use", "WO-INV-1.R1")
    assert holders[fiber_id(1, 1)] == ("faulty", None)


async def test_a_repeated_key_replays_the_first_answer_without_a_second_swap(
    stand_in: ServedInventory, inventory: HttpResourceInventory
) -> None:
    first = await swap(inventory, ORDERS[0], 5, "k-once")
    again = await swap(inventory, ORDERS[0], 5, "k-once")

    assert again == first
    assert await stand_in.records.calls("swap_fiber") == [("swap_fiber", "k-once")] * 2
    assert await stand_in.records.operation_counts() == {"applied": 1}


@pytest.mark.parametrize(
    ("fiber", "number", "code"),
    [
        (fiber_id(1, 2), 2, "fiber_taken"),
        (fiber_id(1, 8), 8, "fiber_faulty"),
        (fiber_id(1, 5), 6, "fiber_mismatch"),
        ("C009-F001", 1, "unknown_fiber"),
        (fiber_id(1, 1), 1, "same_fiber"),
    ],
)
async def test_a_refused_swap_says_why_and_changes_nothing(
    stand_in: ServedInventory, inventory: HttpResourceInventory, fiber: str, number: int, code: str
) -> None:
    before = await stand_in.records.fiber_holders()
    with pytest.raises(ResourceRefused) as refused:
        await inventory.swap_fiber(
            ORDERS[0],
            fiber_id=fiber,
            fiber_no=number,
            new_order_id="WO-INV-1.R1",
            idempotency_key=f"k-{code}",
        )
    assert refused.value.code == code
    assert await stand_in.records.fiber_holders() == before
    assert (await inventory.assignment(ORDERS[0])).fiber_no == 1
    with pytest.raises(ResourceRefused):  # the refusal is replayed for the same key
        await inventory.swap_fiber(
            ORDERS[0],
            fiber_id=fiber,
            fiber_no=number,
            new_order_id="WO-INV-1.R1",
            idempotency_key=f"k-{code}",
        )


async def test_a_fiber_of_another_cable_is_refused(inventory_url: str) -> None:
    orders = [f"WO-X-{i}" for i in range(5)]  # WO-X-4 is on cable C002
    async with (
        serve_inventory(inventory_url, line_seed(orders)) as served,
        httpx.AsyncClient(base_url=served.url) as client,
    ):
        with pytest.raises(ResourceRefused) as refused:
            await HttpResourceInventory(client).swap_fiber(
                "WO-X-0",
                fiber_id=fiber_id(2, 6),
                fiber_no=6,
                new_order_id="WO-X-0.R1",
                idempotency_key="k-other",
            )
    assert refused.value.code == "other_cable"
    assert "C002" in refused.value.reason


async def test_twenty_racing_swaps_for_one_fiber_have_exactly_one_winner(
    inventory_url: str,
) -> None:
    orders = [f"WO-R-{i:02d}" for i in range(20)]
    async with serve_inventory(inventory_url, line_seed(orders, per_cable=20, fibers=24)) as served:
        async with httpx.AsyncClient(base_url=served.url, timeout=10) as client:
            inventory = HttpResourceInventory(client)
            outcomes = await asyncio.gather(
                *(
                    inventory.swap_fiber(
                        o,
                        fiber_id=fiber_id(1, 21),
                        fiber_no=21,
                        new_order_id=f"{o}.R1",
                        idempotency_key=f"race:{o}",
                    )
                    for o in orders
                ),
                return_exceptions=True,
            )
        holders = await served.records.fiber_holders()
    winners = [o for o in outcomes if not isinstance(o, BaseException)]
    refusals = [o for o in outcomes if isinstance(o, ResourceRefused)]
    assert len(winners) == 1 and len(refusals) == 19, outcomes
    assert {r.code for r in refusals} == {"fiber_taken"}
    assert holders[fiber_id(1, 21)][1] == f"{orders[outcomes.index(winners[0])]}.R1"


async def test_a_box_change_moves_the_port_and_a_revert_restores_everything(
    stand_in: ServedInventory, inventory: HttpResourceInventory
) -> None:
    before = await stand_in.records.assignments()
    done = await inventory.change_box(
        ORDERS[1], box_id="B001", port=6, new_order_id="WO-INV-2.R1", idempotency_key="box:k1"
    )
    assert (done.previous.port, done.current.port) == (2, 6)
    assert (await inventory.assignment("WO-INV-2.R1")).port == 6

    await inventory.revert("box:k1", idempotency_key="revert:box:k1")
    await inventory.revert("box:k1", idempotency_key="revert:box:k1")

    assert (await inventory.assignment(ORDERS[1])).port == 2
    assert await stand_in.records.assignments() == before
    assert await stand_in.records.operation_counts() == {"reverted": 1, "applied": 1}


@pytest.mark.parametrize(
    ("box", "port", "code"),
    [
        ("B404", 1, "unknown_box"),
        ("B001", 99, "unknown_port"),
        ("B001", 3, "port_taken"),
        ("B001", 8, "port_faulty"),
    ],
)
async def test_a_refused_box_change_says_why(
    inventory: HttpResourceInventory, box: str, port: int, code: str
) -> None:
    with pytest.raises(ResourceRefused) as refused:
        await inventory.change_box(
            ORDERS[0], box_id=box, port=port, new_order_id="WO-INV-1.R1", idempotency_key=code
        )
    assert refused.value.code == code
    assert (await inventory.assignment(ORDERS[0])).port == 1


async def test_an_unavailable_inventory_is_transient_until_it_recovers(
    stand_in: ServedInventory, inventory: HttpResourceInventory
) -> None:
    await stand_in.faults(unavailable=True)
    with pytest.raises(TransientAdapterError, match="503"):
        await swap(inventory, ORDERS[0], 5, "k-down")
    await stand_in.faults(fail_next=1)
    with pytest.raises(TransientAdapterError, match="503"):
        await inventory.assignment(ORDERS[0])
    await swap(inventory, ORDERS[0], 5, "k-down")
    assert await stand_in.records.operation_counts() == {"applied": 1}


async def test_a_key_reused_for_another_request_and_a_missing_key_are_refused(
    stand_in: ServedInventory, inventory: HttpResourceInventory
) -> None:
    await swap(inventory, ORDERS[0], 5, "k-reuse")
    with pytest.raises(PermanentAdapterError, match="422") as reused:
        await swap(inventory, ORDERS[1], 6, "k-reuse")
    assert not isinstance(reused.value, ResourceRefused)
    body = {"fiber_id": fiber_id(1, 6), "fiber_no": 6, "new_order_id": "X.R1"}
    response = await stand_in.http.post(f"/api/v1/orders/{ORDERS[1]}/fiber-swap", json=body)
    assert response.status_code == 400
    assert (await inventory.assignment(ORDERS[1])).fiber_no == 2


async def test_allocation_picks_a_free_fiber_and_port_near_the_address_once(
    inventory_url: str,
) -> None:
    storage = StandinStorage(inventory_url, EmbeddedInventory.tables)
    inventory = EmbeddedInventory(
        storage, seed=shanghai_seed(cables_per_district=2, boxes_per_district=3)
    )
    try:
        near = Coordinates(lat=31.2304, lon=121.4737)
        first = await inventory.allocate("WO-NEW-1", near=near, idempotency_key="alloc:1")
        again = await inventory.allocate("WO-NEW-1", near=near, idempotency_key="alloc:1")
        other = await inventory.allocate("WO-NEW-2", near=near, idempotency_key="alloc:2")
        holders = await InventoryRecords.of(inventory).fiber_holders()
    finally:
        await storage.dispose()
    assert first == again
    assert first.fiber_id != other.fiber_id
    assert holders[first.fiber_id] == ("in_use", "WO-NEW-1")
    assert first.box_id.startswith("SH-")


async def test_allocation_leaves_a_spare_fiber_for_a_swap_when_a_box_nearby_can(
    inventory_url: str,
) -> None:
    """The nearest box's cable has one free fiber left: an order there could not have it
    swapped on site, so the next box, whose cable has spares, is taken; when no cable nearby
    has a spare, the nearest box still is."""
    lone = CableSeed("C-LONE", "lone", "r", fiber_count=4, in_use={1: "X1", 2: "X2", 3: "X3"})
    spare = CableSeed("C-SPARE", "spare", "r", fiber_count=4)
    seed = SeedData(
        cables=[lone, spare],
        boxes=[
            BoxSeed(
                "B-NEAR", "near", "a", lat=31.2300, lon=121.4700, cable_id="C-LONE", port_count=4
            ),
            BoxSeed(
                "B-FAR", "far", "a", lat=31.2400, lon=121.4800, cable_id="C-SPARE", port_count=4
            ),
        ],
    )
    storage = StandinStorage(inventory_url, EmbeddedInventory.tables)
    inventory = EmbeddedInventory(storage, seed=seed)
    near = Coordinates(lat=31.2301, lon=121.4701)
    try:
        taken = [
            await inventory.allocate(f"WO-S-{n}", near=near, idempotency_key=f"alloc:{n}")
            for n in range(4)
        ]
    finally:
        await storage.dispose()
    # C-SPARE has 4 free: three orders leave it a spare, the fourth finds no spare anywhere
    # and takes the nearest box's last fiber.
    assert [a.box_id for a in taken] == ["B-FAR", "B-FAR", "B-FAR", "B-NEAR"]
    assert taken[3].fiber_id == lone.fiber_id(4)


async def test_the_router_serves_the_same_contract_under_a_prefix(inventory_url: str) -> None:
    storage = StandinStorage(inventory_url, EmbeddedInventory.tables)
    embedded = EmbeddedInventory(storage)
    await embedded.load(line_seed(ORDERS))
    app = FastAPI()
    app.include_router(inventory_router(embedded), prefix="/standin/inventory")
    try:
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://hub.test/standin/inventory"
        ) as client:
            inventory = HttpResourceInventory(client)
            assert (await inventory.assignment(ORDERS[2])).fiber_no == 3
            with pytest.raises(UnknownRemoteRecord):
                await inventory.fibers("C404")
    finally:
        await storage.dispose()
