"""In-transaction reactions to the appointment side of an order (called from
`reactions.record_events`): the history line (预约留痕), the visit's timers (check-in
deadline, acceptance deadline, confirmation reminder: set on dispatch, re-armed on every move,
ended by the check-in, each change in one statement), and the visit facts behind 履约率."""

from __future__ import annotations

from hub.domain.appointment import AppointmentChange, ChangeKind, Visit
from hub.domain.appointment_log import short_window_text
from hub.domain.pii import mask_phone
from hub.domain.signing import AuditKind, Channel, LinkStatus
from hub.domain.work_order import Status, WorkOrder
from hub.handlers.notifications import queue_sms
from hub.handlers.timer_kinds import ACCEPTANCE_DEADLINE, CHECK_IN_DEADLINE, CONFIRMATION_REMINDER
from hub.ports import UnitOfWork
from hub.signing.context import SYSTEM
from schemas.v1 import (
    AppointmentBooked,
    AppointmentConfirmed,
    AppointmentRescheduled,
    CheckInOverdue,
    Punctuality,
    RemindConfirmation,
    SendSms,
    SendVisitLink,
    TechnicianCheckedIn,
    VerifyAcceptance,
    VerifyCheckIn,
    WorkOrderAccepted,
    WorkOrderDispatched,
    WorkOrderEvent,
)

# The timers of one visit: each dispatch or move replaces them, the check-in ends them.
_VISIT_TIMERS = (CHECK_IN_DEADLINE, CONFIRMATION_REMINDER, ACCEPTANCE_DEADLINE)

_KINDS = {
    AppointmentBooked: ChangeKind.BOOKED,
    WorkOrderDispatched: ChangeKind.DISPATCHED,
    AppointmentRescheduled: ChangeKind.RESCHEDULED,
    AppointmentConfirmed: ChangeKind.CONFIRMED,
}


async def react(uow: UnitOfWork, event: WorkOrderEvent) -> None:
    match event:
        case AppointmentBooked():
            await _record_change(uow, event)
            await _revoke_links_to_other_numbers(uow, event)
            await _text_the_customer(uow, event)
        case AppointmentConfirmed():
            await _record_change(uow, event)
            await uow.timers.cancel_pending(CONFIRMATION_REMINDER, order_id=event.order_id)
        case WorkOrderDispatched():
            order = await uow.orders.get(event.order_id)
            await _record_change(uow, event, order)
            await uow.timers.cancel_pending(*_VISIT_TIMERS, order_id=event.order_id)
            await _schedule_check_in_deadline(uow, order)
            await _schedule_reminder(uow, order)
            if order.accepted_at is None:
                await uow.timers.schedule(
                    kind=ACCEPTANCE_DEADLINE,
                    order_id=event.order_id,
                    due_at=uow.now + uow.appointment_policy.accept_within,
                    message=VerifyAcceptance(
                        order_id=event.order_id, technician_id=event.technician.id
                    ),
                )
        case WorkOrderAccepted():
            await uow.timers.cancel_pending(ACCEPTANCE_DEADLINE, order_id=event.order_id)
        case AppointmentRescheduled():
            order = await uow.orders.get(event.order_id)
            await _record_change(uow, event, order)
            await _text_the_customer(uow, event)
            if order.status is Status.DISPATCHED:
                # The check-in deadline and the reminder follow the window.
                await uow.timers.cancel_pending(
                    CHECK_IN_DEADLINE, CONFIRMATION_REMINDER, order_id=order.order_id
                )
                await _schedule_check_in_deadline(uow, order)
                await _schedule_reminder(uow, order)
                await _tell_technician(uow, order, event)
        case TechnicianCheckedIn():
            await uow.timers.cancel_pending(*_VISIT_TIMERS, order_id=event.order_id)
            if event.punctuality is not None:
                await _record_visit(uow, await uow.orders.get(event.order_id))
        case CheckInOverdue():
            await _record_visit(uow, await uow.orders.get(event.order_id))


async def _record_change(
    uow: UnitOfWork, event: WorkOrderEvent, order: WorkOrder | None = None
) -> None:
    """The history line of an event that booked, moved or confirmed the window."""
    order = order or await uow.orders.get(event.order_id)
    booked = order.appointment
    kind = _KINDS[type(event)]
    if booked is None or order.appointment_start is None or order.appointment_end is None:
        return
    if kind is ChangeKind.DISPATCHED and booked.window_version != event.version:
        return  # the dispatch kept the booked window: nothing new to keep
    moved = event if isinstance(event, AppointmentRescheduled) else None
    await uow.appointments.record(
        AppointmentChange(
            order_id=order.order_id,
            version=event.version,
            at=event.occurred_at,
            kind=kind,
            window_start=order.appointment_start,
            window_end=order.appointment_end,
            by=_actor(event, booked.booked_by),
            contact=booked.contact,
            channel=booked.channel,
            requested_by=moved.requested_by if moved else None,
            reason=moved.reason if moved else None,
            reason_text=moved.reason_text if moved else "",
            reschedules=booked.reschedules,
            call_id=_call_id(event, booked.call_id),
            recording_ref=booked.recording_ref if kind is ChangeKind.BOOKED else None,
        )
    )


def _call_id(event: WorkOrderEvent, booked_call: str | None) -> str | None:
    """The recorded call a change was agreed in, if any."""
    match event:
        case AppointmentBooked():
            return booked_call
        case AppointmentRescheduled(call_id=call_id):
            return call_id
    return None


def _actor(event: WorkOrderEvent, booked_by: str) -> str:
    match event:
        case AppointmentRescheduled(by=by):
            return by
        case AppointmentConfirmed(technician_id=technician_id):
            return technician_id
        case WorkOrderDispatched():
            return "dispatcher"
    return booked_by


async def _text_the_customer(uow: UnitOfWork, event: WorkOrderEvent) -> None:
    """The booked contact gets the window and the visit link (sent by its own consumer: the
    link's token is sealed there)."""
    await uow.outbox.add(
        SendVisitLink(order_id=event.order_id, window_version=event.version),
        correlation_id=event.order_id,
    )


async def _schedule_reminder(uow: UnitOfWork, order: WorkOrder) -> None:
    """Remind the technician on the day unless he confirms first (one reminder per window;
    the caller cancelled the last one); a visit too close for a reminder has none (the
    dispatch notice has just told him)."""
    booked, start = order.appointment, order.appointment_start
    if booked is None or start is None or booked.confirmed_at is not None:
        return
    due = uow.appointment_policy.reminder_due(start)
    if due <= uow.now:
        return
    await uow.timers.schedule(
        kind=CONFIRMATION_REMINDER,
        order_id=order.order_id,
        due_at=due,
        message=RemindConfirmation(order_id=order.order_id, window_version=booked.window_version),
    )


async def _schedule_check_in_deadline(uow: UnitOfWork, order: WorkOrder) -> None:
    """The check-in deadline at the window's end (the caller cancelled the last one)."""
    assert order.appointment_end is not None
    await uow.timers.schedule(
        kind=CHECK_IN_DEADLINE,
        order_id=order.order_id,
        due_at=order.appointment_end,
        message=VerifyCheckIn(order_id=order.order_id),
    )


async def _tell_technician(
    uow: UnitOfWork, order: WorkOrder, event: AppointmentRescheduled
) -> None:
    """A visit the technician did not move himself: he hears of the new window by SMS."""
    if order.technician is None or event.by == order.technician.id:
        return
    window = short_window_text(event.window_start, event.window_end, uow.appointment_policy.zone)
    await queue_sms(
        uow,
        SendSms(
            sms_id=f"reschedule-notice:{order.order_id}:v{event.version}",
            to=order.technician.phone,
            body=f"【政企交付】工单 {order.order_id} 已改约，新的上门时段 {window}。",
            purpose="reschedule_notice",
            order_id=order.order_id,
        ),
    )


async def _revoke_links_to_other_numbers(uow: UnitOfWork, event: AppointmentBooked) -> None:
    """A signing link texted to another number stops working once a new contact is booked:
    the report is signed by the person the customer named."""
    kept = mask_phone(event.contact.phone)
    for channel in Channel:
        links = await uow.signing.links_for(event.order_id, channel=channel)
        stale = [
            link
            for link in links
            if link.status is LinkStatus.ACTIVE and link.to_masked not in (None, kept)
        ]
        await uow.signing.revoke([link.link_id for link in stale])
        for link in stale:
            await uow.signing.audit(
                event.order_id,
                SYSTEM.entry(AuditKind.LINK_REVOKED, uow.now, link_id=link.link_id),
            )


async def _record_visit(uow: UnitOfWork, order: WorkOrder) -> None:
    """The window that fell due and how it was kept (one fact per window, updated if a missed
    window is kept late after all)."""
    booked, technician = order.appointment, order.technician
    start, end = order.appointment_start, order.appointment_end
    if booked is None or technician is None or start is None or end is None:
        return
    if order.punctuality is None:
        return
    await uow.appointments.record_visit(
        Visit(
            order_id=order.order_id,
            window_version=booked.window_version,
            technician_id=technician.id,
            team=technician.team,
            month=uow.appointment_policy.month_of(start),
            window_start=start,
            window_end=end,
            outcome=order.punctuality,
            minutes_late=order.minutes_late if order.punctuality is Punctuality.LATE else 0,
            checked_in_at=order.check_in.at if order.check_in else None,
        )
    )
