"""Reissue after an on-site fix, and the return to dispatch (退单), as pure steps."""

from __future__ import annotations

from datetime import timedelta

import pytest

from hub.domain import work_order
from hub.domain.flow_log import entry_for
from hub.domain.reissue import reissue, reissued_id
from hub.domain.work_order import Status
from hub.errors import IllegalTransition, NotAssigned
from schemas.v1 import (
    ChangeKind,
    FlowStep,
    ReturnWorkOrder,
    WorkOrderCreated,
    WorkOrderDispatched,
    WorkOrderReissued,
    WorkOrderReturned,
)
from tests.on_site_factories import AFTER, BEFORE, NOW, RADIUS, checked_in, dispatched

LATER = NOW + timedelta(minutes=30)


def _reissue(order: work_order.WorkOrder, tech: str = "T001") -> object:
    return reissue(
        order,
        new_order_id="WO-1.R1",
        change_id="swap-0001",
        change=ChangeKind.FIBER_SWAP,
        technician_id=tech,
        previous=BEFORE,
        resources=AFTER,
        now=LATER,
    )


@pytest.mark.parametrize(
    ("order_id", "expected"),
    [("WO-1", "WO-1.R1"), ("WO-1.R1", "WO-1.R2"), ("WO-1.R9", "WO-1.R10"), ("A.Rx", "A.Rx.R1")],
)
def test_reissued_ids_count_up_from_the_original(order_id: str, expected: str) -> None:
    assert reissued_id(order_id) == expected


def test_an_id_at_the_length_limit_cannot_be_reissued() -> None:
    with pytest.raises(IllegalTransition, match="too long"):
        reissued_id("W" * 62)


def test_reissue_archives_the_old_order_and_dispatches_a_linked_new_one() -> None:
    old = checked_in()
    done = _reissue(old)
    assert (done.old.status, done.old.reissued_as, done.old.archived_at) == (  # type: ignore[attr-defined]
        Status.ARCHIVED,
        "WO-1.R1",
        LATER,
    )
    assert done.old.version == old.version + 1  # type: ignore[attr-defined]
    new = done.new  # type: ignore[attr-defined]
    assert (new.order_id, new.status, new.version, new.reissued_from) == (
        "WO-1.R1",
        Status.DISPATCHED,
        2,
        "WO-1",
    )
    assert new.technician == old.technician
    assert new.details.resources == AFTER
    assert new.details.customer_name == old.details.customer_name
    assert new.appointment_start == LATER and new.appointment_end >= LATER + timedelta(hours=1)
    kinds = [type(e) for e in done.events]  # type: ignore[attr-defined]
    assert kinds == [WorkOrderReissued, WorkOrderCreated, WorkOrderDispatched]
    assert [(e.order_id, e.version) for e in done.events] == [  # type: ignore[attr-defined]
        ("WO-1", old.version + 1),
        ("WO-1.R1", 1),
        ("WO-1.R1", 2),
    ]


def test_the_chain_is_written_in_both_flow_logs() -> None:
    done = _reissue(dispatched())
    lines = [entry_for(e, seq=e.version) for e in done.events]  # type: ignore[attr-defined]
    assert lines[0].step is FlowStep.REISSUED
    assert "纤芯 1 → 5" in lines[0].summary and "WO-1.R1" in lines[0].summary
    assert lines[1].step is FlowStep.CREATED and "WO-1" in lines[1].summary
    assert lines[1].details["reissued_from"] == "WO-1"
    assert "+86" not in str([line.model_dump() for line in lines])


def test_only_an_open_order_of_the_technician_is_reissued() -> None:
    with pytest.raises(NotAssigned):
        _reissue(dispatched(), tech="T002")
    archived = _reissue(dispatched()).old  # type: ignore[attr-defined]
    with pytest.raises(IllegalTransition, match="it is archived"):
        _reissue(archived)


def test_return_to_dispatch_clears_the_visit_and_keeps_the_reason() -> None:
    cmd = ReturnWorkOrder(order_id="WO-1", technician_id="T001", reason="附近无可用光箱")
    order, events = work_order.decide(checked_in(), cmd, now=LATER, radius_m=RADIUS)
    assert order.status is Status.CREATED
    assert (order.technician, order.appointment_start, order.check_in) == (None, None, None)
    assert events == [
        WorkOrderReturned(
            order_id="WO-1",
            version=order.version,
            occurred_at=LATER,
            technician_id="T001",
            reason="附近无可用光箱",
        )
    ]
    assert entry_for(events[0], seq=order.version).summary == "退单：附近无可用光箱"


def test_return_needs_the_assigned_technician_and_an_open_visit() -> None:
    cmd = ReturnWorkOrder(order_id="WO-1", technician_id="T002", reason="无资源")
    with pytest.raises(NotAssigned):
        work_order.decide(dispatched(), cmd, now=LATER, radius_m=RADIUS)
    mine = ReturnWorkOrder(order_id="WO-1", technician_id="T001", reason="无资源")
    returned, _ = work_order.decide(dispatched(), mine, now=LATER, radius_m=RADIUS)
    with pytest.raises(IllegalTransition, match="cannot return"):
        work_order.decide(returned, mine, now=LATER, radius_m=RADIUS)
