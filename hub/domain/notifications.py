"""SMS the hub sends, pure: the daily limits, and the flow-log line of an SMS held back.

Every SMS counts against three limits for its day (in the configured time zone): per order, per
phone number, and for the whole hub. One over any of them is not sent; the order's flow log says
so (`SmsWithheld`), and a person asking over HTTP gets 429 — never a silent drop.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Literal

from hub.domain.errors import DomainError
from hub.domain.pii import mask_phone
from hub.domain.work_order import WorkOrder
from schemas.v1 import FlowStep, SmsWithheld, WorkOrderEvent

Limit = Literal["order", "phone", "day"]

# Provider delivery statuses in the order they can only move forward (monotonic).
DELIVERY_RANK: dict[str, int] = {
    "accepted": 1,
    "queued": 2,
    "sending": 3,
    "sent": 4,
    "failed": 5,
    "undelivered": 5,
    "delivered": 6,
}


@dataclass(frozen=True, slots=True)
class SmsLimits:
    """How many SMS a day: per order, per phone number, for the whole hub."""

    per_order: int = 30
    per_phone: int = 20
    per_day: int = 20_000


class SmsLimitReached(DomainError):
    """An SMS was not sent: `limit` for today is reached (HTTP 429)."""

    def __init__(self, limit: Limit, *, purpose: str, order_id: str | None, to: str) -> None:
        names = {"order": "this order", "phone": "this phone number", "day": "the hub"}
        super().__init__(f"too many SMS today for {names[limit]}; try again tomorrow")
        self.limit: Limit = limit
        self.purpose = purpose
        self.order_id = order_id
        self.to = to


def withheld(
    order: WorkOrder, *, purpose: str, limit: Limit, to: str | None, now: datetime
) -> tuple[WorkOrder, list[WorkOrderEvent]]:
    """The order with the flow-log line of an SMS held back (it bumps the version)."""
    new = replace(order, version=order.version + 1)
    event = SmsWithheld(
        order_id=order.order_id,
        version=new.version,
        occurred_at=now,
        purpose=purpose[:64],
        limit=limit,
        to=mask_phone(to) if to else None,
    )
    return new, [event]


_LIMIT_TEXT = {"order": "本工单当日", "phone": "该号码当日", "day": "全平台当日"}


def describe_withheld(
    event: WorkOrderEvent,
) -> tuple[FlowStep, str, str, dict[str, object]] | None:
    """The flow-log line of a held-back SMS; None for any other event."""
    if not isinstance(event, SmsWithheld):
        return None
    return (
        FlowStep.SMS_WITHHELD,
        "hub",
        f"短信未发送：{_LIMIT_TEXT[event.limit]}短信已达上限（{event.purpose}）",
        {"purpose": event.purpose, "limit": event.limit, "to": event.to},
    )
