"""What the hub does, in the same transaction, when a work-order event happens.

Every event writes its flow-log line and is published through the outbox; then each flow's
reactions run (an SMS, a timer, a follow-up command). A new flow adds its module to `REACTIONS`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence

from hub.handlers import (
    appointment_reactions,
    on_site_reactions,
    report_reactions,
    work_order_reactions,
)
from hub.handlers.events import log_and_publish
from hub.ports import UnitOfWork
from schemas.v1 import WorkOrderEvent

Reaction = Callable[[UnitOfWork, WorkOrderEvent], Awaitable[None]]

# The work-order reactions (the dispatch SMS) run last: queueing an SMS takes the hub's daily
# SMS count, a row every SMS-queueing transaction updates and holds locked until it commits
# (on PostgreSQL), so the less work after it, the less the dispatches wait on each other.
REACTIONS: tuple[Reaction, ...] = (
    appointment_reactions.react,
    on_site_reactions.react,
    report_reactions.react,
    work_order_reactions.react,
)


async def record_events(uow: UnitOfWork, events: Sequence[WorkOrderEvent]) -> None:
    """Flow-log line + outbox message per event, then every flow's reactions to it."""
    for event in events:
        await log_and_publish(uow, event)
        for react in REACTIONS:
            await react(uow, event)
