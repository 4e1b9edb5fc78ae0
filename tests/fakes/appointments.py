"""The fake appointment history and visit facts (`hub.ports.Appointments`)."""

from __future__ import annotations

from hub.domain.appointment import AppointmentChange, PunctualityFigure, Visit
from hub.errors import ConcurrencyConflict
from hub.ports import Grouping
from schemas.v1 import Punctuality
from tests.fakes.store import FakeStore


class FakeAppointments:
    """History lines keyed (order, version); one visit per (order, window version)."""

    def __init__(self, tables: FakeStore) -> None:
        self._t = tables

    async def record(self, change: AppointmentChange) -> None:
        key = (change.order_id, change.version)
        if key in self._t.appointment_history:  # the primary key
            raise ConcurrencyConflict(f"appointment line {key} exists")
        self._t.appointment_history[key] = change

    async def history(self, order_id: str) -> list[AppointmentChange]:
        lines = [c for (oid, _), c in self._t.appointment_history.items() if oid == order_id]
        return sorted(lines, key=lambda c: c.version)

    async def record_visit(self, visit: Visit) -> None:
        self._t.visits[(visit.order_id, visit.window_version)] = visit

    async def punctuality(self, *, month: str, by: Grouping) -> list[PunctualityFigure]:
        groups: dict[str, list[Visit]] = {}
        for visit in self._t.visits.values():
            if visit.month == month:
                key = visit.technician_id if by == "technician" else visit.team or ""
                groups.setdefault(key, []).append(visit)
        return [
            PunctualityFigure(
                month=month,
                key=key,
                due=len(visits),
                on_time=sum(v.outcome is Punctuality.ON_TIME for v in visits),
                late=sum(v.outcome is Punctuality.LATE for v in visits),
                missed=sum(v.outcome is Punctuality.MISSED for v in visits),
            )
            for key, visits in sorted(groups.items())
        ]
