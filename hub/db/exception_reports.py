"""Exception reports in the database."""

from __future__ import annotations

import builtins
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from hub.db.tables import exception_directory as directory
from hub.db.tables import exception_reports as reports
from hub.domain.exception_directory import DirectoryEntry
from hub.domain.exception_report import ExceptionReport, ReportState
from hub.errors import ConcurrencyConflict, NotFound
from hub.ports.records import FIRST_PAGE, Page
from schemas.v1 import ExceptionType, ResponsibleParty, ResponsibleRole


class ExceptionReportRepository:
    """Loads and saves `ExceptionReport`s; resolving is a conditional update on `open`."""

    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def find(self, report_id: str) -> ExceptionReport | None:
        row = (
            (await self._conn.execute(select(reports).where(reports.c.report_id == report_id)))
            .mappings()
            .first()
        )
        return _to_domain(row) if row else None

    async def get(self, report_id: str) -> ExceptionReport:
        found = await self.find(report_id)
        if found is None:
            raise NotFound(f"exception report {report_id} does not exist")
        return found

    async def add(self, report: ExceptionReport) -> None:
        await self._conn.execute(insert(reports).values(**_to_row(report)))

    async def save_resolution(self, report: ExceptionReport) -> None:
        result = await self._conn.execute(
            update(reports)
            .where(reports.c.report_id == report.report_id)
            .where(reports.c.state == ReportState.OPEN.value)
            .values(
                state=report.state.value,
                resolved_at=report.resolved_at,
                resolved_by=report.resolved_by,
                resolution=report.resolution,
            )
        )
        if result.rowcount != 1:
            raise ConcurrencyConflict(f"exception report {report.report_id} changed meanwhile")

    async def list(
        self,
        *,
        state: ReportState | None = None,
        order_id: str | None = None,
        page: Page = FIRST_PAGE,
    ) -> builtins.list[ExceptionReport]:
        """Reports oldest first, optionally only in `state` or for one order."""
        query = (
            select(reports)
            .order_by(reports.c.reported_at, reports.c.report_id)
            .limit(page.limit)
            .offset(page.offset)
        )
        if state is not None:
            query = query.where(reports.c.state == state.value)
        if order_id is not None:
            query = query.where(reports.c.order_id == order_id)
        return [_to_domain(r) for r in (await self._conn.execute(query)).mappings()]


def _to_row(report: ExceptionReport) -> dict[str, Any]:
    return {
        "report_id": report.report_id,
        "order_id": report.order_id,
        "technician_id": report.technician_id,
        "technician_phone": report.technician_phone,
        "type": report.type.value,
        "description": report.description,
        "photos": list(report.photos),
        "responsible": report.responsible.model_dump(mode="json"),
        "state": report.state.value,
        "reported_at": report.reported_at,
        "resolved_at": report.resolved_at,
        "resolved_by": report.resolved_by,
        "resolution": report.resolution,
    }


def _to_domain(row: Any) -> ExceptionReport:
    return ExceptionReport(
        report_id=row["report_id"],
        order_id=row["order_id"],
        technician_id=row["technician_id"],
        technician_phone=row["technician_phone"],
        type=ExceptionType(row["type"]),
        description=row["description"],
        photos=tuple(row["photos"]),
        responsible=ResponsibleParty.model_validate(row["responsible"]),
        state=ReportState(row["state"]),
        reported_at=row["reported_at"],
        resolved_at=row["resolved_at"],
        resolved_by=row["resolved_by"],
        resolution=row["resolution"],
    )


class ExceptionDirectoryRepository:
    """`hub.ports.ExceptionDirectory` on the database."""

    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def entries(self) -> builtins.list[DirectoryEntry]:
        rows = await self._conn.execute(
            select(directory).order_by(directory.c.exception_type, directory.c.district)
        )
        return [
            DirectoryEntry(
                exception_type=row["exception_type"],
                district=row["district"],
                responsible=ResponsibleParty(
                    role=ResponsibleRole(row["role"]), name=row["name"], phone=row["phone"]
                ),
                updated_by=row["updated_by"],
                updated_at=row["updated_at"],
            )
            for row in rows.mappings()
        ]

    async def put(self, entry: DirectoryEntry) -> None:
        await self.remove(entry.exception_type, entry.district)
        await self._conn.execute(
            insert(directory).values(
                exception_type=entry.exception_type,
                district=entry.district,
                role=entry.responsible.role.value,
                name=entry.responsible.name,
                phone=entry.responsible.phone,
                updated_by=entry.updated_by,
                updated_at=entry.updated_at,
            )
        )

    async def remove(self, exception_type: str, district: str) -> bool:
        result = await self._conn.execute(
            delete(directory).where(
                directory.c.exception_type == exception_type, directory.c.district == district
            )
        )
        return result.rowcount == 1
