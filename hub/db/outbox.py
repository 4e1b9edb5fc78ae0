"""The outbox: messages written in the same transaction as the state change that caused them."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel
from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncConnection

from hub.db.tables import outbox
from hub.db.unwritten import UnwrittenRows
from schemas.v1.routing import ROUTES, message_type

_INSERT = insert(outbox)


class OutboxWriter:
    """Collects a transaction's outgoing messages and writes them in one statement at `flush()`.

    The unit of work flushes before it commits; the relay publishes them after the commit.
    """

    def __init__(self, conn: AsyncConnection, *, exchange: str, now: datetime) -> None:
        self._conn = conn
        self._exchange = exchange
        self._now = now
        self._pending = UnwrittenRows(conn, _INSERT)
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
        self._pending.add(
            {
                "id": row_id,
                "exchange": self._exchange,
                "routing_key": ROUTES[type(message)],
                "message_type": message_type(type(message)),
                "body": message.model_dump_json(),
                "headers": {},
                "correlation_id": correlation_id,
                "created_at": self._now,
                "available_at": self._now,
                "attempts": 0,
            }
        )
        self.added += 1
        return row_id

    async def flush(self) -> None:
        """Write the collected messages (called by the unit of work before commit)."""
        await self._pending.flush()
