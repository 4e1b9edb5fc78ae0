"""Queue an SMS within the daily limits, or say why not (see `hub.domain.notifications`).

Every SMS the hub sends goes through `queue_sms`. Over a limit, a request a person is waiting
on fails (`strict`: `SmsLimitReached`, HTTP 429) and the order's flow log records it
(`record_withheld`, in its own transaction, since the request's rolls back); an SMS the hub
sends by itself (a notice, a reminder) is held back and the flow log says so in the same
transaction.
"""

from __future__ import annotations

from hub.domain import notifications
from hub.domain.notifications import Limit, SmsLimitReached
from hub.handlers.events import log_and_publish
from hub.ports import UnitOfWork, UnitOfWorkFactory
from schemas.v1 import SendSms


async def queue_sms(uow: UnitOfWork, sms: SendSms, *, strict: bool = False) -> bool:
    """Publish `sms` (True) unless a daily limit is reached (False, or raise if `strict`)."""
    refused = await uow.sms_quota.take(order_id=sms.order_id, phone=sms.to)
    if refused is None:
        await uow.outbox.add(sms, correlation_id=sms.order_id)
        return True
    if strict:
        raise SmsLimitReached(refused, purpose=sms.purpose, order_id=sms.order_id, to=sms.to)
    await note_withheld(uow, order_id=sms.order_id, purpose=sms.purpose, limit=refused, to=sms.to)
    return False


async def note_withheld(
    uow: UnitOfWork, *, order_id: str | None, purpose: str, limit: Limit, to: str
) -> None:
    """The order's flow-log line for an SMS that was not sent (nothing if it has no order)."""
    order = await uow.orders.find(order_id) if order_id else None
    if order is None:
        return
    new, events = notifications.withheld(order, purpose=purpose, limit=limit, to=to, now=uow.now)
    await uow.orders.save(new, expected_version=order.version, now=uow.now)
    for event in events:
        await log_and_publish(uow, event)


async def record_withheld(uow: UnitOfWorkFactory, refused: SmsLimitReached) -> None:
    """After a strict refusal rolled its request back: the flow-log line, on its own."""
    async with uow() as unit:
        await note_withheld(
            unit,
            order_id=refused.order_id,
            purpose=refused.purpose,
            limit=refused.limit,
            to=refused.to,
        )
        await unit.commit()
