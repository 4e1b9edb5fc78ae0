"""Handlers of exception reports (异常上报): `(command, uow)`, run through the message processor.

The responsible person comes from the hub's directory (by exception type and the order's
district), never from the request; the SMS they get is fixed text with a link to the report.
The technician's notice of the resolution is a reaction (`on_site_reactions`).
"""

from __future__ import annotations

from hub.domain import exception_report
from hub.domain.exception_directory import district_of, pick
from hub.errors import IllegalTransition
from hub.handlers.notifications import queue_sms
from hub.handlers.reactions import record_events
from hub.ports import UnitOfWork
from schemas.v1 import ExceptionType, ReportException, ResolveException, SendSms

TYPE_TEXT = {
    ExceptionType.FIBER_FAULT: "光纤故障",
    ExceptionType.BOX_FAULT: "光箱故障",
    ExceptionType.NO_RESOURCE: "无资源",
    ExceptionType.CUSTOMER_ABSENT: "客户不在现场",
    ExceptionType.ACCESS_DENIED: "无法进入机房",
    ExceptionType.POWER_OUTAGE: "停电",
    ExceptionType.EQUIPMENT_FAULT: "设备故障",
    ExceptionType.OTHER: "其他",
}


async def report_exception(cmd: ReportException, uow: UnitOfWork, *, public_url: str) -> None:
    """Open a report and text the responsible person; the same report again changes nothing."""
    existing = await uow.exceptions.find(cmd.report_id)
    if existing is not None:
        if exception_report.same_report(existing, cmd):
            return
        raise IllegalTransition(f"report id {cmd.report_id} was already used for another report")
    order = await uow.orders.get(cmd.order_id)
    district = district_of(order.details.install_address.text)
    entry = pick(await uow.directory.entries(), cmd.type, district)
    if entry is None:
        raise IllegalTransition(
            f"no one is responsible for {cmd.type.value} exceptions in {district}: "
            "a supervisor must add them to the exception directory"
        )
    report, noted, events = exception_report.report(
        order, cmd, responsible=entry.responsible, now=uow.now
    )
    await uow.exceptions.add(report)
    await uow.orders.save(noted, expected_version=order.version, now=uow.now)
    await record_events(uow, events)
    await queue_sms(uow, exception_notice(cmd, to=entry.responsible.phone, public_url=public_url))


async def resolve_exception(cmd: ResolveException, uow: UnitOfWork) -> None:
    """Close a report; the same resolution sent again is accepted without effect."""
    existing = await uow.exceptions.get(cmd.report_id)
    if exception_report.already_resolved_as(existing, cmd):
        return
    order = await uow.orders.get(existing.order_id)
    resolved, noted, events = exception_report.resolve(existing, order, cmd, now=uow.now)
    await uow.exceptions.save_resolution(resolved)
    await uow.orders.save(noted, expected_version=order.version, now=uow.now)
    await record_events(uow, events)


def exception_notice(cmd: ReportException, *, to: str, public_url: str) -> SendSms:
    """Fixed text to the responsible person: what, which order, where to read the report.

    Nothing the technician typed goes into it (the description is on the report page).
    """
    return SendSms(
        sms_id=f"exception-report:{cmd.report_id}",
        to=to,
        body=(
            f"【政企交付】工单 {cmd.order_id} 现场异常（{TYPE_TEXT[cmd.type]}），"
            f"异常编号 {cmd.report_id}，请尽快处理：{public_url}/exceptions/{cmd.report_id}"
        ),
        purpose="exception_report",
        order_id=cmd.order_id,
    )
