"""Delivery-report versions: one row per rendered version of an order's report."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from hub.db.engine import Database
from hub.db.tables import reports
from hub.ports.records import ReportRecord


class ReportRepository:
    """Report versions by order; versions count up from 1 and are never rewritten."""

    def __init__(self, conn: AsyncConnection, db: Database) -> None:
        self._conn = conn
        self._db = db

    async def latest(self, order_id: str) -> ReportRecord | None:
        row = (
            (
                await self._conn.execute(
                    select(reports)
                    .where(reports.c.order_id == order_id)
                    .order_by(reports.c.version.desc())
                    .limit(1)
                )
            )
            .mappings()
            .first()
        )
        return _row(row) if row else None

    async def find(self, order_id: str, version: int) -> ReportRecord | None:
        row = (
            (
                await self._conn.execute(
                    select(reports)
                    .where(reports.c.order_id == order_id)
                    .where(reports.c.version == version)
                )
            )
            .mappings()
            .first()
        )
        return _row(row) if row else None

    async def latest_version(self, order_id: str) -> int | None:
        found = await self._conn.scalar(
            select(func.max(reports.c.version)).where(reports.c.order_id == order_id)
        )
        return int(found) if found is not None else None

    async def add(self, row: ReportRecord) -> bool:
        """Insert a version; False if another writer took that version number first."""
        result = await self._conn.execute(
            self._db.insert_ignoring_conflicts(reports).values(
                order_id=row.order_id,
                version=row.version,
                data_hash=row.data_hash,
                sha256=row.sha256,
                lang=row.lang,
                data=row.data,
                size_bytes=row.size_bytes,
                created_at=row.created_at,
            )
        )
        return bool(result.rowcount == 1)


def _row(row: Any) -> ReportRecord:
    return ReportRecord(
        order_id=row["order_id"],
        version=row["version"],
        data_hash=row["data_hash"],
        sha256=row["sha256"],
        lang=row["lang"],
        data=row["data"],
        size_bytes=row["size_bytes"],
        created_at=row["created_at"],
    )
