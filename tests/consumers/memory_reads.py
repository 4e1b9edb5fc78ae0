"""What the in-memory-broker tests read back: outbox rows, parked messages, orders.

Nothing here relays the outbox on its own (the memory hub runs no relay): `forward` hands one
queued message to its consumers the way the relay would, so a test chooses each next step.
"""

from __future__ import annotations

import json
from typing import Any

from faststream.rabbit import RabbitMessage
from sqlalchemy import select

from hub.bootstrap import Hub
from hub.db.tables import outbox
from hub.domain.work_order import WorkOrder


async def outbox_types(hub: Hub, order_id: str | None = None) -> list[str]:
    """The message types queued in the outbox, oldest first (optionally for one order)."""
    query = select(outbox.c.message_type).order_by(outbox.c.created_at)
    if order_id is not None:
        query = query.where(outbox.c.correlation_id == order_id)
    async with hub.db.read() as conn:
        return [r.message_type for r in await conn.execute(query)]


async def outbox_bodies(hub: Hub, message_type: str) -> list[dict[str, Any]]:
    """The decoded bodies of the outbox messages of one type (e.g. `SendSms.v1`), oldest first."""
    query = (
        select(outbox.c.body)
        .where(outbox.c.message_type == message_type)
        .order_by(outbox.c.created_at)
    )
    async with hub.db.read() as conn:
        return [json.loads(r.body) for r in await conn.execute(query)]


async def forward(hub: Hub, message_type: str) -> int:
    """Publish the outbox messages of one type to their consumers as the relay would (same
    exchange, routing key and message id); how many were forwarded."""
    query = select(outbox).where(outbox.c.message_type == message_type)
    async with hub.db.read() as conn:
        rows = list(await conn.execute(query.order_by(outbox.c.created_at)))
    for row in rows:
        await hub.broker.publish(
            row.body.encode(),
            exchange=hub.topology.bus,
            routing_key=row.routing_key,
            message_id=row.id,
            correlation_id=row.correlation_id,
            content_type="application/json",
            message_type=row.message_type,
        )
    return len(rows)


def parked(hub: Hub) -> list[RabbitMessage]:
    """Every message parked so far (the memory hub's collector)."""
    return hub.parked  # type: ignore[attr-defined,no-any-return]


async def order_of(hub: Hub, order_id: str) -> WorkOrder:
    async with hub.uow.read() as uow:
        return await uow.orders.get(order_id)
