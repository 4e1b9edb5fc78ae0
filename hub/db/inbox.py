"""The inbox: one row per (consumer, message id), so a redelivered message has no second effect."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncConnection

from hub.db.engine import Database
from hub.db.tables import inbox


class Inbox:
    """Claims message ids inside the handler's transaction."""

    def __init__(self, conn: AsyncConnection, db: Database, *, now: datetime) -> None:
        self._conn = conn
        self._db = db
        self._now = now

    async def claim(self, consumer: str, message_id: str) -> bool:
        """True if this is the first time `consumer` sees `message_id`.

        Done first in the transaction: on PostgreSQL a concurrent duplicate waits on the unique
        index until the first commits, so the handler body runs at most once per key.
        """
        result = await self._conn.execute(
            self._db.insert_ignoring_conflicts(inbox),
            {"consumer": consumer, "message_id": message_id, "received_at": self._now},
        )
        return result.rowcount == 1
