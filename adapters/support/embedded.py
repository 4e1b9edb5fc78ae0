"""Embedded stand-in for the work-order system: orders and flow logs in a storage of its own.

Every call is written to its `standin_ledger`, so tests can count effects per idempotency key
(`tests/fakes/standin_oracles.py` reads it). Faults can be injected (`unavailable`, `fail_next`,
`delay_ms`) to exercise the hub's retries; they apply to the `WorkOrderSystem` operations, not to
the reads its REST API serves.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import case, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from adapters.embedded_standin import EmbeddedStandin
from adapters.support import tables as own_tables
from adapters.support.tables import support_attachments, support_flow_log, support_orders
from hub.errors import NotFound, PermanentAdapterError, UnknownRemoteRecord
from schemas.v1 import FlowLogEntry

SYSTEM = "support"
MAX_ATTACHMENT_BYTES = 20_000_000


class UnknownOrder(UnknownRemoteRecord):
    """The work-order system has no such order (HTTP 404 when served)."""


class AttachmentRefused(PermanentAdapterError):
    """The attachment is malformed: its bytes do not match its hash, or it is too large."""


class EmbeddedWorkOrderSystem(EmbeddedStandin):
    """Implements `hub.ports.WorkOrderSystem` against tables of its own."""

    system = SYSTEM
    storage_name = SYSTEM
    tables = own_tables.metadata
    label = "support system"

    async def upsert_order(self, order_id: str, *, status: str, payload: dict[str, Any]) -> None:
        await self._maybe_fail()
        async with self.storage.write() as conn:
            await self._record(conn, "upsert_order", f"upsert:{order_id}:{status}")
            now = datetime.now(UTC)
            exists = await conn.scalar(
                select(support_orders.c.order_id).where(support_orders.c.order_id == order_id)
            )
            if exists:
                # An archived order stays archived: a late or redelivered update can't reopen it.
                await conn.execute(
                    update(support_orders)
                    .where(support_orders.c.order_id == order_id)
                    .values(
                        status=case(
                            (support_orders.c.status == "archived", "archived"), else_=status
                        ),
                        payload=payload,
                        updated_at=now,
                    )
                )
            else:
                await conn.execute(
                    insert(support_orders).values(
                        order_id=order_id, status=status, payload=payload, updated_at=now
                    )
                )

    async def append_flow_log(self, entry: FlowLogEntry, *, idempotency_key: str) -> None:
        await self._maybe_fail()
        async with self.storage.write() as conn:
            await self._record(conn, "append_flow_log", idempotency_key)
            stmt = self.storage.insert_ignoring_conflicts(support_flow_log).values(
                order_id=entry.order_id,
                idempotency_key=idempotency_key,
                entry=entry.model_dump(mode="json"),
                received_at=datetime.now(UTC),
            )
            await conn.execute(stmt)

    async def append_flow_logs(self, lines: Sequence[tuple[FlowLogEntry, str]]) -> None:
        """Several lines in one transaction (the hub's mirror commits the lines in flight
        together); one ledger row per line, as if called once per line."""
        await self._maybe_fail()
        now = datetime.now(UTC)
        async with self.storage.write() as conn:
            await conn.execute(
                insert(self._ledger),
                [
                    {
                        "system": self.system,
                        "operation": "append_flow_log",
                        "idempotency_key": key,
                        "at": now,
                    }
                    for _, key in lines
                ],
            )
            await conn.execute(
                self.storage.insert_ignoring_conflicts(support_flow_log),
                [
                    {
                        "order_id": entry.order_id,
                        "idempotency_key": key,
                        "entry": entry.model_dump(mode="json"),
                        "received_at": now,
                    }
                    for entry, key in lines
                ],
            )

    async def archive(self, order_id: str, *, idempotency_key: str) -> None:
        await self._maybe_fail()
        async with self.storage.write() as conn:
            await self._record(conn, "archive", idempotency_key)
            status = await conn.scalar(
                select(support_orders.c.status).where(support_orders.c.order_id == order_id)
            )
            if status not in (None, "archived"):
                await conn.execute(
                    update(support_orders)
                    .where(support_orders.c.order_id == order_id)
                    .values(status="archived", archived_at=datetime.now(UTC))
                )
        if status is None:  # raised after the commit, so the refused call stays in the ledger
            raise UnknownOrder(f"support system has no order {order_id}")

    async def attach_report(
        self, order_id: str, *, pdf: bytes, sha256: str, idempotency_key: str
    ) -> None:
        await self._maybe_fail()
        if hashlib.sha256(pdf).hexdigest() != sha256:
            raise AttachmentRefused("the attachment does not match its SHA-256")
        if len(pdf) > MAX_ATTACHMENT_BYTES:
            raise AttachmentRefused(f"the attachment exceeds {MAX_ATTACHMENT_BYTES} bytes")
        async with self.storage.write() as conn:
            await self._record(conn, "attach_report", idempotency_key)
            known = await self._order_exists(conn, order_id)
            if known:
                await conn.execute(
                    self.storage.insert_ignoring_conflicts(support_attachments).values(
                        order_id=order_id,
                        idempotency_key=idempotency_key,
                        filename=f"delivery-report-{order_id}.pdf",
                        sha256=sha256,
                        size_bytes=len(pdf),
                        content=pdf,
                        received_at=datetime.now(UTC),
                    )
                )
        if not known:
            raise UnknownOrder(f"support system has no order {order_id}")

    async def report_completion(self, order_id: str, *, idempotency_key: str) -> None:
        await self._maybe_fail()
        async with self.storage.write() as conn:
            await self._record(conn, "report_completion", idempotency_key)
            known = await self._order_exists(conn, order_id)
            now = datetime.now(UTC)
            await conn.execute(
                update(support_orders)
                .where(support_orders.c.order_id == order_id)
                .where(support_orders.c.completion_reported_at.is_(None))
                .values(
                    status=case(
                        (support_orders.c.status == "archived", "archived"), else_="completed"
                    ),
                    completion_reported_at=now,
                    updated_at=now,
                )
            )
        if not known:
            raise UnknownOrder(f"support system has no order {order_id}")

    async def attachments(self, order_id: str) -> list[dict[str, Any]]:
        """The order's attachments, oldest first (without their bytes)."""
        async with self.storage.read() as conn:
            rows = await conn.execute(
                select(
                    support_attachments.c.filename,
                    support_attachments.c.sha256,
                    support_attachments.c.size_bytes,
                    support_attachments.c.received_at,
                )
                .where(support_attachments.c.order_id == order_id)
                .order_by(support_attachments.c.id)
            )
            return [
                {
                    "filename": r.filename,
                    "sha256": r.sha256,
                    "size_bytes": r.size_bytes,
                    "received_at": r.received_at.isoformat(),
                }
                for r in rows
            ]

    async def get_order(self, order_id: str) -> dict[str, Any]:
        async with self.storage.read() as conn:
            row = (
                (
                    await conn.execute(
                        select(support_orders).where(support_orders.c.order_id == order_id)
                    )
                )
                .mappings()
                .first()
            )
        if row is None:
            raise NotFound(f"support system has no order {order_id}")
        return {
            "order_id": row["order_id"],
            "status": row["status"],
            "payload": row["payload"],
            "archived_at": row["archived_at"].isoformat() if row["archived_at"] else None,
        }

    async def flow_log(self, order_id: str) -> list[dict[str, Any]]:
        async with self.storage.read() as conn:
            rows = await conn.execute(
                select(support_flow_log.c.entry)
                .where(support_flow_log.c.order_id == order_id)
                .order_by(support_flow_log.c.id)
            )
            entries = [r.entry for r in rows]
        return sorted(entries, key=lambda e: e["seq"])

    async def _order_exists(self, conn: AsyncConnection, order_id: str) -> bool:
        found = await conn.scalar(
            select(support_orders.c.order_id).where(support_orders.c.order_id == order_id)
        )
        return found is not None
