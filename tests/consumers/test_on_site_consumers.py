"""The on-site consumers with the in-memory broker: fiber swap and box change applied in the
embedded inventory and the order reissued; an order returned to dispatch."""

from __future__ import annotations

from hub.bootstrap import Hub
from hub.domain.resources import ResourceState
from hub.domain.work_order import Status
from schemas.v1 import ChangeOpticalBox, ReturnWorkOrder
from tests import factories
from tests.consumers.memory_reads import order_of, outbox_bodies, outbox_types, parked
from tests.consumers.on_site_steps import a_free_fiber_swap, on_site_with_resources
from tests.fakes.standin_oracles import InventoryRecords
from tests.helpers import publish

TECH = factories.technician().id


async def test_a_fiber_swap_is_applied_in_the_inventory_and_the_order_reissued(
    memory_hub: Hub,
) -> None:
    line = await on_site_with_resources(memory_hub, "WO-F1")
    swap = await a_free_fiber_swap(memory_hub, "WO-F1", line)

    await publish(memory_hub, swap)

    inventory = InventoryRecords.of(memory_hub.inventory)
    status, resources = (await inventory.assignments())["WO-F1.R1"]
    assert status == "active"
    assert (resources.fiber_id, resources.box_id) == (swap.fiber_id, line.box_id)
    fibers = await inventory.fiber_holders()
    assert fibers[swap.fiber_id] == (ResourceState.IN_USE, "WO-F1.R1")
    assert fibers[line.fiber_id][0] == ResourceState.FAULTY
    old, new = await order_of(memory_hub, "WO-F1"), await order_of(memory_hub, "WO-F1.R1")
    assert (old.status, old.reissued_as) == (Status.ARCHIVED, "WO-F1.R1")
    assert (new.status, new.reissued_from) == (Status.DISPATCHED, "WO-F1")
    assert new.details.resources == resources
    [swapped] = await outbox_bodies(memory_hub, "FiberSwapped.v1")
    assert swapped["new_order_id"] == "WO-F1.R1"
    assert "WorkOrderReissued.v1" in await outbox_types(memory_hub, "WO-F1")
    assert parked(memory_hub) == []


async def test_the_same_swap_delivered_twice_changes_the_inventory_once(memory_hub: Hub) -> None:
    line = await on_site_with_resources(memory_hub, "WO-F2")
    swap = await a_free_fiber_swap(memory_hub, "WO-F2", line)

    await publish(memory_hub, swap, message_id="dup-swap-1")
    await publish(memory_hub, swap, message_id="dup-swap-1")

    inventory = InventoryRecords.of(memory_hub.inventory)
    assert [op for op, _ in await inventory.calls() if op != "allocate"] == ["swap_fiber"]
    statuses = {order: status for order, (status, _) in (await inventory.assignments()).items()}
    assert statuses == {"WO-F2": "superseded", "WO-F2.R1": "active"}
    assert len(await outbox_bodies(memory_hub, "FiberSwapped.v1")) == 1
    assert parked(memory_hub) == []


async def test_a_box_change_moves_the_order_to_a_free_port_and_reissues_it(
    memory_hub: Hub,
) -> None:
    line = await on_site_with_resources(memory_hub, "WO-B1")
    boxes = await memory_hub.inventory.boxes_near(factories.SITE, limit=5)
    box_id, port = next(
        (b.box_id, p)
        for b in boxes
        for p in b.free_ports
        if (b.box_id, p) != (line.box_id, line.port)
    )

    await publish(
        memory_hub,
        ChangeOpticalBox(
            change_id="box-WO-B1", order_id="WO-B1", technician_id=TECH, box_id=box_id, port=port
        ),
    )

    _, resources = (await InventoryRecords.of(memory_hub.inventory).assignments())["WO-B1.R1"]
    assert (resources.box_id, resources.port) == (box_id, port)
    assert (await order_of(memory_hub, "WO-B1")).reissued_as == "WO-B1.R1"
    [changed] = await outbox_bodies(memory_hub, "OpticalBoxChanged.v1")
    assert (changed["resources"]["box_id"], changed["resources"]["port"]) == (box_id, port)
    assert parked(memory_hub) == []


async def test_a_returned_order_goes_back_to_dispatch_without_its_technician(
    memory_hub: Hub,
) -> None:
    await on_site_with_resources(memory_hub, "WO-X1")

    await publish(
        memory_hub, ReturnWorkOrder(order_id="WO-X1", technician_id=TECH, reason="附近无可用光箱")
    )

    order = await order_of(memory_hub, "WO-X1")
    assert (order.status, order.technician) == (Status.CREATED, None)
    [returned] = await outbox_bodies(memory_hub, "WorkOrderReturned.v1")
    assert returned["reason"] == "附近无可用光箱"
    assert parked(memory_hub) == []
