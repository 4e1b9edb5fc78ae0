"""In-transaction reactions to the on-site events (called from `reactions.record_events`).

The responsible person's SMS of a new exception is sent by its handler (it needs the directory).
"""

from __future__ import annotations

from hub.handlers.notifications import queue_sms
from hub.handlers.timer_kinds import CHECK_IN_DEADLINE
from hub.ports import UnitOfWork
from schemas.v1 import (
    ExceptionResolved,
    SendSms,
    WorkOrderEvent,
    WorkOrderReissued,
    WorkOrderReturned,
)


async def react(uow: UnitOfWork, event: WorkOrderEvent) -> None:
    match event:
        case WorkOrderReissued() | WorkOrderReturned():
            # The old visit is over: its check-in deadline must not flag anyone.
            await uow.timers.cancel_pending(CHECK_IN_DEADLINE, order_id=event.order_id)
        case ExceptionResolved():
            report = await uow.exceptions.get(event.report_id)
            notice = resolution_notice(event, to=report.technician_phone)
            await queue_sms(uow, notice)


def resolution_notice(event: ExceptionResolved, *, to: str) -> SendSms:
    """The SMS that tells the technician their exception was resolved (fixed text: the
    resolution itself is read in the app)."""
    return SendSms(
        sms_id=f"exception-resolved:{event.report_id}",
        to=to,
        body=(
            f"【政企交付】工单 {event.order_id} 的异常 {event.report_id} 已处理，"
            "处理说明请在 i运维 App 查看。"
        ),
        purpose="exception_resolved",
        order_id=event.order_id,
    )
