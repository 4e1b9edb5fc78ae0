"""What every embedded stand-in (support, inventory, billing) shares: injected faults and the
ledger of change calls, one row per call in its own storage, so tests can see repeats."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import ClassVar

from sqlalchemy import Column, Integer, MetaData, String, Table, insert
from sqlalchemy.ext.asyncio import AsyncConnection

from adapters.standin_storage import OwnsStorage, StandinStorage, UtcDateTime
from hub.errors import TransientAdapterError

LEDGER = "standin_ledger"


def ledger_table(metadata: MetaData) -> Table:
    """The ledger of a stand-in's change calls, declared among its own tables."""
    return Table(
        LEDGER,
        metadata,
        Column("id", Integer, primary_key=True, autoincrement=True),
        Column("system", String(32), nullable=False),
        Column("operation", String(64), nullable=False),
        Column("idempotency_key", String(128), nullable=False, index=True),
        Column("at", UtcDateTime(), nullable=False),
    )


class EmbeddedStandin(OwnsStorage):
    """A stand-in over its own storage; set `unavailable`, `fail_next`, `delay_ms` to fail."""

    system: ClassVar[str]  # its name in the ledger
    label: ClassVar[str]  # its name in injected errors

    def __init__(self, storage: StandinStorage) -> None:
        super().__init__(storage)
        self._ledger = self.tables.tables[LEDGER]
        self.unavailable = False
        self.fail_next = 0
        self.delay_ms = 0

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
            insert(self._ledger).values(
                system=self.system, operation=operation, idempotency_key=key, at=datetime.now(UTC)
            )
        )
