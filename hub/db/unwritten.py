"""Rows a transaction keeps for one INSERT at its next flush (the unit of work flushes before it
commits): the outbox, new timers, flow-log lines and appointment changes of a whole group of
deliveries each go in one statement."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy import Insert
from sqlalchemy.ext.asyncio import AsyncConnection


class UnwrittenRows:
    """Rows for `insert`, written together by `flush()` (an executemany of one built
    statement)."""

    def __init__(self, conn: AsyncConnection, insert: Insert) -> None:
        self._conn = conn
        self._insert = insert
        self._rows: list[dict[str, Any]] = []

    def add(self, row: dict[str, Any]) -> None:
        self._rows.append(row)

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return iter(self._rows)

    async def flush(self) -> None:
        if self._rows:
            rows, self._rows = self._rows, []
            await self._conn.execute(self._insert, rows)
