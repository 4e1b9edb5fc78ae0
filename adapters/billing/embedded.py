"""Embedded stand-in for the billing system: billing starts in a storage of its own.

Every call is written to its `standin_ledger`, so tests can count calls per idempotency key.
Faults can be injected: `unavailable`, `fail_next`, `delay_ms`, and `lose_next_answers` (the
start is applied, then the answer is lost: the caller sees a failure).
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncConnection

from adapters.billing import tables as own_tables
from adapters.billing.tables import billing_accounts
from adapters.embedded_standin import EmbeddedStandin
from adapters.standin_storage import StandinStorage
from hub.errors import TransientAdapterError

SYSTEM = "billing"


class EmbeddedBilling(EmbeddedStandin):
    """Implements `hub.ports.Billing`; a repeated idempotency key returns the first start."""

    system = SYSTEM
    storage_name = SYSTEM
    tables = own_tables.metadata
    label = "billing system"

    def __init__(self, storage: StandinStorage) -> None:
        super().__init__(storage)
        self.lose_next_answers = 0

    async def start(
        self,
        order_id: str,
        *,
        product: str,
        bandwidth_mbps: int,
        report_sha256: str,
        idempotency_key: str,
    ) -> str:
        await self._maybe_fail()
        async with self.storage.write() as conn:
            await self._record(conn, "start", idempotency_key)
            reference = await self._reference(conn, idempotency_key)
            if reference is None:
                reference = f"BIL-{uuid.uuid4().hex[:16].upper()}"
                await conn.execute(
                    insert(billing_accounts).values(
                        reference=reference,
                        order_id=order_id,
                        idempotency_key=idempotency_key,
                        product=product[:200],
                        bandwidth_mbps=bandwidth_mbps,
                        report_sha256=report_sha256,
                        started_at=datetime.now(UTC),
                    )
                )
        if self.lose_next_answers > 0:
            self.lose_next_answers -= 1
            raise TransientAdapterError("billing answer lost (injected)")
        return reference

    async def lookup(self, *, idempotency_key: str) -> str | None:
        await self._maybe_fail()
        async with self.storage.write() as conn:
            await self._record(conn, "lookup", idempotency_key)
            return await self._reference(conn, idempotency_key)

    async def starts(self, *, order_id: str | None = None) -> list[dict[str, Any]]:
        """Billing starts, oldest first; optionally those of one order."""
        query = select(billing_accounts).order_by(billing_accounts.c.started_at)
        if order_id is not None:
            query = query.where(billing_accounts.c.order_id == order_id)
        async with self.storage.read() as conn:
            rows = (await conn.execute(query)).mappings().all()
        return [
            {
                "reference": r["reference"],
                "order_id": r["order_id"],
                "idempotency_key": r["idempotency_key"],
                "product": r["product"],
                "bandwidth_mbps": r["bandwidth_mbps"],
                "report_sha256": r["report_sha256"],
                "started_at": r["started_at"].isoformat(),
            }
            for r in rows
        ]

    async def find(self, idempotency_key: str) -> dict[str, Any] | None:
        found = [s for s in await self.starts() if s["idempotency_key"] == idempotency_key]
        return found[0] if found else None

    async def _reference(self, conn: AsyncConnection, key: str) -> str | None:
        found = await conn.scalar(
            select(billing_accounts.c.reference).where(billing_accounts.c.idempotency_key == key)
        )
        return str(found) if found is not None else None
