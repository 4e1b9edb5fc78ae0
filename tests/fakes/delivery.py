"""Fake repositories of test results, screenshots and report versions."""

from __future__ import annotations

from datetime import datetime

from hub.errors import ConcurrencyConflict
from hub.ports import ReportRecord, ResultRecord, ScreenshotRecord
from schemas.v1 import PingResultRecorded, ResultKind, SpeedTestRecorded
from tests.fakes.store import FakeStore, ScreenshotRow


class FakeMeasurements:
    """`hub.ports.Measurements`: one result per (order, test id)."""

    def __init__(self, tables: FakeStore) -> None:
        self._t = tables

    async def add(self, event: PingResultRecorded | SpeedTestRecorded, *, note: str) -> None:
        key = (event.order_id, event.test_id)
        if key in self._t.results:
            raise ConcurrencyConflict(f"test {event.test_id} of {event.order_id} exists")
        is_ping = isinstance(event, PingResultRecorded)
        self._t.results[key] = ResultRecord(
            order_id=event.order_id,
            test_id=event.test_id,
            kind=ResultKind.PING if is_ping else ResultKind.SPEED,
            seq=event.version,
            technician_id=event.technician_id,
            measured_at=event.measured_at,
            measurement=event.ping if isinstance(event, PingResultRecorded) else event.speed,
            thresholds=event.thresholds,
            verdict=event.verdict,
            screenshots=tuple(event.screenshots),
            note=note,
        )

    async def find(self, order_id: str, test_id: str) -> ResultRecord | None:
        return self._t.results.get((order_id, test_id))

    async def list(self, order_id: str) -> list[ResultRecord]:
        found = [r for r in self._t.results.values() if r.order_id == order_id]
        return sorted(found, key=lambda r: r.seq)


class FakeScreenshots:
    """`hub.ports.Screenshots`: the same picture uploaded twice for an order is one row."""

    def __init__(self, tables: FakeStore, *, now: datetime) -> None:
        self._t = tables
        self._now = now

    async def add(self, record: ScreenshotRecord, *, technician_id: str) -> None:
        key = (record.order_id, record.sha256)
        if key not in self._t.screenshots:
            self._t.screenshots[key] = ScreenshotRow(record, technician_id, self._now)

    async def list(self, order_id: str) -> list[ScreenshotRecord]:
        rows = [s for s in self._t.screenshots.values() if s.record.order_id == order_id]
        rows.sort(key=lambda s: (s.uploaded_at, s.record.sha256))
        return [s.record for s in rows]


class FakeReportVersions:
    """`hub.ports.Reports`: versions by order, never rewritten."""

    def __init__(self, tables: FakeStore) -> None:
        self._t = tables

    async def latest(self, order_id: str) -> ReportRecord | None:
        version = await self.latest_version(order_id)
        return None if version is None else self._t.reports[order_id, version]

    async def find(self, order_id: str, version: int) -> ReportRecord | None:
        return self._t.reports.get((order_id, version))

    async def latest_version(self, order_id: str) -> int | None:
        versions = [v for (oid, v) in self._t.reports if oid == order_id]
        return max(versions) if versions else None

    async def add(self, record: ReportRecord) -> bool:
        key = (record.order_id, record.version)
        if key in self._t.reports:
            return False
        self._t.reports[key] = record
        return True
