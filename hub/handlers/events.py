"""Write one work-order event: its flow-log line, and both on the outbox (one transaction)."""

from __future__ import annotations

from hub.ports import UnitOfWork
from schemas.v1 import WorkOrderEvent


async def log_and_publish(uow: UnitOfWork, event: WorkOrderEvent) -> None:
    """The event's flow-log line (流水) and the event itself, published after commit."""
    entry = await uow.flow_log.append(event)
    await uow.outbox.add(event, correlation_id=event.order_id)
    await uow.outbox.add(entry, correlation_id=event.order_id)
