"""In-transaction reactions to the on-site events (called from `reactions.record_events`)."""

from __future__ import annotations

from hub.handlers.notifications import queue_sms
from hub.handlers.timer_kinds import CHECK_IN_DEADLINE
from hub.ports import UnitOfWork
from schemas.v1 import (
    ExceptionReported,
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
            await uow.timers.cancel_pending(kind=CHECK_IN_DEADLINE, order_id=event.order_id)
        case ExceptionReported():
            await queue_sms(uow, exception_notice(event))
        case ExceptionResolved():
            report = await uow.exceptions.get(event.report_id)
            notice = resolution_notice(event, to=report.technician_phone)
            await queue_sms(uow, notice)


def exception_notice(event: ExceptionReported) -> SendSms:
    """The SMS that tells the responsible person about a problem on site, at once."""
    return SendSms(
        sms_id=f"exception-report:{event.report_id}",
        to=event.responsible.phone,
        body=(
            f"【政企交付】工单 {event.order_id} 现场异常（{event.type.value}）："
            f"{event.description[:300]}。装维人员 {event.technician_id}，"
            f"异常编号 {event.report_id}，请尽快处理。"
        ),
        purpose="exception_report",
        order_id=event.order_id,
    )


def resolution_notice(event: ExceptionResolved, *, to: str) -> SendSms:
    """The SMS that tells the technician his exception was resolved."""
    return SendSms(
        sms_id=f"exception-resolved:{event.report_id}",
        to=to,
        body=(
            f"【政企交付】工单 {event.order_id} 的异常 {event.report_id} 已处理："
            f"{event.resolution[:300]}（{event.resolved_by}）。"
        ),
        purpose="exception_resolved",
        order_id=event.order_id,
    )
