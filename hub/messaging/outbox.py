"""The outbox: messages written in the same transaction as the state change that caused them."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel
from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncConnection

from hub.db.tables import outbox
from hub.messaging.topology import Topology, message_type


class OutboxWriter:
    """Adds messages to the outbox; the relay publishes them after commit."""

    def __init__(self, conn: AsyncConnection, topology: Topology, *, now: datetime) -> None:
        self._conn = conn
        self._topology = topology
        self._now = now
        self.added = 0

    async def add(
        self,
        message: BaseModel,
        *,
        correlation_id: str | None = None,
        message_id: str | None = None,
    ) -> str:
        """Queue `message` for publishing; its outbox id becomes the AMQP `message_id`."""
        row_id = message_id or uuid.uuid4().hex
        await self._conn.execute(
            insert(outbox).values(
                id=row_id,
                exchange=self._topology.bus.name,
                routing_key=self._topology.route(type(message)),
                message_type=message_type(type(message)),
                body=message.model_dump_json(),
                headers={},
                correlation_id=correlation_id,
                created_at=self._now,
                available_at=self._now,
                attempts=0,
            )
        )
        self.added += 1
        return row_id
