"""What report events cause, in the same transaction (called by `reactions.record_events`).

PingResultRecorded / SpeedTestRecorded ─▶ RenderReport, debounced: a timer due in a few
    seconds, moved by every new result, so a burst of results makes one render, not one each
SignedReportAccepted ─▶ AttachSignedReport + one SendReportEmail per known address
WorkOrderArchived with a signed report ─▶ StartBilling (once per order)
"""

from __future__ import annotations

import hashlib
from datetime import timedelta
from typing import Literal

from hub.handlers.timer_kinds import REPORT_RENDER
from hub.messaging.ids import stable_id
from hub.ports import UnitOfWork
from schemas.v1 import (
    AttachSignedReport,
    PingResultRecorded,
    RenderReport,
    SendReportEmail,
    SignedReportAccepted,
    SpeedTestRecorded,
    StartBilling,
    WorkOrderArchived,
    WorkOrderEvent,
)

RENDER_DEBOUNCE = timedelta(seconds=3)
"""How long after the last test result the next report version is rendered (a person who
needs it sooner, the technician sending it for signing, renders it on the spot)."""


async def react(uow: UnitOfWork, event: WorkOrderEvent) -> None:
    oid = event.order_id
    match event:
        case PingResultRecorded() | SpeedTestRecorded():
            await uow.timers.cancel_pending(REPORT_RENDER, order_id=oid)
            await uow.timers.schedule(
                kind=REPORT_RENDER,
                order_id=oid,
                due_at=uow.now + RENDER_DEBOUNCE,
                message=RenderReport(order_id=oid),
            )
        case SignedReportAccepted():
            await _close_out(uow, event)
        case WorkOrderArchived():
            order = await uow.orders.get(oid)
            if order.signed_report is not None:
                await uow.outbox.add(
                    StartBilling(order_id=oid),
                    correlation_id=oid,
                    message_id=stable_id("start-billing", oid),
                )


async def _close_out(uow: UnitOfWork, event: SignedReportAccepted) -> None:
    oid = event.order_id
    await uow.outbox.add(
        AttachSignedReport(
            order_id=oid, report_version=event.report_version, sha256_signed=event.sha256_signed
        ),
        correlation_id=oid,
        message_id=stable_id("attach-report", oid, event.report_version),
    )
    order = await uow.orders.get(oid)
    recipients: dict[Literal["customer", "account_manager"], str | None] = {
        "customer": order.details.contact.email,
        "account_manager": order.details.account_manager.email,
    }
    sent_to: set[str] = set()
    for role, address in recipients.items():
        if not address or address.lower() in sent_to:
            continue
        sent_to.add(address.lower())
        await uow.outbox.add(
            SendReportEmail(
                email_id=report_email_id(oid, event.report_version, address),
                order_id=oid,
                report_version=event.report_version,
                sha256_signed=event.sha256_signed,
                to=address,
                recipient_role=role,
            ),
            correlation_id=oid,
        )


def report_email_id(order_id: str, report_version: int, address: str) -> str:
    """One e-mail per (order, report version, recipient), ever."""
    who = hashlib.sha256(address.strip().lower().encode()).hexdigest()[:16]
    return f"report-email:{order_id}:v{report_version}:{who}"
