"""The work-order lifecycle as a pure state machine.

    created ─dispatch─▶ dispatched ─check in─▶ checked_in ─complete─▶ completed ─archive─▶ archived
                        ▲      │ (re-dispatch)          │                  ▲
                        └──────┘                        └─ signed report ──┘ (hub.domain.close_out)

Test results live in `hub.domain.test_results`; the signed report and billing in
`hub.domain.close_out`.

Either open state can go back to `created` (退单, `ReturnWorkOrder`: no usable resource on site);
an on-site fix archives an order and reissues it as a linked new one (`hub.domain.reissue`).

`decide(order, command, ...)` returns the new order and the events to publish; it never mutates
its input and does no I/O. An illegal step raises `IllegalTransition` with a readable reason.
Every event bumps the order's version by one, so the version numbers the flow log.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum

from hub.domain.appointment import Appointment, punctuality
from hub.domain.clock import DEFAULT_WINDOW, ClockWindow
from hub.domain.errors import IllegalTransition, NotAssigned
from hub.domain.geo import distance_m
from schemas.v1 import (
    ArchiveWorkOrder,
    BookingChannel,
    CheckIn,
    CheckInOverdue,
    CompleteWorkOrder,
    Contact,
    CreateWorkOrder,
    DispatchWorkOrder,
    ReturnWorkOrder,
    Technician,
    TechnicianCheckedIn,
    VerifyCheckIn,
    WorkOrderArchived,
    WorkOrderCompleted,
    WorkOrderCreated,
    WorkOrderDispatched,
    WorkOrderEvent,
    WorkOrderReturned,
)
from schemas.v1.events import Punctuality


class Status(StrEnum):
    CREATED = "created"
    DISPATCHED = "dispatched"
    CHECKED_IN = "checked_in"
    COMPLETED = "completed"
    ARCHIVED = "archived"


FINAL_STATUSES = frozenset({Status.ARCHIVED})

Command = (
    DispatchWorkOrder
    | CheckIn
    | CompleteWorkOrder
    | ArchiveWorkOrder
    | VerifyCheckIn
    | ReturnWorkOrder
)


@dataclass(frozen=True, slots=True)
class CheckInRecord:
    """Where and when the technician checked in."""

    at: datetime
    lat: float
    lon: float
    distance_m: float
    within_radius: bool


@dataclass(frozen=True, slots=True)
class WorkOrder:
    """A work order's current state; `version` counts committed changes."""

    order_id: str
    status: Status
    version: int
    details: CreateWorkOrder
    technician: Technician | None = None
    appointment_start: datetime | None = None
    appointment_end: datetime | None = None
    check_in: CheckInRecord | None = None
    completed_at: datetime | None = None
    archived_at: datetime | None = None
    signed_report: SignedReportRecord | None = None
    billing_reference: str | None = None
    reissued_from: str | None = None  # the archived order this one replaces (on-site fix)
    reissued_as: str | None = None  # the order that replaced this one
    appointment: Appointment | None = None  # who booked the window and what became of it
    accepted_at: datetime | None = None  # 接单 by the technician dispatched to
    acceptance_overdue: bool = False  # not accepted in time: on the dispatcher's list
    punctuality: Punctuality | None = None  # the check-in against the window (履约)
    minutes_late: int = 0

    @property
    def contact(self) -> Contact:
        """Who the hub texts about the visit and the report: the last booked contact
        (电子工单上最后预约客户联系人), else the contact the order came with."""
        return self.appointment.contact if self.appointment else self.details.contact


@dataclass(frozen=True, slots=True)
class SignedReportRecord:
    """The delivery report the customer signed: its version, the signed PDF's hash, how."""

    version: int
    sha256: str
    channel: str
    at: datetime


def create(cmd: CreateWorkOrder, *, now: datetime) -> tuple[WorkOrder, list[WorkOrderEvent]]:
    """Open a new order."""
    order = WorkOrder(order_id=cmd.order_id, status=Status.CREATED, version=1, details=cmd)
    return order, [WorkOrderCreated(order_id=cmd.order_id, version=1, occurred_at=now, order=cmd)]


def decide(
    order: WorkOrder,
    cmd: Command,
    *,
    now: datetime,
    radius_m: float,
    clock: ClockWindow = DEFAULT_WINDOW,
) -> tuple[WorkOrder, list[WorkOrderEvent]]:
    """Apply one command to an order: the new order and its events, or a domain error."""
    if isinstance(cmd, VerifyCheckIn):
        return _verify_check_in(order, now)
    if order.status in FINAL_STATUSES:
        raise IllegalTransition(f"order {order.order_id} is {order.status}; no further steps")
    match cmd:
        case DispatchWorkOrder():
            return _dispatch(order, cmd, now)
        case CheckIn():
            return _check_in(order, cmd, now, radius_m, clock)
        case CompleteWorkOrder():
            return _complete(order, cmd, now)
        case ArchiveWorkOrder():
            return _archive(order, cmd, now)
        case ReturnWorkOrder():
            return _return_to_dispatch(order, cmd, now)
    raise TypeError(f"unknown command {type(cmd).__name__}")  # pragma: no cover


def _verify_check_in(order: WorkOrder, now: datetime) -> tuple[WorkOrder, list[WorkOrderEvent]]:
    """Flag the order if its appointment window passed with no check-in; else nothing changes."""
    if order.status is not Status.DISPATCHED or order.technician is None:
        return order, []
    if order.appointment_end is None or now < order.appointment_end:
        return order, []
    if order.punctuality is Punctuality.MISSED:
        return order, []  # this window was already found missed
    new = replace(order, version=order.version + 1, punctuality=Punctuality.MISSED)
    event = CheckInOverdue(
        order_id=order.order_id,
        version=new.version,
        occurred_at=now,
        technician_id=order.technician.id,
        appointment_end=order.appointment_end,
    )
    return new, [event]


def _require(order: WorkOrder, allowed: set[Status], step: str) -> None:
    if order.status not in allowed:
        wanted = " or ".join(sorted(allowed))
        raise IllegalTransition(
            f"cannot {step} order {order.order_id}: it is {order.status}, must be {wanted}"
        )


def _require_assignee(order: WorkOrder, technician_id: str, step: str) -> None:
    if order.technician is None or order.technician.id != technician_id:
        raise NotAssigned(
            f"cannot {step} order {order.order_id}: not dispatched to technician {technician_id}"
        )


def _dispatch(
    order: WorkOrder, cmd: DispatchWorkOrder, now: datetime
) -> tuple[WorkOrder, list[WorkOrderEvent]]:
    _require(order, {Status.CREATED, Status.DISPATCHED}, "dispatch")
    version = order.version + 1
    same_technician = order.technician is not None and order.technician.id == cmd.technician.id
    booked = _window_from_dispatch(order, cmd, version, now)
    new = replace(
        order,
        status=Status.DISPATCHED,
        version=version,
        technician=cmd.technician,
        appointment_start=cmd.appointment_start,
        appointment_end=cmd.appointment_end,
        appointment=booked,
        punctuality=order.punctuality if booked is order.appointment else None,
        accepted_at=order.accepted_at if same_technician else None,
        acceptance_overdue=order.acceptance_overdue if same_technician else False,
    )
    event = WorkOrderDispatched(
        order_id=order.order_id,
        version=new.version,
        occurred_at=now,
        technician=cmd.technician,
        appointment_start=cmd.appointment_start,
        appointment_end=cmd.appointment_end,
    )
    return new, [event]


def _window_from_dispatch(
    order: WorkOrder, cmd: DispatchWorkOrder, version: int, now: datetime
) -> Appointment:
    """The booking a dispatch leaves: the order's own, kept when the window is the same; a
    window the dispatch moves is recorded as set by this version (never silently replaced)."""
    booked = order.appointment
    if booked is None:
        return Appointment(
            contact=order.details.contact,
            channel=BookingChannel.DISPATCH,
            booked_by="dispatcher",
            booked_at=now,
            window_version=version,
        )
    moved = (cmd.appointment_start, cmd.appointment_end) != (
        order.appointment_start,
        order.appointment_end,
    )
    return replace(booked, window_version=version, confirmed_at=None) if moved else booked


def _check_in(
    order: WorkOrder, cmd: CheckIn, now: datetime, radius_m: float, clock: ClockWindow
) -> tuple[WorkOrder, list[WorkOrderEvent]]:
    _require(order, {Status.DISPATCHED}, "check in")
    _require_assignee(order, cmd.technician_id, "check in")
    if cmd.at is not None:
        clock.require_plausible(cmd.at, now=now, what="the check-in time (at)")
    target = order.details.install_address.coordinates
    distance = round(distance_m(cmd.position.lat, cmd.position.lon, target.lat, target.lon), 1)
    at = cmd.at or now
    record = CheckInRecord(
        at=at,
        lat=cmd.position.lat,
        lon=cmd.position.lon,
        distance_m=distance,
        within_radius=distance <= radius_m,
    )
    kept, late = punctuality(order.appointment_end, at)
    new = replace(
        order,
        status=Status.CHECKED_IN,
        version=order.version + 1,
        check_in=record,
        punctuality=kept,
        minutes_late=late,
    )
    event = TechnicianCheckedIn(
        order_id=order.order_id,
        version=new.version,
        occurred_at=at,
        technician_id=cmd.technician_id,
        position=cmd.position,
        distance_m=distance,
        radius_m=radius_m,
        within_radius=record.within_radius,
        punctuality=kept,
        minutes_late=late,
    )
    return new, [event]


def _complete(
    order: WorkOrder, cmd: CompleteWorkOrder, now: datetime
) -> tuple[WorkOrder, list[WorkOrderEvent]]:
    _require(order, {Status.CHECKED_IN}, "complete")
    _require_assignee(order, cmd.technician_id, "complete")
    new = replace(order, status=Status.COMPLETED, version=order.version + 1, completed_at=now)
    event = WorkOrderCompleted(
        order_id=order.order_id,
        version=new.version,
        occurred_at=now,
        technician_id=cmd.technician_id,
        note=cmd.note,
    )
    return new, [event]


def _archive(
    order: WorkOrder, cmd: ArchiveWorkOrder, now: datetime
) -> tuple[WorkOrder, list[WorkOrderEvent]]:
    _require(order, {Status.COMPLETED}, "archive")
    new = replace(order, status=Status.ARCHIVED, version=order.version + 1, archived_at=now)
    event = WorkOrderArchived(
        order_id=order.order_id, version=new.version, occurred_at=now, reason=cmd.reason
    )
    return new, [event]


def _return_to_dispatch(
    order: WorkOrder, cmd: ReturnWorkOrder, now: datetime
) -> tuple[WorkOrder, list[WorkOrderEvent]]:
    """退单: back to `created`, without technician or appointment, for the dispatcher."""
    _require(order, {Status.DISPATCHED, Status.CHECKED_IN}, "return")
    _require_assignee(order, cmd.technician_id, "return")
    new = replace(
        order,
        status=Status.CREATED,
        version=order.version + 1,
        technician=None,
        appointment_start=None,
        appointment_end=None,
        check_in=None,
        appointment=None,
        accepted_at=None,
        acceptance_overdue=False,
        punctuality=None,
        minutes_late=0,
    )
    event = WorkOrderReturned(
        order_id=order.order_id,
        version=new.version,
        occurred_at=now,
        technician_id=cmd.technician_id,
        reason=cmd.reason,
    )
    return new, [event]
