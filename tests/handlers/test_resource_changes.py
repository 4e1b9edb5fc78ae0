"""Fiber swaps and box changes (`ResourceChangeService`): the saga around the inventory."""

from __future__ import annotations

import pytest

from hub.domain.resource_change import ChangeState
from hub.domain.resources import ResourceState
from hub.domain.work_order import Status
from hub.errors import IllegalTransition, TransientAdapterError
from hub.handlers.timer_kinds import RESOURCE_CHANGE_WATCHDOG
from hub.ports import TimerStatus
from schemas.v1 import (
    FiberSwapped,
    FiberSwapRefused,
    OpticalBoxChanged,
    SendSms,
    SwapFiber,
    WorkOrderReissued,
)
from tests import factories
from tests.fakes import SimulatedCrash
from tests.handlers.harness import LINE, FakeHub
from tests.on_site_factories import box_change, swap

TECH_PHONE = factories.technician().phone


def texts(hub: FakeHub, purpose: str) -> list[SendSms]:
    return [s for s in hub.tables.published(SendSms) if s.purpose == purpose]


async def test_a_fiber_swap_archives_the_order_and_reissues_it_on_the_new_fiber(
    hub: FakeHub,
) -> None:
    await hub.checked_in("WO-1")
    change = await hub.use_cases.changes.request(swap("WO-1", fiber_no=5))
    assert change.state is ChangeState.REISSUED
    old, new = hub.tables.orders["WO-1"], hub.tables.orders["WO-1.R1"]
    assert (old.status, old.reissued_as) == (Status.ARCHIVED, "WO-1.R1")
    assert (new.status, new.reissued_from) == (Status.DISPATCHED, "WO-1")
    assert new.details.resources is not None and new.details.resources.fiber_no == 5
    assert hub.inventory.assignments == {
        "WO-1.R1": LINE.model_copy(update={"fiber_id": "C001-F005", "fiber_no": 5})
    }
    assert hub.inventory.fiber_slots["C001-F001"].state is ResourceState.FAULTY
    [swapped] = hub.tables.published(FiberSwapped)
    assert swapped.new_order_id == "WO-1.R1"
    assert [s.to for s in texts(hub, "dispatch_notice") if s.order_id == "WO-1.R1"] == [TECH_PHONE]
    assert [t.status for t in hub.tables.timers.values() if t.kind == RESOURCE_CHANGE_WATCHDOG] == [
        TimerStatus.CANCELLED
    ]
    await hub.deliver()
    assert hub.support.orders == {"WO-1": "archived", "WO-1.R1": "created"}


async def test_a_box_change_moves_the_order_to_the_reported_port(hub: FakeHub) -> None:
    await hub.dispatched("WO-1")
    change = await hub.use_cases.changes.request(box_change("WO-1", port=6))
    assert change.state is ChangeState.REISSUED
    [changed] = hub.tables.published(OpticalBoxChanged)
    assert (changed.resources.box_id, changed.resources.port) == ("B002", 6)
    assert hub.inventory.ports["B001", 1].state is ResourceState.FAULTY


async def test_a_refused_swap_texts_the_technician_and_changes_nothing(hub: FakeHub) -> None:
    await hub.checked_in("WO-1")
    hub.inventory.mark("C001-F005", ResourceState.IN_USE, holder="WO-9")
    before = hub.tables.orders["WO-1"]
    change = await hub.use_cases.changes.request(swap("WO-1", fiber_no=5))
    assert (change.state, change.code) == (ChangeState.REFUSED, "fiber_taken")
    assert hub.tables.orders["WO-1"] == before
    assert list(hub.inventory.assignments) == ["WO-1"]
    [refused] = hub.tables.published(FiberSwapRefused)
    assert refused.compensated is False
    [notice] = texts(hub, "change_refused")
    assert notice.to == TECH_PHONE and "未完成" in notice.body


async def test_an_inventory_outage_hands_the_change_to_its_queue(hub: FakeHub) -> None:
    await hub.checked_in("WO-1")
    hub.inventory.unavailable = True
    change = await hub.use_cases.changes.request(swap("WO-1", fiber_no=5))
    assert (change.state, change.attempts) == (ChangeState.REQUESTED, 1)
    assert change.last_error is not None and "TransientAdapterError" in change.last_error
    assert hub.tables.published(SwapFiber) == [swap("WO-1", fiber_no=5)]
    hub.inventory.unavailable = False
    await hub.deliver(SwapFiber)
    assert hub.tables.changes[change.change_id].state is ChangeState.REISSUED
    assert hub.tables.orders["WO-1.R1"].status is Status.DISPATCHED


async def test_from_the_queue_an_outage_is_raised_for_a_delayed_retry(hub: FakeHub) -> None:
    await hub.checked_in("WO-1")
    hub.inventory.fail_next = 1
    with pytest.raises(TransientAdapterError):
        await hub.run(swap("WO-1", fiber_no=5))
    assert hub.tables.changes["swap-0001"].attempts == 1
    await hub.run(swap("WO-1", fiber_no=5))
    assert hub.tables.changes["swap-0001"].state is ChangeState.REISSUED


async def test_a_change_the_order_can_no_longer_take_is_reverted_in_the_inventory(
    hub: FakeHub,
) -> None:
    await hub.checked_in("WO-1")
    hub.inventory.unavailable = True
    await hub.use_cases.changes.request(swap("WO-1", fiber_no=5))
    hub.inventory.unavailable = False
    await hub.run(factories.complete("WO-1"))  # meanwhile the technician completed the order
    await hub.deliver(SwapFiber)
    change = hub.tables.changes["swap-0001"]
    assert (change.state, change.code) == (ChangeState.COMPENSATED, "order_changed")
    assert hub.inventory.assignments == {"WO-1": LINE}
    assert hub.inventory.fiber_slots["C001-F005"].state is ResourceState.FREE
    assert hub.tables.orders["WO-1"].status is Status.COMPLETED
    assert "WO-1.R1" not in hub.tables.orders
    [refused] = hub.tables.published(FiberSwapRefused)
    assert refused.compensated is True
    assert len(texts(hub, "change_refused")) == 1


async def test_a_second_change_while_one_is_in_flight_is_refused(hub: FakeHub) -> None:
    await hub.checked_in("WO-1")
    hub.inventory.unavailable = True
    await hub.use_cases.changes.request(swap("WO-1", fiber_no=5))
    with pytest.raises(IllegalTransition, match="already has a fiber_swap in progress"):
        await hub.use_cases.changes.request(box_change("WO-1", change_id="box-00002"))
    assert list(hub.tables.changes) == ["swap-0001"]


async def test_a_repeated_request_reports_the_change_without_applying_it_again(
    hub: FakeHub,
) -> None:
    await hub.checked_in("WO-1")
    first = await hub.use_cases.changes.request(swap("WO-1", fiber_no=5))
    again = await hub.use_cases.changes.request(swap("WO-1", fiber_no=5))
    assert again == first
    assert [op for op, _ in hub.inventory.calls] == ["swap_fiber"]
    assert len(hub.tables.published(WorkOrderReissued)) == 1


async def test_a_change_id_reused_for_another_fiber_is_refused(hub: FakeHub) -> None:
    await hub.checked_in("WO-1")
    await hub.use_cases.changes.request(swap("WO-1", fiber_no=5))
    with pytest.raises(IllegalTransition, match="already used for another request"):
        await hub.use_cases.changes.request(swap("WO-1", fiber_no=6))


async def test_a_crash_after_the_inventory_applied_resumes_without_applying_twice(
    hub: FakeHub,
) -> None:
    await hub.checked_in("WO-1")
    hub.uow.crash_on_commit(after=1)  # recorded, applied in the inventory, died before reissue
    with pytest.raises(SimulatedCrash):
        await hub.run(swap("WO-1", fiber_no=5), message_id="m-1")
    assert hub.change("swap-0001").state is ChangeState.REQUESTED
    await hub.run(swap("WO-1", fiber_no=5), message_id="m-1")  # the broker redelivers it
    assert hub.change("swap-0001").state is ChangeState.REISSUED
    assert [op for op, _ in hub.inventory.calls] == ["swap_fiber", "swap_fiber"]
    assert len(hub.inventory.operations) == 1  # the second call got the first answer
    assert len(hub.tables.published(WorkOrderReissued)) == 1
