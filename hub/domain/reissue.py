"""Reissue (重派): an on-site fix archives the order and issues a linked new one, no dispatcher.

    old order (dispatched | checked_in) ─▶ archived, reissued_as = new     WorkOrderReissued
    new order ─▶ created (reissued_from = old) ─▶ dispatched                WorkOrderCreated,
                                                                             WorkOrderDispatched

The new order keeps the customer, the address and the technician, carries the changed
resources, and gets an appointment window from now that ends no earlier than the old one's and
at least an hour from now. Its dispatch sends the technician the usual SMS notice.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from hub.domain.errors import IllegalTransition, NotAssigned
from hub.domain.work_order import Status, WorkOrder
from schemas.v1 import (
    ChangeKind,
    ResourceAssignment,
    WorkOrderCreated,
    WorkOrderDispatched,
    WorkOrderEvent,
    WorkOrderReissued,
)

REISSUABLE = frozenset({Status.DISPATCHED, Status.CHECKED_IN})
MIN_WINDOW = timedelta(hours=1)
MAX_ORDER_ID = 64
_SUFFIX = re.compile(r"\.R(\d+)$")


@dataclass(frozen=True, slots=True)
class Reissue:
    """Both orders after a reissue and the events, the old order's first."""

    old: WorkOrder
    new: WorkOrder
    events: list[WorkOrderEvent]


def reissued_id(order_id: str) -> str:
    """`WO-1` → `WO-1.R1` → `WO-1.R2`: the id of the order that replaces `order_id`."""
    match = _SUFFIX.search(order_id)
    base, number = (order_id[: match.start()], int(match[1])) if match else (order_id, 0)
    new_id = f"{base}.R{number + 1}"
    if len(new_id) > MAX_ORDER_ID:
        raise IllegalTransition(f"order {order_id} cannot be reissued: its id is too long")
    return new_id


def check_reissuable(order: WorkOrder, technician_id: str, step: str) -> None:
    """An on-site fix needs an open order dispatched to the technician asking for it."""
    if order.status not in REISSUABLE:
        raise IllegalTransition(
            f"cannot {step} on order {order.order_id}: it is {order.status}, "
            "must be dispatched or checked_in"
        )
    if order.technician is None or order.technician.id != technician_id:
        raise NotAssigned(
            f"cannot {step} on order {order.order_id}: not dispatched to technician {technician_id}"
        )


def reissue(
    order: WorkOrder,
    *,
    new_order_id: str,
    change_id: str,
    change: ChangeKind,
    technician_id: str,
    previous: ResourceAssignment,
    resources: ResourceAssignment,
    now: datetime,
) -> Reissue:
    """Archive `order` as replaced and issue `new_order_id` with `resources` to the technician."""
    check_reissuable(order, technician_id, f"reissue for a {change.value}")
    assert order.technician is not None and order.appointment_end is not None
    old = replace(
        order,
        status=Status.ARCHIVED,
        version=order.version + 1,
        archived_at=now,
        reissued_as=new_order_id,
    )
    details = order.details.model_copy(update={"order_id": new_order_id, "resources": resources})
    end = max(order.appointment_end, now + MIN_WINDOW)
    new = WorkOrder(
        order_id=new_order_id,
        status=Status.DISPATCHED,
        version=2,
        details=details,
        technician=order.technician,
        appointment_start=now,
        appointment_end=end,
        reissued_from=order.order_id,
    )
    events: list[WorkOrderEvent] = [
        WorkOrderReissued(
            order_id=order.order_id,
            version=old.version,
            occurred_at=now,
            reissued_as=new_order_id,
            change_id=change_id,
            change=change,
            technician_id=technician_id,
            previous=previous,
            resources=resources,
        ),
        WorkOrderCreated(
            order_id=new_order_id,
            version=1,
            occurred_at=now,
            order=details,
            reissued_from=order.order_id,
        ),
        WorkOrderDispatched(
            order_id=new_order_id,
            version=2,
            occurred_at=now,
            technician=order.technician,
            appointment_start=now,
            appointment_end=end,
        ),
    ]
    return Reissue(old=old, new=new, events=events)
