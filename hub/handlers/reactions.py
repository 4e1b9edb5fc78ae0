"""What the hub does, in the same transaction, when a work-order event happens.

Every event writes its flow-log line and is published through the outbox. Some events also
cause follow-up work (an SMS, a timer). New flows add their reactions here, not in the domain.
"""

from __future__ import annotations

from collections.abc import Sequence

from hub.db.uow import UnitOfWork
from hub.handlers import delivery_reactions, on_site_reactions
from schemas.v1 import (
    SendSms,
    TechnicianCheckedIn,
    VerifyCheckIn,
    WorkOrderDispatched,
    WorkOrderEvent,
)

CHECK_IN_DEADLINE = "check_in_deadline"


async def record_events(uow: UnitOfWork, events: Sequence[WorkOrderEvent]) -> None:
    for event in events:
        entry = await uow.flow_log.append(event)
        await uow.outbox.add(event, correlation_id=event.order_id)
        await uow.outbox.add(entry, correlation_id=event.order_id)
        await _react(uow, event)
        await delivery_reactions.react(uow, event)
        await on_site_reactions.react(uow, event)


async def _react(uow: UnitOfWork, event: WorkOrderEvent) -> None:
    match event:
        case WorkOrderDispatched():
            await uow.outbox.add(dispatch_notice(event), correlation_id=event.order_id)
            await uow.timers.cancel_pending(kind=CHECK_IN_DEADLINE, order_id=event.order_id)
            await uow.timers.schedule(
                kind=CHECK_IN_DEADLINE,
                order_id=event.order_id,
                due_at=event.appointment_end,
                message=VerifyCheckIn(order_id=event.order_id),
            )
        case TechnicianCheckedIn():
            await uow.timers.cancel_pending(kind=CHECK_IN_DEADLINE, order_id=event.order_id)


def dispatch_notice(event: WorkOrderDispatched) -> SendSms:
    """The SMS that tells a technician about a new order (one per order version)."""
    start, end = event.appointment_start, event.appointment_end
    return SendSms(
        sms_id=f"dispatch-notice:{event.order_id}:v{event.version}",
        to=event.technician.phone,
        body=(
            f"【政企交付】新工单 {event.order_id} 已派给您，"
            f"预约 {start:%m-%d %H:%M}–{end:%H:%M}，请在 i运维 App 查看详情。"
        ),
        purpose="dispatch_notice",
        order_id=event.order_id,
    )
