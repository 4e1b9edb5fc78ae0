"""Appointment history (预约留痕) and the visits that fell due (履约) in the database."""

from __future__ import annotations

from typing import Any

from sqlalchemy import case, func, insert, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from hub.db.tables import appointment_history, appointment_visits
from hub.db.unwritten import UnwrittenRows
from hub.domain.appointment import AppointmentChange, ChangeKind, PunctualityFigure, Visit
from hub.ports import Grouping
from schemas.v1 import BookingChannel, Contact, Punctuality, Requester, RescheduleReason

_INSERT_CHANGE = insert(appointment_history)
_VISIT_KEY = ["order_id", "window_version"]


def _upsert_visit(dialect: Any) -> Any:
    stmt = dialect.insert(appointment_visits)
    replace = {
        c.name: getattr(stmt.excluded, c.name)
        for c in appointment_visits.c
        if c.name not in _VISIT_KEY
    }
    return stmt.on_conflict_do_update(index_elements=_VISIT_KEY, set_=replace)


# Built once per dialect, keyed by "is SQLite": a visit is recorded at every check-in.
_UPSERT_VISIT = {True: _upsert_visit(sqlite), False: _upsert_visit(postgresql)}


class AppointmentRepository:
    """`hub.ports.Appointments` on SQLAlchemy Core."""

    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn
        self._unwritten = UnwrittenRows(conn, _INSERT_CHANGE)

    async def record(self, change: AppointmentChange) -> None:
        """Kept until `flush()` (the unit of work flushes before it commits, `history` before it
        reads): a group of deliveries writes its changes in one statement."""
        self._unwritten.add(_change_row(change))

    async def flush(self) -> None:
        await self._unwritten.flush()

    async def history(self, order_id: str) -> list[AppointmentChange]:
        await self.flush()
        rows = await self._conn.execute(
            select(appointment_history)
            .where(appointment_history.c.order_id == order_id)
            .order_by(appointment_history.c.version)
        )
        return [_change(row) for row in rows.mappings()]

    async def record_visit(self, visit: Visit) -> None:
        """The visit's fact, replacing the one of the same window (one upsert)."""
        row = {
            "order_id": visit.order_id,
            "window_version": visit.window_version,
            "technician_id": visit.technician_id,
            "team": visit.team,
            "month": visit.month,
            "window_start": visit.window_start,
            "window_end": visit.window_end,
            "outcome": visit.outcome.value,
            "minutes_late": visit.minutes_late,
            "checked_in_at": visit.checked_in_at,
        }
        await self._conn.execute(_UPSERT_VISIT[self._conn.dialect.name == "sqlite"], row)

    async def punctuality(self, *, month: str, by: Grouping) -> list[PunctualityFigure]:
        v = appointment_visits
        key = v.c.technician_id if by == "technician" else func.coalesce(v.c.team, "")

        def count(outcome: Punctuality) -> Any:
            return func.sum(case((v.c.outcome == outcome.value, 1), else_=0))

        rows = await self._conn.execute(
            select(
                key.label("key"),
                func.count().label("due"),
                count(Punctuality.ON_TIME).label("on_time"),
                count(Punctuality.LATE).label("late"),
                count(Punctuality.MISSED).label("missed"),
            )
            .where(v.c.month == month)
            .group_by(key)
            .order_by(key)
        )
        return [
            PunctualityFigure(
                month=month,
                key=r.key,
                due=r.due,
                on_time=int(r.on_time),
                late=int(r.late),
                missed=int(r.missed),
            )
            for r in rows
        ]


def _change_row(change: AppointmentChange) -> dict[str, Any]:
    return {
        "order_id": change.order_id,
        "version": change.version,
        "at": change.at,
        "kind": change.kind.value,
        "window_start": change.window_start,
        "window_end": change.window_end,
        "by": change.by,
        "contact": change.contact.model_dump(mode="json"),
        "channel": change.channel.value,
        "requested_by": change.requested_by.value if change.requested_by else None,
        "reason": change.reason.value if change.reason else None,
        "reason_text": change.reason_text,
        "reschedules": change.reschedules,
        "call_id": change.call_id,
        "recording_ref": change.recording_ref,
    }


def _change(row: Any) -> AppointmentChange:
    return AppointmentChange(
        order_id=row["order_id"],
        version=row["version"],
        at=row["at"],
        kind=ChangeKind(row["kind"]),
        window_start=row["window_start"],
        window_end=row["window_end"],
        by=row["by"],
        contact=Contact.model_validate(row["contact"]),
        channel=BookingChannel(row["channel"]),
        requested_by=Requester(row["requested_by"]) if row["requested_by"] else None,
        reason=RescheduleReason(row["reason"]) if row["reason"] else None,
        reason_text=row["reason_text"],
        reschedules=row["reschedules"],
        call_id=row["call_id"],
        recording_ref=row["recording_ref"],
    )
