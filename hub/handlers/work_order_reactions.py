"""In-transaction reactions to the work-order lifecycle events: the dispatch SMS (called from
`reactions.record_events`; the visit's timers are `appointment_reactions`')."""

from __future__ import annotations

from datetime import tzinfo

from hub.domain.appointment_log import short_window_text
from hub.handlers.notifications import queue_sms
from hub.ports import UnitOfWork
from schemas.v1 import (
    SendSms,
    WorkOrderDispatched,
    WorkOrderEvent,
)


async def react(uow: UnitOfWork, event: WorkOrderEvent) -> None:
    match event:
        case WorkOrderDispatched():
            await queue_sms(uow, dispatch_notice(event, zone=uow.appointment_policy.zone))


def dispatch_notice(event: WorkOrderDispatched, *, zone: tzinfo) -> SendSms:
    """The SMS that tells a technician about a new order (one per order version), with the
    window in the zone he works in."""
    window = short_window_text(event.appointment_start, event.appointment_end, zone)
    return SendSms(
        sms_id=f"dispatch-notice:{event.order_id}:v{event.version}",
        to=event.technician.phone,
        body=(
            f"【政企交付】新工单 {event.order_id} 已派给您，"
            f"预约 {window}，请在 i运维 App 接单并查看详情。"
        ),
        purpose="dispatch_notice",
        order_id=event.order_id,
    )
