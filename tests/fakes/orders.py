"""Fake repositories of work orders, their flow log, resource changes and exception reports.

Each mirrors its `hub.db` twin's edge cases: a save whose version moved, an insert of a key
that exists and a second change in flight for an order are `ConcurrencyConflict`s.
"""

from __future__ import annotations

import builtins
from collections.abc import Collection
from datetime import UTC, datetime, tzinfo

from hub.domain.exception_directory import DirectoryEntry
from hub.domain.exception_report import ExceptionReport, ReportState
from hub.domain.flow_log import entry_for
from hub.domain.resource_change import ResourceChange
from hub.domain.work_order import Status, WorkOrder
from hub.errors import ConcurrencyConflict, NotFound
from hub.ports.records import FIRST_PAGE, Page
from schemas.v1 import FlowLogEntry, WorkOrderEvent
from tests.fakes.store import FakeStore

_EARLIEST = datetime.min.replace(tzinfo=UTC)


class FakeWorkOrders:
    """`hub.ports.WorkOrders` in memory, with optimistic locking by version."""

    def __init__(self, tables: FakeStore) -> None:
        self._t = tables

    async def find(self, order_id: str) -> WorkOrder | None:
        return self._t.orders.get(order_id)

    async def preload(self, order_ids: Collection[str]) -> None:
        """Nothing to read ahead: every order is in memory."""

    async def get(self, order_id: str) -> WorkOrder:
        order = await self.find(order_id)
        if order is None:
            raise NotFound(f"work order {order_id} does not exist")
        return order

    async def add(self, order: WorkOrder, *, now: datetime) -> None:
        if order.order_id in self._t.orders:  # the primary key: IntegrityError → conflict
            raise ConcurrencyConflict(f"work order {order.order_id} was added concurrently")
        self._t.orders[order.order_id] = order

    async def save(self, order: WorkOrder, *, expected_version: int, now: datetime) -> None:
        stored = self._t.orders.get(order.order_id)
        if stored is None or stored.version != expected_version:
            raise ConcurrencyConflict(
                f"work order {order.order_id} changed since version {expected_version}"
            )
        self._t.orders[order.order_id] = order

    async def list_for_technician(
        self, technician_id: str, *, statuses: Collection[Status], page: Page = FIRST_PAGE
    ) -> list[WorkOrder]:
        found = [
            o
            for o in self._t.orders.values()
            if o.technician is not None and o.technician.id == technician_id
            if o.status in statuses
        ]
        ordered = sorted(found, key=lambda o: (o.appointment_start or _EARLIEST, o.order_id))
        return ordered[page.offset : page.offset + page.limit]

    async def needing_attention(self, *, page: Page = FIRST_PAGE) -> list[WorkOrder]:
        found = [
            o
            for o in self._t.orders.values()
            if o.status in (Status.CREATED, Status.DISPATCHED)
            if o.acceptance_overdue
            or (
                o.appointment is not None
                and (o.appointment.flagged or o.appointment.pending_request is not None)
            )
        ]
        ordered = sorted(found, key=lambda o: (o.appointment_start or _EARLIEST, o.order_id))
        return ordered[page.offset : page.offset + page.limit]

    async def count_by_status(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for order in self._t.orders.values():
            counts[order.status.value] = counts.get(order.status.value, 0) + 1
        return counts


class FakeFlowLog:
    """`hub.ports.FlowLog`: a line per event, numbered by the version the event produced."""

    def __init__(self, tables: FakeStore, *, zone: tzinfo = UTC) -> None:
        self._t = tables
        self._zone = zone

    async def append(self, event: WorkOrderEvent) -> FlowLogEntry:
        entry = entry_for(event, seq=event.version, zone=self._zone)
        key = (entry.order_id, entry.seq)
        if key in self._t.flow_log:  # unique (order_id, seq)
            raise ConcurrencyConflict(f"flow-log line {entry.seq} of {entry.order_id} exists")
        self._t.flow_log[key] = entry
        return entry

    async def list(self, order_id: str) -> list[FlowLogEntry]:
        lines = [e for (oid, _), e in self._t.flow_log.items() if oid == order_id]
        return sorted(lines, key=lambda e: e.seq)


class FakeResourceChanges:
    """`hub.ports.ResourceChanges`: at most one unfinished change per order."""

    def __init__(self, tables: FakeStore) -> None:
        self._t = tables

    async def find(self, change_id: str) -> ResourceChange | None:
        return self._t.changes.get(change_id)

    async def get(self, change_id: str) -> ResourceChange:
        change = await self.find(change_id)
        if change is None:
            raise NotFound(f"change {change_id} does not exist")
        return change

    async def active_for(self, order_id: str) -> ResourceChange | None:
        return next(
            (c for c in self._t.changes.values() if c.order_id == order_id and not c.finished),
            None,
        )

    async def add(self, change: ResourceChange) -> None:
        active = await self.active_for(change.order_id)
        if change.change_id in self._t.changes or (active is not None and not change.finished):
            raise ConcurrencyConflict(f"change {change.change_id} raced another insert")
        self._t.changes[change.change_id] = change

    async def save(self, change: ResourceChange, *, expected_version: int) -> None:
        stored = self._t.changes.get(change.change_id)
        if stored is None or stored.version != expected_version:
            raise ConcurrencyConflict(
                f"change {change.change_id} changed since version {expected_version}"
            )
        active = await self.active_for(change.order_id)
        if not change.finished and active is not None and active.change_id != change.change_id:
            raise ConcurrencyConflict(f"order {change.order_id} has another change in flight")
        self._t.changes[change.change_id] = change

    async def list_for_order(self, order_id: str) -> list[ResourceChange]:
        found = [c for c in self._t.changes.values() if c.order_id == order_id]
        return sorted(found, key=lambda c: c.created_at)

    async def count_by_kind_and_state(self, *, since: datetime | None = None) -> dict[str, int]:
        counts: dict[str, int] = {}
        for c in self._t.changes.values():
            if since is None or c.created_at >= since:
                key = f"{c.kind.value}:{c.state.value}"
                counts[key] = counts.get(key, 0) + 1
        return counts


class FakeExceptionReports:
    """`hub.ports.ExceptionReports`: resolving is conditional on the report still open."""

    def __init__(self, tables: FakeStore) -> None:
        self._t = tables

    async def find(self, report_id: str) -> ExceptionReport | None:
        return self._t.exceptions.get(report_id)

    async def get(self, report_id: str) -> ExceptionReport:
        found = await self.find(report_id)
        if found is None:
            raise NotFound(f"exception report {report_id} does not exist")
        return found

    async def add(self, report: ExceptionReport) -> None:
        if report.report_id in self._t.exceptions:
            raise ConcurrencyConflict(f"exception report {report.report_id} exists")
        self._t.exceptions[report.report_id] = report

    async def save_resolution(self, report: ExceptionReport) -> None:
        stored = self._t.exceptions.get(report.report_id)
        if stored is None or stored.state is not ReportState.OPEN:
            raise ConcurrencyConflict(f"exception report {report.report_id} changed meanwhile")
        self._t.exceptions[report.report_id] = report

    async def list(
        self,
        *,
        state: ReportState | None = None,
        order_id: str | None = None,
        page: Page = FIRST_PAGE,
    ) -> builtins.list[ExceptionReport]:
        found = [
            r
            for r in self._t.exceptions.values()
            if (state is None or r.state is state) and (order_id is None or r.order_id == order_id)
        ]
        ordered = sorted(found, key=lambda r: (r.reported_at, r.report_id))
        return ordered[page.offset : page.offset + page.limit]


class FakeExceptionDirectory:
    """`hub.ports.ExceptionDirectory`: entries by (type, district)."""

    def __init__(self, tables: FakeStore) -> None:
        self._t = tables

    async def entries(self) -> builtins.list[DirectoryEntry]:
        return [self._t.directory[key] for key in sorted(self._t.directory)]

    async def put(self, entry: DirectoryEntry) -> None:
        self._t.directory[(entry.exception_type, entry.district)] = entry

    async def remove(self, exception_type: str, district: str) -> bool:
        return self._t.directory.pop((exception_type, district), None) is not None
