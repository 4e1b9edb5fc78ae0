"""Close-out of a work order, pure: the customer's signed report, then the start of billing.

    checked_in ── signed report (latest version) ──▶ completed   (SignedReportAccepted,
                                                                   WorkOrderCompleted)
    completed  ── signed report (latest version) ──▶ completed   (SignedReportAccepted only:
                                                                   the technician completed first)
    archived + signed report ── billing started ──▶ archived     (BillingStarted, once)

Like `hub.domain.work_order.decide`, every function returns the new order and its events (each
event bumps the version by one) and raises a `DomainError` for an illegal step.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from hub.domain.errors import IllegalTransition, StaleReport
from hub.domain.work_order import SignedReportRecord, Status, WorkOrder
from schemas.v1 import (
    BillingStarted,
    ReportSigned,
    SignedReportAccepted,
    WorkOrderCompleted,
    WorkOrderEvent,
)

Step = tuple[WorkOrder, list[WorkOrderEvent]]

SIGNED_COMPLETION_NOTE = "客户已签字确认交付报告"


def accept_signed_report(
    order: WorkOrder, signed: ReportSigned, *, now: datetime, latest_version: int | None
) -> Step:
    """Hold the customer's signed report; an order still on site is completed by it.

    The same signature accepted twice changes nothing; a second, different one is refused.
    """
    held = order.signed_report
    if held is not None:
        if (held.version, held.sha256) == (signed.version, signed.sha256_signed):
            return order, []
        raise IllegalTransition(
            f"order {order.order_id} already holds signed report v{held.version}"
        )
    if order.status not in (Status.CHECKED_IN, Status.COMPLETED) or order.technician is None:
        raise IllegalTransition(
            f"cannot accept a signed report for order {order.order_id}: it is {order.status}, "
            "must be checked_in or completed"
        )
    if latest_version is None or signed.version != latest_version:
        raise StaleReport(
            f"order {order.order_id}: report v{signed.version} was signed but the latest is "
            f"v{latest_version}; only the latest version can be signed"
        )
    record = SignedReportRecord(
        version=signed.version, sha256=signed.sha256_signed, channel=signed.channel, at=now
    )
    new = replace(order, version=order.version + 1, signed_report=record)
    events: list[WorkOrderEvent] = [
        SignedReportAccepted(
            order_id=order.order_id,
            version=new.version,
            occurred_at=now,
            report_version=signed.version,
            sha256_signed=signed.sha256_signed,
            channel=signed.channel,
        )
    ]
    if order.status is Status.CHECKED_IN:
        new = replace(new, status=Status.COMPLETED, version=new.version + 1, completed_at=now)
        events.append(
            WorkOrderCompleted(
                order_id=order.order_id,
                version=new.version,
                occurred_at=now,
                technician_id=order.technician.id,
                note=SIGNED_COMPLETION_NOTE,
            )
        )
    return new, events


def billing_refusal(order: WorkOrder) -> str | None:
    """Why billing may not start for this order (None: it may, once its file verifies)."""
    if order.status is not Status.ARCHIVED:
        return f"order {order.order_id} is {order.status}, not archived"
    if order.signed_report is None:
        return f"order {order.order_id} has no signed delivery report"
    return None


def record_billing_started(order: WorkOrder, reference: str, *, now: datetime) -> Step:
    """Note the billing reference on the archived order (起租); a repeat changes nothing."""
    if order.billing_reference is not None:
        if order.billing_reference == reference:
            return order, []
        raise IllegalTransition(
            f"order {order.order_id} already bills under {order.billing_reference}"
        )
    refusal = billing_refusal(order)
    if refusal is not None:
        raise IllegalTransition(f"cannot start billing: {refusal}")
    new = replace(order, version=order.version + 1, billing_reference=reference)
    event = BillingStarted(
        order_id=order.order_id, version=new.version, occurred_at=now, reference=reference
    )
    return new, [event]
