"""What every embedded stand-in (support, inventory, billing) shares: injected faults and the
ledger of change calls, one row per call, so tests and chaos oracles can see repeats."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import ClassVar

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncConnection

from hub.db.engine import Database
from hub.db.tables import standin_ledger
from hub.errors import TransientAdapterError


class EmbeddedStandin:
    """A stand-in over the hub's database; set `unavailable`, `fail_next`, `delay_ms` to fail."""

    system: ClassVar[str]  # its name in the ledger
    label: ClassVar[str]  # its name in injected errors

    def __init__(self, db: Database) -> None:
        self._db = db
        self.unavailable = False
        self.fail_next = 0
        self.delay_ms = 0

    async def calls(self, operation: str | None = None) -> list[tuple[str, str]]:
        """The recorded calls as (operation, key), oldest first; optionally one operation only."""
        query = select(standin_ledger.c.operation, standin_ledger.c.idempotency_key).where(
            standin_ledger.c.system == self.system
        )
        if operation is not None:
            query = query.where(standin_ledger.c.operation == operation)
        async with self._db.read() as conn:
            rows = await conn.execute(query.order_by(standin_ledger.c.id))
            return [(row.operation, row.idempotency_key) for row in rows]

    async def _maybe_fail(self) -> None:
        if self.delay_ms > 0:
            # A slow system is slow whether or not it then fails.
            await asyncio.sleep(self.delay_ms / 1000)
        if self.unavailable:
            raise TransientAdapterError(f"{self.label} unavailable (injected)")
        if self.fail_next > 0:
            self.fail_next -= 1
            raise TransientAdapterError(f"{self.label} failed (injected)")

    async def _record(self, conn: AsyncConnection, operation: str, key: str) -> None:
        await conn.execute(
            insert(standin_ledger).values(
                system=self.system, operation=operation, idempotency_key=key, at=datetime.now(UTC)
            )
        )
