"""Handlers of the appointment commands: book, accept, confirm, reschedule, and the two timers."""

from __future__ import annotations

from hub.domain import booking
from hub.domain.appointment_log import short_window_text
from hub.domain.work_order import Status
from hub.handlers.notifications import queue_sms
from hub.handlers.reactions import record_events
from hub.ports import UnitOfWork
from schemas.v1 import RemindConfirmation, SendSms


async def apply_appointment(cmd: booking.Command, uow: UnitOfWork) -> None:
    """Book, accept, confirm or reschedule an order's visit, or check it was accepted in time."""
    order = await uow.orders.get(cmd.order_id)
    new, events = booking.decide(order, cmd, now=uow.now, policy=uow.appointment_policy)
    if new.version != order.version:
        await uow.orders.save(new, expected_version=order.version, now=uow.now)
    await record_events(uow, events)


async def remind_confirmation(cmd: RemindConfirmation, uow: UnitOfWork) -> None:
    """Text the technician to confirm today's visit, if that window is still unconfirmed."""
    order = await uow.orders.find(cmd.order_id)
    if order is None or order.status is not Status.DISPATCHED or order.technician is None:
        return
    booked = order.appointment
    if booked is None or booked.window_version != cmd.window_version or booked.confirmed_at:
        return
    assert order.appointment_start is not None and order.appointment_end is not None
    window = short_window_text(
        order.appointment_start, order.appointment_end, uow.appointment_policy.zone
    )
    await queue_sms(
        uow,
        SendSms(
            sms_id=f"confirm-reminder:{order.order_id}:v{cmd.window_version}",
            to=order.technician.phone,
            body=(
                f"【政企交付】工单 {order.order_id} 今日上门 {window} 尚未二次预约，"
                "请联系客户确认后在 i运维 App 点击“确认预约”。"
            ),
            purpose="confirmation_reminder",
            order_id=order.order_id,
        ),
    )
