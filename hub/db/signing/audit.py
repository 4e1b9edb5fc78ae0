"""The signing audit trail: who opened, asked for a code, typed it and signed, from where."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import insert, select

from hub.db.signing.rows import SigningRows
from hub.db.tables import signing_audit
from hub.ports.records import AuditEntry


class AuditRows(SigningRows):
    """Append to and read an order's `signing_audit` lines, oldest first."""

    async def audit(self, order_id: str, entry: AuditEntry) -> None:
        await self._conn.execute(
            insert(signing_audit).values(
                order_id=order_id,
                link_id=entry.link_id,
                kind=entry.kind,
                at=entry.at,
                ip=entry.ip,
                user_agent=entry.user_agent,
                details=entry.details,
            )
        )

    async def audit_lines(self, lines: Sequence[tuple[str, AuditEntry]]) -> None:
        if not lines:
            return
        rows = [
            {
                "order_id": order_id,
                "link_id": entry.link_id,
                "kind": entry.kind,
                "at": entry.at,
                "ip": entry.ip,
                "user_agent": entry.user_agent,
                "details": entry.details,
            }
            for order_id, entry in lines
        ]
        await self._conn.execute(insert(signing_audit), rows)

    async def audit_trail(self, order_id: str) -> list[AuditEntry]:
        rows = await self._conn.execute(
            select(signing_audit)
            .where(signing_audit.c.order_id == order_id)
            .order_by(signing_audit.c.id)
        )
        return [
            AuditEntry(
                kind=r.kind,
                at=r.at,
                ip=r.ip,
                user_agent=r.user_agent,
                details=r.details,
                link_id=r.link_id,
            )
            for r in rows
        ]
