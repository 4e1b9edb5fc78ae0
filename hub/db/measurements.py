"""On-site test results and their screenshots, as rows of the order they belong to."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncConnection

from hub.db.engine import Database
from hub.db.tables import screenshots, test_results
from hub.ports.records import ResultRecord, ScreenshotRecord
from schemas.v1 import (
    PingMeasurement,
    PingResultRecorded,
    ResultKind,
    SpeedMeasurement,
    SpeedTestRecorded,
    Thresholds,
    Verdict,
)


class ResultsRepository:
    """Test results by (order, test id); the test id makes a repeated upload harmless."""

    def __init__(self, conn: AsyncConnection, *, now: datetime) -> None:
        self._conn = conn
        self._now = now

    async def add(self, event: PingResultRecorded | SpeedTestRecorded, *, note: str) -> None:
        if isinstance(event, PingResultRecorded):
            kind, measurement = ResultKind.PING, event.ping.model_dump(mode="json")
        else:
            kind, measurement = ResultKind.SPEED, event.speed.model_dump(mode="json")
        await self._conn.execute(
            insert(test_results).values(
                order_id=event.order_id,
                test_id=event.test_id,
                kind=kind.value,
                seq=event.version,
                technician_id=event.technician_id,
                measured_at=event.measured_at,
                measurement=measurement,
                thresholds=event.thresholds.model_dump(mode="json"),
                passed=event.verdict.passed,
                failed_checks=list(event.verdict.failed_checks),
                screenshots=list(event.screenshots),
                note=note,
                recorded_at=self._now,
            )
        )

    async def find(self, order_id: str, test_id: str) -> ResultRecord | None:
        row = (
            (
                await self._conn.execute(
                    select(test_results)
                    .where(test_results.c.order_id == order_id)
                    .where(test_results.c.test_id == test_id)
                )
            )
            .mappings()
            .first()
        )
        return _record(row) if row else None

    async def list(self, order_id: str) -> list[ResultRecord]:
        rows = await self._conn.execute(
            select(test_results)
            .where(test_results.c.order_id == order_id)
            .order_by(test_results.c.seq)
        )
        return [_record(row) for row in rows.mappings()]


class ScreenshotRepository:
    """Which pictures were uploaded for which order (the bytes live in the content store)."""

    def __init__(self, conn: AsyncConnection, db: Database, *, now: datetime) -> None:
        self._conn = conn
        self._db = db
        self._now = now

    async def add(self, record: ScreenshotRecord, *, technician_id: str) -> None:
        """Record an upload; the same picture uploaded twice for an order is one row."""
        await self._conn.execute(
            self._db.insert_ignoring_conflicts(screenshots).values(
                order_id=record.order_id,
                sha256=record.sha256,
                content_type=record.content_type,
                size_bytes=record.size_bytes,
                width=record.width,
                height=record.height,
                technician_id=technician_id,
                uploaded_at=self._now,
            )
        )

    async def list(self, order_id: str) -> list[ScreenshotRecord]:
        rows = await self._conn.execute(
            select(screenshots)
            .where(screenshots.c.order_id == order_id)
            .order_by(screenshots.c.uploaded_at, screenshots.c.sha256)
        )
        return [
            ScreenshotRecord(
                order_id=r.order_id,
                sha256=r.sha256,
                content_type=r.content_type,
                size_bytes=r.size_bytes,
                width=r.width,
                height=r.height,
            )
            for r in rows
        ]


def _record(row: Any) -> ResultRecord:
    kind = ResultKind(row["kind"])
    measurement: PingMeasurement | SpeedMeasurement = (
        PingMeasurement.model_validate(row["measurement"])
        if kind is ResultKind.PING
        else SpeedMeasurement.model_validate(row["measurement"])
    )
    return ResultRecord(
        order_id=row["order_id"],
        test_id=row["test_id"],
        kind=kind,
        seq=row["seq"],
        technician_id=row["technician_id"],
        measured_at=row["measured_at"],
        measurement=measurement,
        thresholds=Thresholds.model_validate(row["thresholds"]),
        verdict=Verdict(passed=row["passed"], failed_checks=row["failed_checks"]),
        screenshots=tuple(row["screenshots"]),
        note=row["note"],
    )
