"""Booking, acceptance, confirmation and rescheduling of an order's visit, as pure decisions.

    created ──book──▶ created (booked) ──dispatch──▶ dispatched ──accept──▶ ──confirm──▶ check in
                          │                             │
                          └──────── reschedule ─────────┘   (never after check-in)

`decide(order, command, now=, policy=)` returns the new order and its events like
`hub.domain.work_order.decide`; an illegal step raises `IllegalTransition` (or `NotAssigned`,
`WindowRefused`) with a reason a dispatcher understands.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from hub.domain.appointment import Appointment, AppointmentPolicy, PendingRequest
from hub.domain.errors import IllegalTransition, NotAssigned
from hub.domain.work_order import FINAL_STATUSES, Status, WorkOrder
from schemas.v1 import (
    AcceptanceOverdue,
    AcceptWorkOrder,
    AnswerVisit,
    AppointmentBooked,
    AppointmentConfirmed,
    AppointmentRescheduled,
    BookAppointment,
    ConfirmAppointment,
    Requester,
    RescheduleAppointment,
    RescheduleRequested,
    SetOffForVisit,
    TechnicianOnTheWay,
    VerifyAcceptance,
    VisitConfirmedByCustomer,
    WorkOrderAccepted,
    WorkOrderEvent,
)

Command = (
    SetOffForVisit
    | AnswerVisit
    | BookAppointment
    | AcceptWorkOrder
    | ConfirmAppointment
    | RescheduleAppointment
    | VerifyAcceptance
)
Decision = tuple[WorkOrder, list[WorkOrderEvent]]


def decide(order: WorkOrder, cmd: Command, *, now: datetime, policy: AppointmentPolicy) -> Decision:
    """Apply one appointment command to an order: the new order and its events."""
    if isinstance(cmd, VerifyAcceptance):
        return _verify_acceptance(order, cmd, now)
    if order.status in FINAL_STATUSES:
        raise IllegalTransition(f"order {order.order_id} is {order.status}; no further steps")
    match cmd:
        case BookAppointment():
            return _book(order, cmd, now, policy)
        case RescheduleAppointment():
            return _reschedule(order, cmd, now, policy)
        case AnswerVisit():
            return _answer(order, cmd, now)
    return _from_the_field(order, cmd, now)


def _from_the_field(
    order: WorkOrder, cmd: AcceptWorkOrder | ConfirmAppointment | SetOffForVisit, now: datetime
) -> Decision:
    """The technician's steps: accept (接单), confirm (二次预约), set off (出发)."""
    match cmd:
        case AcceptWorkOrder():
            return _accept(order, cmd, now)
        case ConfirmAppointment():
            return _confirm(order, cmd, now)
        case SetOffForVisit():
            return _set_off(order, cmd, now)
    raise TypeError(f"unknown command {type(cmd).__name__}")  # pragma: no cover


def _book(
    order: WorkOrder, cmd: BookAppointment, now: datetime, policy: AppointmentPolicy
) -> Decision:
    if order.status not in (Status.CREATED, Status.DISPATCHED):
        raise IllegalTransition(
            f"cannot book order {order.order_id}: it is {order.status}; a visit is booked "
            "before check-in"
        )
    if order.appointment is not None:
        raise IllegalTransition(
            f"order {order.order_id} is already booked; move the visit with a reschedule (改约)"
        )
    policy.require_bookable(cmd.window_start, cmd.window_end, now=now)
    version = order.version + 1
    new = replace(
        order,
        version=version,
        appointment_start=cmd.window_start,
        appointment_end=cmd.window_end,
        punctuality=None,
        appointment=Appointment(
            contact=cmd.contact,
            channel=cmd.channel,
            booked_by=cmd.booked_by,
            booked_at=now,
            window_version=version,
            call_id=cmd.call_id,
            recording_ref=cmd.recording_ref,
        ),
    )
    event = AppointmentBooked(
        order_id=order.order_id,
        version=version,
        occurred_at=now,
        window_start=cmd.window_start,
        window_end=cmd.window_end,
        contact=cmd.contact,
        channel=cmd.channel,
        booked_by=cmd.booked_by,
        call_id=cmd.call_id,
        recording_ref=cmd.recording_ref,
    )
    return new, [event]


def _accept(order: WorkOrder, cmd: AcceptWorkOrder, now: datetime) -> Decision:
    _require_dispatched_to(order, cmd.technician_id, "accept")
    if order.accepted_at is not None:
        return order, []  # accepted before: a second tap changes nothing
    new = replace(order, version=order.version + 1, accepted_at=now, acceptance_overdue=False)
    event = WorkOrderAccepted(
        order_id=order.order_id,
        version=new.version,
        occurred_at=now,
        technician_id=cmd.technician_id,
    )
    return new, [event]


def _confirm(order: WorkOrder, cmd: ConfirmAppointment, now: datetime) -> Decision:
    _require_dispatched_to(order, cmd.technician_id, "confirm")
    booked = _booked(order)
    start, end = _window(order)
    if order.accepted_at is None:
        raise IllegalTransition(f"accept order {order.order_id} (接单) before confirming the visit")
    if booked.confirmed_at is not None:
        return order, []  # this window was confirmed before
    if now >= end:
        raise IllegalTransition(
            f"the visit window of order {order.order_id} has passed; reschedule it (改约)"
        )
    confirmed = replace(booked, confirmed_at=now, pending_request=None)  # agreed by phone
    new = replace(order, version=order.version + 1, appointment=confirmed)
    event = AppointmentConfirmed(
        order_id=order.order_id,
        version=new.version,
        occurred_at=now,
        technician_id=cmd.technician_id,
        window_start=start,
        window_end=end,
    )
    return new, [event]


def _reschedule(
    order: WorkOrder, cmd: RescheduleAppointment, now: datetime, policy: AppointmentPolicy
) -> Decision:
    if order.status not in (Status.CREATED, Status.DISPATCHED):
        raise IllegalTransition(
            f"cannot reschedule order {order.order_id}: it is {order.status}; no reschedule "
            "after check-in"
        )
    booked = _booked(order)
    old_start, old_end = _window(order)
    if (cmd.window_start, cmd.window_end) == (old_start, old_end):
        raise IllegalTransition(f"order {order.order_id} is already booked for this window")
    if cmd.requested_by is Requester.TECHNICIAN:
        _require_dispatched_to(order, cmd.by, "reschedule")
    policy.require_bookable(cmd.window_start, cmd.window_end, now=now)
    version = order.version + 1
    count = booked.reschedules + 1
    flagged = booked.flagged or count >= policy.flag_at
    new = replace(
        order,
        version=version,
        appointment_start=cmd.window_start,
        appointment_end=cmd.window_end,
        punctuality=None,
        appointment=replace(
            booked,
            window_version=version,
            reschedules=count,
            flagged=flagged,
            confirmed_at=None,
            customer_confirmed_at=None,
            set_off_at=None,
            pending_request=None,  # the dispatcher has answered the customer's request
        ),
    )
    event = AppointmentRescheduled(
        order_id=order.order_id,
        version=version,
        occurred_at=now,
        old_start=old_start,
        old_end=old_end,
        window_start=cmd.window_start,
        window_end=cmd.window_end,
        reason=cmd.reason,
        reason_text=cmd.reason_text,
        requested_by=cmd.requested_by,
        by=cmd.by,
        call_id=cmd.call_id,
        reschedules=count,
        flagged=flagged,
    )
    return new, [event]


def _set_off(order: WorkOrder, cmd: SetOffForVisit, now: datetime) -> Decision:
    """The technician set off for the visit; once per window."""
    _require_dispatched_to(order, cmd.technician_id, "set off for")
    booked = _booked(order)
    if order.accepted_at is None:
        raise IllegalTransition(f"accept order {order.order_id} (接单) before setting off")
    if booked.set_off_at is not None:
        return order, []
    new = replace(order, version=order.version + 1, appointment=replace(booked, set_off_at=now))
    event = TechnicianOnTheWay(
        order_id=order.order_id,
        version=new.version,
        occurred_at=now,
        technician_id=cmd.technician_id,
    )
    return new, [event]


def _answer(order: WorkOrder, cmd: AnswerVisit, now: datetime) -> Decision:
    """The customer's answer from the visit link: confirm the window, or ask for another."""
    if order.status not in (Status.CREATED, Status.DISPATCHED):
        raise IllegalTransition(
            f"the visit of order {order.order_id} has begun; please call the dispatcher"
        )
    booked = _booked(order)
    if cmd.window_version != booked.window_version:
        raise IllegalTransition(
            f"the visit of order {order.order_id} was moved since this link was sent; "
            "see the newer SMS"
        )
    start, end = _window(order)
    version = order.version + 1
    if cmd.answer == "confirm":
        if booked.customer_confirmed_at is not None:
            return order, []
        confirmed = replace(booked, customer_confirmed_at=now, pending_request=None)
        new = replace(order, version=version, appointment=confirmed)
        event: WorkOrderEvent = VisitConfirmedByCustomer(
            order_id=order.order_id,
            version=version,
            occurred_at=now,
            window_start=start,
            window_end=end,
        )
        return new, [event]
    assert cmd.wanted_start and cmd.wanted_end and cmd.reason  # the contract checked it
    wanted = PendingRequest(
        wanted_start=cmd.wanted_start,
        wanted_end=cmd.wanted_end,
        reason=cmd.reason,
        reason_text=cmd.reason_text,
        at=now,
    )
    pending = booked.pending_request
    if pending is not None and replace(pending, at=now) == wanted:
        return order, []  # the same request twice
    asked = replace(booked, pending_request=wanted, customer_confirmed_at=None)  # not any more
    new = replace(order, version=version, appointment=asked)
    event = RescheduleRequested(
        order_id=order.order_id,
        version=version,
        occurred_at=now,
        window_start=start,
        window_end=end,
        wanted_start=cmd.wanted_start,
        wanted_end=cmd.wanted_end,
        reason=cmd.reason,
        reason_text=cmd.reason_text,
    )
    return new, [event]


def _verify_acceptance(order: WorkOrder, cmd: VerifyAcceptance, now: datetime) -> Decision:
    """Flag the order for the dispatcher if the technician it went to has not accepted it."""
    if order.status is not Status.DISPATCHED or order.technician is None:
        return order, []
    if order.technician.id != cmd.technician_id:
        return order, []  # re-dispatched since: that dispatch has its own deadline
    if order.accepted_at is not None or order.acceptance_overdue:
        return order, []
    new = replace(order, version=order.version + 1, acceptance_overdue=True)
    event = AcceptanceOverdue(
        order_id=order.order_id,
        version=new.version,
        occurred_at=now,
        technician_id=cmd.technician_id,
    )
    return new, [event]


def _require_dispatched_to(order: WorkOrder, technician_id: str, step: str) -> None:
    if order.status is not Status.DISPATCHED:
        raise IllegalTransition(
            f"cannot {step} order {order.order_id}: it is {order.status}, must be dispatched"
        )
    if order.technician is None or order.technician.id != technician_id:
        raise NotAssigned(
            f"cannot {step} order {order.order_id}: not dispatched to technician {technician_id}"
        )


def _booked(order: WorkOrder) -> Appointment:
    if order.appointment is None:
        raise IllegalTransition(f"order {order.order_id} has no booked visit; book one first")
    return order.appointment


def _window(order: WorkOrder) -> tuple[datetime, datetime]:
    start, end = order.appointment_start, order.appointment_end
    assert start is not None and end is not None  # a booked order always has its window
    return start, end
