"""The report service: versions of an order's report, and signed copies of them."""

from __future__ import annotations

import asyncio
import weakref
from collections import deque
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import structlog

from hub.content_store import ContentStore
from hub.errors import ConcurrencyConflict, NotFound, StaleReport, TamperedReport
from hub.ports import ReportRecord, UnitOfWorkFactory
from hub.reports.content import data_hash, gather
from hub.reports.html import SignatureBlock, build_html, build_layer_html
from hub.reports.model import (
    AuditEvent,
    FetchRecord,
    RenderJob,
    ReportVersion,
    SignedReport,
    StampJob,
    verify,
)
from hub.reports.pool import RenderPool
from hub.reports.signature import check_signature_png, check_signer_name
from hub.reports.stamp import signature_layout
from schemas.v1 import ReportRendered

log = structlog.get_logger(__name__)

LEDGER_SIZE = 2000
VERSION_RACES = 3


def report_store(data_dir: Path) -> ContentStore:
    """Where report PDFs (plain and signed) live."""
    return ContentStore(data_dir / "reports", suffix=".pdf")


def signature_store(data_dir: Path) -> ContentStore:
    """Where accepted signatures (re-encoded PNGs) wait for, and stay after, their render."""
    return ContentStore(data_dir / "signatures", suffix=".png")


def screenshot_store(data_dir: Path) -> ContentStore:
    """Where uploaded test pictures live (their type is recorded in the database)."""
    return ContentStore(data_dir / "screenshots", suffix=".img")


class ReportService:
    """Renders, versions and signs delivery reports (see `hub.reports` for the contract)."""

    verify = staticmethod(verify)

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        pool: RenderPool,
        *,
        data_dir: Path,
        lang: str,
        timezone: str,
        radius_m: float,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._uow = uow
        self.pool = pool
        self.store = report_store(data_dir)
        self.pictures = screenshot_store(data_dir)
        self.lang = lang
        self.timezone = timezone
        self.radius_m = radius_m
        self._clock = clock
        # One render per order at a time in this process; an unused lock is dropped.
        self._locks: weakref.WeakValueDictionary[str, asyncio.Lock] = weakref.WeakValueDictionary()
        self.fetch_ledger: deque[FetchRecord] = deque(maxlen=LEDGER_SIZE)

    def path_for(self, sha256: str) -> Path:
        """Where the report (plain or signed) with this SHA-256 is stored."""
        return self.store.path_for(sha256)

    async def render_if_changed(self, order_id: str, *, lang: str | None = None) -> ReportVersion:
        """The order's current report version: rendered (and recorded) first if its data
        changed since the last version, else the stored one."""
        lock = self._locks.setdefault(order_id, asyncio.Lock())
        async with lock:
            for _ in range(VERSION_RACES):
                data, current = await self._current(order_id, lang or self.lang)
                digest = data_hash(data)
                if current and current.data_hash == digest and self.store.exists(current.sha256):
                    return self._version(current)
                row = await self._render_version(order_id, data, digest, current)
                if row is not None:
                    return self._version(row)
        raise ConcurrencyConflict(f"report of {order_id} kept changing while it was rendered")

    async def current_version(self, order_id: str) -> ReportVersion | None:
        """The latest recorded version if the order's data has not changed since; None if a
        render is due. Never renders (a read and a hash: fit for a request)."""
        data, current = await self._current(order_id, self.lang)
        if current and current.data_hash == data_hash(data) and self.store.exists(current.sha256):
            return self._version(current)
        return None

    async def recorded(self, order_id: str, version: int) -> ReportVersion | None:
        """A recorded version of the order's report (whether or not it is the latest)."""
        async with self._uow.read() as uow:
            row = await uow.reports.find(order_id, version)
        return self._version(row) if row else None

    async def render_signed(
        self,
        report: ReportVersion,
        *,
        signature_png: bytes,
        signer_name: str,
        audit: list[AuditEvent],
        signed_at: datetime | None = None,
        latest_only: bool = True,
    ) -> SignedReport:
        """A signed copy of `report`: signature image in its block, plus an audit page.

        The stored PDF is stamped (`hub.reports.stamp`): its pages stay as the customer viewed
        them, with name, time and signature laid over the empty block and the audit trail
        appended; a report rendered before its block could be located is rendered again whole.
        `signed_at` is the time printed in the block (default: now); `latest_only=False`
        signs a version that was the latest when its signature was accepted, even if data
        arrived since (the signature is for what the customer viewed)."""
        signer_name = check_signer_name(signer_name)
        await asyncio.to_thread(check_signature_png, signature_png)
        row = await (self._signable(report) if latest_only else self._recorded_row(report))
        viewed = await self.store.read_verified(report.sha256)
        block = SignatureBlock(signer_name, signed_at or self._clock(), signature_png)
        trail = (report.sha256, sorted(audit, key=lambda e: e.at))
        layout = await asyncio.to_thread(signature_layout, viewed)
        job: RenderJob
        if layout is None:
            job = build_html(
                row.data,
                version=row.version,
                generated_at=row.created_at,
                pictures=await self._pictures_of(row.data),
                signature=block,
                audit=trail,
            )
        else:
            layer = build_layer_html(
                row.data, version=row.version, layout=layout, signature=block, audit=trail
            )
            job = StampJob(report_pdf=viewed, layer_html=layer, layout=layout)
        # First in the pool's line: the order's billing start waits on this copy.
        sha256, path = await self.store.put(await self._render(job, first=True))
        log.info("signed report rendered", order_id=report.order_id, version=report.version)
        return SignedReport(order_id=report.order_id, version=row.version, sha256=sha256, path=path)

    async def close(self) -> None:
        await self.pool.close()

    async def _current(
        self, order_id: str, lang: str
    ) -> tuple[dict[str, Any], ReportRecord | None]:
        async with self._uow.read() as uow:
            data = await gather(uow, order_id, lang=lang, tz=self.timezone, radius_m=self.radius_m)
            current = await uow.reports.latest(order_id)
        return data, current

    async def _render_version(
        self, order_id: str, data: dict[str, Any], digest: str, current: ReportRecord | None
    ) -> ReportRecord | None:
        """Render and record the next version; None if another process took that number."""
        version = current.version + 1 if current else 1
        now = self._clock()
        html = build_html(
            data, version=version, generated_at=now, pictures=await self._pictures_of(data)
        )
        pdf = await self._render(html)
        sha256, _ = await self.store.put(pdf)
        row = ReportRecord(
            order_id=order_id,
            version=version,
            data_hash=digest,
            sha256=sha256,
            lang=data["lang"],
            data=data,
            size_bytes=len(pdf),
            created_at=now,
        )
        async with self._uow() as uow:
            if not await uow.reports.add(row):
                return None
            await uow.outbox.add(
                ReportRendered(order_id=order_id, version=version, sha256=sha256),
                correlation_id=order_id,
                message_id=f"report-rendered:{order_id}:v{version}",
            )
            await uow.commit()
        log.info("report rendered", order_id=order_id, version=version, bytes=len(pdf))
        return row

    async def _recorded_row(self, report: ReportVersion) -> ReportRecord:
        async with self._uow.read() as uow:
            row = await uow.reports.find(report.order_id, report.version)
        if row is None:
            raise NotFound(f"order {report.order_id} has no report v{report.version}")
        if row.sha256 != report.sha256:
            raise TamperedReport(f"report v{report.version} of {report.order_id} has another hash")
        return row

    async def _signable(self, report: ReportVersion) -> ReportRecord:
        """The stored row of `report`, if it is still the latest version with current data."""
        data, current = await self._current(report.order_id, self.lang)
        row = await self._recorded_row(report)
        if current is None or current.version != row.version:
            raise StaleReport(
                f"report v{row.version} of {report.order_id} is not the latest "
                f"(v{current.version if current else '?'}); only the latest can be signed"
            )
        if data_hash({**data, "lang": row.lang}) != row.data_hash:
            raise StaleReport(
                f"the data of order {report.order_id} changed since report v{row.version}"
            )
        return row

    async def _pictures_of(self, data: dict[str, Any]) -> dict[str, bytes]:
        found: dict[str, bytes] = {}
        for picture in data["pictures"]:
            sha256 = picture["sha256"]
            try:
                found[sha256] = await self.pictures.read_verified(sha256)
            except (OSError, TamperedReport):
                log.warning("report picture missing or changed; left out", sha256=sha256[:12])
        return found

    async def _render(self, job: RenderJob, *, first: bool = False) -> bytes:
        result = await self.pool.render(job, first=first)
        self.fetch_ledger.extend(result.fetches)
        refused = [f.url for f in result.fetches if not f.allowed]
        if refused:
            log.warning("report fetcher refused URLs", count=len(refused))
        return result.pdf

    def _version(self, row: ReportRecord) -> ReportVersion:
        return ReportVersion(
            order_id=row.order_id,
            version=row.version,
            sha256=row.sha256,
            path=self.store.path_for(row.sha256),
            created_at=row.created_at,
        )
