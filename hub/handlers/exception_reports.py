"""Handlers of exception reports (异常上报): `(command, uow)`, run through the message processor.

The SMS to the responsible person and the notice back to the technician are reactions to the
events (`on_site_reactions`), written in the same transaction.
"""

from __future__ import annotations

from hub.domain import exception_report
from hub.errors import IllegalTransition
from hub.handlers.reactions import record_events
from hub.ports import UnitOfWork
from schemas.v1 import ReportException, ResolveException


async def report_exception(cmd: ReportException, uow: UnitOfWork) -> None:
    """Open a report; the same report sent again is accepted without effect."""
    existing = await uow.exceptions.find(cmd.report_id)
    if existing is not None:
        if exception_report.same_report(existing, cmd):
            return
        raise IllegalTransition(f"report id {cmd.report_id} was already used for another report")
    order = await uow.orders.get(cmd.order_id)
    report, noted, events = exception_report.report(order, cmd, now=uow.now)
    await uow.exceptions.add(report)
    await uow.orders.save(noted, expected_version=order.version, now=uow.now)
    await record_events(uow, events)


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
