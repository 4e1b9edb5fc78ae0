"""The resource-change saga (fiber swap, box change), without an event loop or a database."""

from __future__ import annotations

from datetime import timedelta

import pytest

from hub.domain import resource_change as saga
from hub.domain.resource_change import (
    Applied,
    ChangeState,
    Refused,
    ReissueImpossible,
    Reverted,
    Step,
    StepFailed,
)
from hub.errors import IllegalTransition, NotAssigned
from schemas.v1 import (
    ChangeKind,
    FiberSwapped,
    FiberSwapRefused,
    OpticalBoxChanged,
    OpticalBoxChangeRefused,
)
from tests import factories
from tests.on_site_factories import AFTER, BEFORE, NOW, box_change, checked_in, dispatched, swap

LATER = NOW + timedelta(seconds=1)


def started(kind: str = "swap") -> saga.ResourceChange:
    cmd = swap() if kind == "swap" else box_change()
    return saga.start(cmd, dispatched(), now=NOW)


def test_a_swap_starts_requested_with_the_next_order_id_and_a_keyed_inventory_step() -> None:
    change = started()
    assert change.state is ChangeState.REQUESTED
    assert change.kind is ChangeKind.FIBER_SWAP
    assert change.new_order_id == "WO-1.R1"
    assert saga.next_step(change) is Step.APPLY
    assert change.inventory_key == "fiber_swap:swap-0001"
    assert change.revert_key == "revert:fiber_swap:swap-0001"


def test_a_change_can_start_on_a_checked_in_order() -> None:
    assert saga.start(swap(), checked_in(), now=NOW).state is ChangeState.REQUESTED


def test_a_change_by_another_technician_is_refused() -> None:
    with pytest.raises(NotAssigned, match="not dispatched to technician T999"):
        saga.start(swap(tech_id="T999"), dispatched(), now=NOW)


@pytest.mark.parametrize("status", ["created", "completed", "archived"])
def test_a_change_needs_an_open_dispatched_order(status: str) -> None:
    order = dispatched()
    if status == "created":
        from hub.domain import work_order

        order, _ = work_order.create(factories.create_order("WO-1"), now=NOW)
    else:
        from dataclasses import replace

        from hub.domain.work_order import Status

        order = replace(order, status=Status(status))
    with pytest.raises(IllegalTransition, match=f"it is {status}"):
        saga.start(swap(), order, now=NOW)


def test_applied_reissues_and_publishes_fiber_swapped() -> None:
    change, events = saga.decide(started(), Applied(BEFORE, AFTER), now=LATER)
    assert change.state is ChangeState.REISSUED and change.finished
    assert (change.previous, change.resources, change.finished_at) == (BEFORE, AFTER, LATER)
    assert change.version == 2
    assert events == [
        FiberSwapped(
            change_id="swap-0001",
            order_id="WO-1",
            new_order_id="WO-1.R1",
            technician_id="T001",
            previous=BEFORE,
            resources=AFTER,
        )
    ]
    assert saga.next_step(change) is Step.NONE


def test_refused_finishes_with_the_reason_and_changes_no_resources() -> None:
    change, events = saga.decide(started(), Refused("fiber_taken", "taken meanwhile"), now=LATER)
    assert change.state is ChangeState.REFUSED
    assert change.resources is None
    assert events == [
        FiberSwapRefused(
            change_id="swap-0001",
            order_id="WO-1",
            technician_id="T001",
            code="fiber_taken",
            reason="taken meanwhile",
            compensated=False,
        )
    ]


def test_an_order_that_cannot_be_reissued_is_compensated_then_refused() -> None:
    change, events = saga.decide(
        started(), ReissueImpossible(BEFORE, AFTER, "order WO-1 is completed"), now=LATER
    )
    assert (change.state, events) == (ChangeState.COMPENSATING, [])
    assert not change.finished
    assert saga.next_step(change) is Step.REVERT

    done, events = saga.decide(change, Reverted(), now=LATER)
    assert done.state is ChangeState.COMPENSATED
    assert events == [
        FiberSwapRefused(
            change_id="swap-0001",
            order_id="WO-1",
            technician_id="T001",
            code="order_changed",
            reason="order WO-1 is completed",
            compensated=True,
        )
    ]


def test_a_transient_failure_counts_attempts_and_keeps_the_step() -> None:
    change, events = saga.decide(started(), StepFailed("TransientAdapterError: 503"), now=LATER)
    change, _ = saga.decide(change, StepFailed("TransientAdapterError: 503"), now=LATER)
    assert (change.state, change.attempts, events) == (ChangeState.REQUESTED, 2, [])
    assert change.last_error == "TransientAdapterError: 503"
    assert saga.next_step(change) is Step.APPLY


@pytest.mark.parametrize(
    "outcome",
    [Applied(BEFORE, AFTER), Refused("x", "y"), Reverted(), StepFailed("e")],
)
def test_a_finished_change_takes_no_further_outcome(outcome: saga.Outcome) -> None:
    done, _ = saga.decide(started(), Applied(BEFORE, AFTER), now=LATER)
    with pytest.raises(IllegalTransition):
        saga.decide(done, outcome, now=LATER)


def test_a_revert_outcome_needs_a_compensating_change() -> None:
    with pytest.raises(IllegalTransition, match="needs it compensating"):
        saga.decide(started(), Reverted(), now=LATER)


def test_a_box_change_publishes_the_box_events() -> None:
    moved = BEFORE.model_copy(update={"box_id": "B002", "port": 6})
    change = started("box")
    assert change.inventory_key == "box_change:box-00001"
    _, applied = saga.decide(change, Applied(BEFORE, moved), now=LATER)
    _, refused = saga.decide(change, Refused("port_taken", "in use"), now=LATER)
    assert [type(e) for e in applied + refused] == [OpticalBoxChanged, OpticalBoxChangeRefused]


def test_a_repeated_request_is_recognised_and_a_different_one_is_not() -> None:
    change = started()
    assert saga.same_request(change, swap())
    assert not saga.same_request(change, swap(fiber_no=6))
    assert not saga.same_request(change, box_change(change_id="swap-0001"))
