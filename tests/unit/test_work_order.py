"""The work-order state machine, without an event loop or a database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from hub.domain import work_order
from hub.domain.work_order import Status, decide
from hub.errors import IllegalTransition, NotAssigned
from schemas.v1 import (
    CheckInOverdue,
    Coordinates,
    TechnicianCheckedIn,
    VerifyCheckIn,
    WorkOrderArchived,
    WorkOrderCompleted,
    WorkOrderCreated,
    WorkOrderDispatched,
)
from tests import factories

NOW = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
RADIUS = 500.0


def _created(order_id: str = "WO-1") -> work_order.WorkOrder:
    order, _ = work_order.create(factories.create_order(order_id), now=NOW)
    return order


def _step(order: work_order.WorkOrder, cmd: work_order.Command) -> work_order.WorkOrder:
    new, _ = decide(order, cmd, now=NOW, radius_m=RADIUS)
    return new


def _checked_in() -> work_order.WorkOrder:
    order = _step(_created(), factories.dispatch("WO-1"))
    return _step(order, factories.check_in("WO-1"))


def test_create_records_created_event_at_version_one() -> None:
    order, events = work_order.create(factories.create_order("WO-1"), now=NOW)
    assert order.status is Status.CREATED
    assert order.version == 1
    assert [type(e) for e in events] == [WorkOrderCreated]
    assert events[0].version == 1


def test_full_lifecycle_moves_through_every_state_with_one_event_per_version() -> None:
    order = _created()
    commands = [
        factories.dispatch("WO-1"),
        factories.check_in("WO-1"),
        factories.complete("WO-1"),
        factories.archive("WO-1"),
    ]
    kinds = []
    for cmd in commands:
        new, events = decide(order, cmd, now=NOW, radius_m=RADIUS)
        assert new.version == order.version + 1
        assert [e.version for e in events] == [new.version]
        kinds.append(type(events[0]))
        order = new
    assert order.status is Status.ARCHIVED
    assert kinds == [
        WorkOrderDispatched,
        TechnicianCheckedIn,
        WorkOrderCompleted,
        WorkOrderArchived,
    ]


def test_decide_does_not_mutate_its_input() -> None:
    order = _created()
    decide(order, factories.dispatch("WO-1"), now=NOW, radius_m=RADIUS)
    assert order.status is Status.CREATED
    assert order.technician is None


def test_check_in_before_dispatch_is_refused_with_a_readable_reason() -> None:
    with pytest.raises(IllegalTransition, match="cannot check in order WO-1: it is created"):
        decide(_created(), factories.check_in("WO-1"), now=NOW, radius_m=RADIUS)


def test_completion_before_check_in_is_refused() -> None:
    dispatched = _step(_created(), factories.dispatch("WO-1"))
    with pytest.raises(IllegalTransition, match="cannot complete"):
        decide(dispatched, factories.complete("WO-1"), now=NOW, radius_m=RADIUS)


def test_archive_before_completion_is_refused() -> None:
    with pytest.raises(IllegalTransition, match="cannot archive"):
        decide(_checked_in(), factories.archive("WO-1"), now=NOW, radius_m=RADIUS)


def test_nothing_is_allowed_after_archive() -> None:
    order = _step(_step(_checked_in(), factories.complete("WO-1")), factories.archive("WO-1"))
    with pytest.raises(IllegalTransition, match="no further steps"):
        decide(order, factories.dispatch("WO-1"), now=NOW, radius_m=RADIUS)


def test_check_in_by_another_technician_is_refused() -> None:
    dispatched = _step(_created(), factories.dispatch("WO-1", "T001"))
    with pytest.raises(NotAssigned, match="not dispatched to technician T999"):
        decide(dispatched, factories.check_in("WO-1", "T999"), now=NOW, radius_m=RADIUS)


def test_redispatch_to_another_technician_replaces_the_assignee() -> None:
    order = _step(
        _step(_created(), factories.dispatch("WO-1", "T001")), factories.dispatch("WO-1", "T002")
    )
    assert order.status is Status.DISPATCHED
    assert order.technician is not None and order.technician.id == "T002"


def test_check_in_on_site_is_within_radius() -> None:
    dispatched = _step(_created(), factories.dispatch("WO-1"))
    _, events = decide(dispatched, factories.check_in("WO-1"), now=NOW, radius_m=RADIUS)
    event = events[0]
    assert isinstance(event, TechnicianCheckedIn)
    assert event.distance_m == 0
    assert event.within_radius is True


def test_far_check_in_reports_distance_in_metres_and_is_flagged() -> None:
    dispatched = _step(_created(), factories.dispatch("WO-1"))
    # 0.01 degree of latitude is about 1,112 metres.
    _, events = decide(
        dispatched, factories.check_in("WO-1", offset_deg=0.01), now=NOW, radius_m=RADIUS
    )
    event = events[0]
    assert isinstance(event, TechnicianCheckedIn)
    assert 1100 < event.distance_m < 1125
    assert event.within_radius is False
    assert event.position == Coordinates(lat=factories.SITE.lat + 0.01, lon=factories.SITE.lon)


def test_verify_check_in_flags_a_missed_appointment_once_the_window_has_passed() -> None:
    dispatched = _step(_created(), factories.dispatch("WO-1", hours=1))
    assert dispatched.appointment_end is not None
    later = dispatched.appointment_end + timedelta(minutes=1)
    new, events = decide(dispatched, VerifyCheckIn(order_id="WO-1"), now=later, radius_m=RADIUS)
    assert [type(e) for e in events] == [CheckInOverdue]
    assert new.version == dispatched.version + 1
    assert new.status is Status.DISPATCHED


def test_verify_check_in_does_nothing_before_the_window_ends_or_after_check_in() -> None:
    dispatched = _step(_created(), factories.dispatch("WO-1", hours=1))
    assert dispatched.appointment_start is not None
    during = dispatched.appointment_start + timedelta(minutes=30)
    early, events = decide(dispatched, VerifyCheckIn(order_id="WO-1"), now=during, radius_m=RADIUS)
    assert (early, events) == (dispatched, [])
    checked = _checked_in()
    late = NOW + timedelta(days=1)
    assert decide(checked, VerifyCheckIn(order_id="WO-1"), now=late, radius_m=RADIUS) == (
        checked,
        [],
    )
