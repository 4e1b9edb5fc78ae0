"""Helpers for delivery tests: orders on site with tests, PDFs read back, a quiet hub."""

from __future__ import annotations

import io
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from pypdf import PdfReader

from hub.bootstrap import Hub, bootstrap
from hub.config import Settings
from hub.db.engine import Database
from hub.db.migrate import upgrade
from schemas.v1 import CreateWorkOrder
from tests import delivery_factories as df
from tests import factories
from tests.fakes.standin_oracles import close_standins
from tests.helpers import run


@asynccontextmanager
async def quiet_hub(tmp_path: Path, **settings: Any) -> AsyncIterator[Hub]:
    """A hub on SQLite that never connects to the broker: handlers, reports, no consumers."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'hub.sqlite3'}"
    db = Database(url)
    await upgrade(db)
    await db.dispose()
    options: dict[str, Any] = {"report_workers": 1, **settings}
    hub = bootstrap(
        Settings(database_url=url, data_dir=tmp_path, queue_prefix="quiet.", **options),
        consumers=False,
        renders=True,  # the handlers it runs render, as a worker's do
    )
    try:
        yield hub
    finally:
        await hub.reports.close()
        await close_standins(
            hub.work_order_system, hub.inventory, hub.billing, hub.sms_sender, hub.mailer
        )
        await hub.db.dispose()


async def checked_in(hub: Hub, order_id: str, order: CreateWorkOrder | None = None) -> None:
    """Open, dispatch and check in an order through the same handlers as the consumers."""
    await run(hub, order or factories.create_order(order_id))
    await run(hub, factories.dispatch(order_id))
    await run(hub, factories.check_in(order_id))


async def record_passing_tests(hub: Hub, order_id: str, bandwidth_mbps: int, **kwargs: Any) -> None:
    """Record a passing ping and speed test."""
    for cmd in (df.ping(order_id, **kwargs), df.speed(order_id, bandwidth_mbps, **kwargs)):
        await hub.commands.run(cmd, message_id=uuid.uuid4().hex)


def pdf_text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(pdf)).pages)


def pdf_fonts(pdf: bytes) -> set[str]:
    """The base names of every font the PDF's pages use."""
    names: set[str] = set()
    for page in PdfReader(io.BytesIO(pdf)).pages:
        fonts = page.get("/Resources", {}).get("/Font", {})
        for ref in fonts.values():
            names.add(str(ref.get_object().get("/BaseFont")))
    return names


def page_count(pdf: bytes) -> int:
    return len(PdfReader(io.BytesIO(pdf)).pages)


async def fake_signed_report(hub: Hub, order_id: str) -> tuple[int, str]:
    """Record report v1 and store a stand-in signed PDF, without rendering (for flow tests)."""
    from datetime import UTC, datetime

    from hub.ports import ReportRecord

    plain_sha, _ = await hub.reports.store.put(f"%PDF-1.7 report {order_id}".encode())
    async with hub.uow() as uow:
        await uow.reports.add(
            ReportRecord(
                order_id=order_id,
                version=1,
                data_hash="0" * 64,
                sha256=plain_sha,
                lang="zh",
                data={},
                size_bytes=1,
                created_at=datetime.now(UTC),
            )
        )
        await uow.commit()
    signed_sha, _ = await hub.reports.store.put(f"%PDF-1.7 signed {order_id}".encode())
    return 1, signed_sha


async def publish_report_signed(
    hub: Hub, order_id: str, version: int, sha256: str, *, message_id: str | None = None
) -> None:
    """Publish `ReportSigned` through the outbox, as the signing pages do."""
    from hub.messaging.ids import stable_id

    async with hub.uow() as uow:
        await uow.outbox.add(
            df.report_signed(order_id, version, sha256),
            correlation_id=order_id,
            message_id=message_id or stable_id("report-signed", order_id, version),
        )
        await uow.commit()
