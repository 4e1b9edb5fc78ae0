"""The inbox: one row per (consumer, message id), so a redelivered message has no second effect."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import TextClause, bindparam, text
from sqlalchemy.ext.asyncio import AsyncConnection

from hub.db.tables import inbox


class Inbox:
    """Claims message ids inside the handler's transaction."""

    def __init__(self, conn: AsyncConnection, *, now: datetime) -> None:
        self._conn = conn
        self._now = now

    async def claim(self, consumer: str, message_id: str) -> bool:
        """True if this is the first time `consumer` sees `message_id`.

        Done first in the transaction: on PostgreSQL a concurrent duplicate waits on the unique
        index until the first commits, so the handler body runs at most once per key.
        """
        [claimed] = await self.claim_many([(consumer, message_id)])
        return claimed

    async def claim_many(self, keys: Sequence[tuple[str, str]]) -> list[bool]:
        """`claim` for each (consumer, message id) in one statement, in the order given; a key
        given twice is claimed by its first place only.

        The rows go in sorted, so two transactions claiming overlapping keys take the index
        entries in the same order and never wait on each other in a cycle.
        """
        unique = sorted(set(keys))
        if not unique:
            return []
        params: dict[str, object] = {"at": self._now}
        for i, (consumer, message_id) in enumerate(unique):
            params[f"c{i}"], params[f"m{i}"] = consumer, message_id
        rows = await self._conn.execute(_claim_statement(len(unique)), params)
        claimed = {(consumer, message_id) for consumer, message_id in rows}
        results = []
        for key in keys:
            results.append(key in claimed)
            claimed.discard(key)
        return results


_CLAIMS: dict[int, TextClause] = {}


def _claim_statement(rows: int) -> TextClause:
    """INSERT … ON CONFLICT DO NOTHING RETURNING for `rows` keys, written as text once per
    size: SQLAlchemy never caches a multi-row VALUES statement. The same SQL runs on SQLite and
    PostgreSQL."""
    stmt = _CLAIMS.get(rows)
    if stmt is None:
        t, c = inbox.name, inbox.c
        values = ", ".join(f"(:c{i}, :m{i}, :at)" for i in range(rows))
        stmt = _CLAIMS[rows] = text(
            f"INSERT INTO {t} ({c.consumer.name}, {c.message_id.name}, {c.received_at.name}) "
            f"VALUES {values} ON CONFLICT ({c.consumer.name}, {c.message_id.name}) DO NOTHING "
            f"RETURNING {c.consumer.name}, {c.message_id.name}"
        ).bindparams(bindparam("at", type_=c.received_at.type))
    return stmt
