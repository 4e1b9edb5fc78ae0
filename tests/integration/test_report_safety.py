"""S5: hostile text in report data is shown, never run or fetched; renders are bounded in time."""

from __future__ import annotations

import asyncio
import base64
import io
import re
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import insert

from hub.bootstrap import Hub
from hub.db.tables import test_results
from hub.errors import ReportRenderFailed
from hub.reports.pool import RenderPool
from schemas.v1 import AccountManager, Contact, Coordinates, CreateWorkOrder, InstallAddress
from tests import delivery_factories as df
from tests.delivery_support import checked_in, pdf_text, quiet_hub, record_passing_tests

pytestmark = pytest.mark.integration

RENDER_LIMIT_S = 20.0


class HitCounter:
    """A TCP listener that counts connections: any fetch by the renderer would land here."""

    def __init__(self) -> None:
        self.hits = 0
        self.port = 0
        self._server: asyncio.Server | None = None

    async def __aenter__(self) -> HitCounter:
        async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            self.hits += 1
            writer.write(b"HTTP/1.0 302 Found\r\nLocation: http://127.0.0.1:15672/\r\n\r\n")
            await writer.drain()
            writer.close()

        self._server = await asyncio.start_server(handle, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.close()
        await self._server.wait_closed()


@pytest.fixture
async def hub(tmp_path: Path) -> AsyncIterator[Hub]:
    async with quiet_hub(tmp_path) as the_hub:
        yield the_hub


@pytest.fixture
async def listener() -> AsyncIterator[HitCounter]:
    async with HitCounter() as counter:
        yield counter


def payloads(port: int) -> list[str]:
    return [
        "<script>alert(1)</script>",
        "<img src=x onerror=alert(1)>",
        "{{7*7}}",
        "{% raw %}",
        "<link rel=attachment href=file:///etc/passwd>",
        "<img src=file:///dev/urandom>",
        "<img src=http://169.254.169.254/>",
        "<img src=http://127.0.0.1:15672/>",
        f"<style>@import url(http://127.0.0.1:{port}/x.css);</style>",
        f"<img src=http://127.0.0.1:{port}/redirect-to-localhost>",
    ]


def hostile_order(order_id: str, port: int) -> CreateWorkOrder:
    p = payloads(port)
    return CreateWorkOrder(
        order_id=order_id,
        customer_name=f"ACME {p[0]} {p[2]}",
        contact=Contact(name=f"{p[3]} {p[4]}", phone="+8613800138000"),
        product="数据专线",
        bandwidth_mbps=100,
        install_address=InstallAddress(
            text=f"{p[1]} {p[5]}", coordinates=Coordinates(lat=31.2304, lon=121.4737)
        ),
        account_manager=AccountManager(name=f"</td></tr></table><h1>forged</h1> {p[6]}"),
    )


def squash(text: str) -> str:
    """Text without whitespace: PDF extraction breaks long lines wherever they wrapped."""
    return re.sub(r"\s+", "", text)


async def test_payloads_in_every_text_field_appear_literally_and_fetch_nothing(
    hub: Hub, listener: HitCounter
) -> None:
    order = hostile_order("WO-S5-1", listener.port)
    await checked_in(hub, order.order_id, order)
    p = payloads(listener.port)
    notes = (" ".join(p[7:]), " ".join(p[:4]))
    await hub.commands.run(df.ping(order.order_id, note=notes[0]), message_id="s5-p")
    await hub.commands.run(df.speed(order.order_id, 100, note=notes[1]), message_id="s5-s")
    hub.reports.fetch_ledger.clear()

    started = time.monotonic()
    report = await hub.reports.render_if_changed(order.order_id)
    elapsed = time.monotonic() - started

    pdf = report.path.read_bytes()
    text = squash(pdf_text(pdf))
    for payload in p:
        assert squash(payload) in text, payload
    assert "forged" in text and "<h1>forged</h1>" in text  # shown as text, not a heading
    outside = [f for f in hub.reports.fetch_ledger if not f.url.startswith(("data:", "asset:"))]
    assert outside == []
    assert all(f.allowed for f in hub.reports.fetch_ledger)
    assert {f.url for f in hub.reports.fetch_ledger} == {"asset:logo.svg"}  # CSS: parsed once
    assert b"/EmbeddedFiles" not in pdf
    assert listener.hits == 0
    assert elapsed < RENDER_LIMIT_S


async def test_hostile_markup_reaching_the_renderer_is_refused_by_its_fetcher(
    hub: Hub, listener: HitCounter
) -> None:
    """Even raw HTML (bypassing the template) cannot make WeasyPrint fetch or embed anything."""
    url = f"http://127.0.0.1:{listener.port}"
    html = f"""<html><head>
    <link rel="stylesheet" href="{url}/a.css">
    <link rel="attachment" href="file:///etc/passwd">
    <style>@import url({url}/b.css);
      @font-face {{ font-family: x; src: url({url}/f.woff); }}
      @font-face {{ font-family: y; src: url(data:font/woff2;base64,d09GMgABAAAA); }}</style>
    </head><body>
    <p>hostile</p>
    <img src="file:///dev/urandom"><img src="file:///etc/passwd">
    <img src="http://169.254.169.254/latest/meta-data/"><img src="http://127.0.0.1:15672/">
    <img src="{url}/redirect-to-localhost"><img src="ftp://127.0.0.1/x.png">
    <img src="asset:../../../../etc/passwd"><a rel="attachment" href="file:///etc/hostname">a</a>
    </body></html>"""
    result = await hub.reports.pool.render(html)
    refused = {f.url for f in result.fetches if not f.allowed}
    assert [f for f in result.fetches if f.allowed] == []
    assert f"{url}/a.css" in refused
    assert "file:///etc/passwd" in refused
    assert "file:///dev/urandom" in refused
    assert "http://169.254.169.254/latest/meta-data/" in refused
    assert "asset:../../../../etc/passwd" in refused
    assert "data:font/woff2;base64" in refused  # a font would stay in the worker's font set-up
    assert listener.hits == 0
    assert b"/EmbeddedFiles" not in result.pdf
    assert "root:" not in pdf_text(result.pdf)


async def test_a_five_megabyte_note_is_clipped_and_the_render_stays_bounded(hub: Hub) -> None:
    await checked_in(hub, "WO-S5-2")
    await record_passing_tests(hub, "WO-S5-2", 100)
    huge = "长备注" + "x" * (5 * 1024 * 1024)
    async with hub.uow() as uow:  # as if stored by an older version without the length limit
        await uow._conn.execute(  # type: ignore[union-attr]
            insert(test_results).values(
                order_id="WO-S5-2",
                test_id="legacy-huge",
                kind="ping",
                seq=99,
                technician_id="T001",
                measured_at=datetime.now(UTC),
                measurement=df.GOOD_PING.model_dump(mode="json"),
                thresholds={
                    "min_down_mbps": 90,
                    "min_up_mbps": 90,
                    "max_jitter_ms": 30,
                    "max_loss_pct": 1,
                    "max_rtt_avg_ms": 50,
                },
                passed=True,
                failed_checks=[],
                screenshots=[],
                note=huge,
                recorded_at=datetime.now(UTC),
            )
        )
        await uow.commit()
    started = time.monotonic()
    report = await hub.reports.render_if_changed("WO-S5-2")
    assert time.monotonic() - started < RENDER_LIMIT_S
    pdf = report.path.read_bytes()
    assert len(pdf) < 2_000_000
    text = squash(pdf_text(pdf))
    assert "长备注" + "x" * 1997 + "…" in text  # clipped to 2,000 characters


async def test_a_render_past_its_time_limit_is_killed_and_the_pool_recovers() -> None:
    pool = RenderPool(workers=1, timeout_s=0.5, memory_mb=2048)
    try:
        await pool.start()
        rows = "".join(f"<tr><td>{i}</td><td>{'数据' * 20}</td></tr>" for i in range(20_000))
        started = time.monotonic()
        with pytest.raises(ReportRenderFailed, match=r"exceeded 0\.5 s"):
            await pool.render(f"<table>{rows}</table>")
        assert time.monotonic() - started < 5
        assert pool.killed == 1
        pool.timeout_s = RENDER_LIMIT_S
        result = await pool.render("<p>still rendering 仍可渲染</p>")
        assert result.pdf.startswith(b"%PDF")
    finally:
        await pool.close()


async def test_a_render_over_the_memory_limit_fails_and_the_worker_keeps_serving() -> None:
    """A 12,000 × 12,000 picture (a small PNG, 576 MB decoded) against a 512 MB limit."""
    buffer = io.BytesIO()
    Image.new("RGB", (12_000, 12_000), (200, 10, 10)).save(buffer, format="PNG")
    src = "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()
    pool = RenderPool(workers=1, timeout_s=RENDER_LIMIT_S, memory_mb=512)
    started = time.monotonic()
    try:
        with pytest.raises(ReportRenderFailed, match="MemoryError"):
            await pool.render(f'<img style="width: 10cm" src="{src}">')
        assert time.monotonic() - started < RENDER_LIMIT_S
        assert (await pool.render("<p>next report</p>")).pdf.startswith(b"%PDF")
    finally:
        await pool.close()
