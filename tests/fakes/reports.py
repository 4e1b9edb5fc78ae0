"""A fake report source (`hub.signing.reports.ReportSource`): the real report data, no WeasyPrint.

Versions work as `hub.reports.ReportService`'s: the order's data is gathered (the real
`gather`) and hashed; a change makes the next version, recorded in the unit of work with its
`ReportRendered` message. The "PDF" is the data as bytes, stored content-addressed in a real
`ContentStore`, so close-out, e-mail and billing re-hash it as they would a real one. A signed
copy is refused as the real one is: stale, tampered, or a bad signature image.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import re
from datetime import datetime
from typing import Any

from hub.content_store import ContentStore
from hub.errors import (
    ConcurrencyConflict,
    NotFound,
    ReportRenderFailed,
    StaleReport,
    TamperedReport,
)
from hub.ports import ReportRecord, UnitOfWorkFactory
from hub.reports import AuditEvent, InvalidSignature, ReportVersion, SignedReport
from hub.reports.content import data_hash, gather
from hub.reports.signature import check_signature_png
from schemas.v1 import ReportRendered

_SIGNER = re.compile(r"^[^\x00-\x1f\x7f]{1,100}$")  # as `hub.reports.service`
VERSION_RACES = 3


class FakeReports:
    """Renders report versions as bytes; `renders` and `signed` record what it made."""

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        store: ContentStore,
        *,
        lang: str = "zh",
        timezone: str = "Asia/Shanghai",
        radius_m: float = 500.0,
    ) -> None:
        self._uow = uow
        self.store = store
        self.lang = lang
        self.timezone = timezone
        self.radius_m = radius_m
        self.renders: list[ReportRecord] = []
        self.signed: list[tuple[SignedReport, list[AuditEvent]]] = []
        self.fail_next_signed_renders = 0

    async def render_if_changed(self, order_id: str) -> ReportVersion:
        for _ in range(VERSION_RACES):
            data, current = await self._current(order_id)
            digest = data_hash(data)
            if current and current.data_hash == digest and self.store.exists(current.sha256):
                return self._version(current)
            row = await self._render_version(order_id, data, digest, current)
            if row is not None:
                return self._version(row)
        raise ConcurrencyConflict(f"report of {order_id} kept changing while it was rendered")

    async def current_version(self, order_id: str) -> ReportVersion | None:
        data, current = await self._current(order_id)
        if current and current.data_hash == data_hash(data) and self.store.exists(current.sha256):
            return self._version(current)
        return None

    async def recorded(self, order_id: str, version: int) -> ReportVersion | None:
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
        signer_name = signer_name.strip()
        if not _SIGNER.match(signer_name):
            raise InvalidSignature("the signer's name must be 1–100 printable characters")
        check_signature_png(signature_png)
        await self._signable(report, latest_only=latest_only)
        pdf = await self.store.read_verified(report.sha256)
        await asyncio.sleep(0)  # a render takes a while: other requests run meanwhile
        if self.fail_next_signed_renders > 0:
            self.fail_next_signed_renders -= 1
            raise ReportRenderFailed("the signed report render was killed (injected)")
        page = {
            "signer": signer_name,
            "signature_sha256": hashlib.sha256(signature_png).hexdigest(),
            "audit": [[e.kind, e.at.isoformat(), e.ip] for e in sorted(audit, key=lambda e: e.at)],
        }
        sha256, path = await self.store.put(pdf + b"\n%signed " + _canonical(page))
        signed = SignedReport(
            order_id=report.order_id, version=report.version, sha256=sha256, path=path
        )
        self.signed.append((signed, audit))
        return signed

    async def _current(self, order_id: str) -> tuple[dict[str, Any], ReportRecord | None]:
        async with self._uow.read() as uow:
            data = await gather(
                uow, order_id, lang=self.lang, tz=self.timezone, radius_m=self.radius_m
            )
            return data, await uow.reports.latest(order_id)

    async def _render_version(
        self, order_id: str, data: dict[str, Any], digest: str, current: ReportRecord | None
    ) -> ReportRecord | None:
        version = current.version + 1 if current else 1
        pdf = b"%PDF-1.7 fake report v" + str(version).encode() + b"\n" + _canonical(data)
        sha256, _ = await self.store.put(pdf)
        async with self._uow() as uow:
            row = ReportRecord(
                order_id=order_id,
                version=version,
                data_hash=digest,
                sha256=sha256,
                lang=data["lang"],
                data=data,
                size_bytes=len(pdf),
                created_at=uow.now,
            )
            if not await uow.reports.add(row):
                return None
            await uow.outbox.add(
                ReportRendered(order_id=order_id, version=version, sha256=sha256),
                correlation_id=order_id,
                message_id=f"report-rendered:{order_id}:v{version}",
            )
            await uow.commit()
        self.renders.append(row)
        return row

    async def _signable(self, report: ReportVersion, *, latest_only: bool = True) -> None:
        data, current = await self._current(report.order_id)
        async with self._uow.read() as uow:
            row = await uow.reports.find(report.order_id, report.version)
        if row is None:
            raise NotFound(f"order {report.order_id} has no report v{report.version}")
        if row.sha256 != report.sha256:
            raise TamperedReport(f"report v{report.version} of {report.order_id} has another hash")
        if not latest_only:
            return
        if current is None or current.version != row.version:
            raise StaleReport(f"report v{row.version} of {report.order_id} is not the latest")
        if data_hash({**data, "lang": row.lang}) != row.data_hash:
            raise StaleReport(f"the data of order {report.order_id} changed since v{row.version}")

    def _version(self, row: ReportRecord) -> ReportVersion:
        return ReportVersion(
            order_id=row.order_id,
            version=row.version,
            sha256=row.sha256,
            path=self.store.path_for(row.sha256),
            created_at=row.created_at,
        )


def _canonical(data: dict[str, Any]) -> bytes:
    return json.dumps(data, sort_keys=True, ensure_ascii=False).encode()
