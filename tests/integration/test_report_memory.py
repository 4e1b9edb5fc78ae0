"""Issue 11: a render worker stays within HUB_REPORT_WORKER_MAX_RSS_MB (300 MB), even for the
largest report the hub allows, and gives back what a render took before the next one."""

from __future__ import annotations

import io
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest
from PIL import Image, ImageDraw
from pypdf import PdfReader

from hub.bootstrap import Hub
from hub.config import Settings
from hub.handlers.screenshots import MAX_STORED_PIXELS
from hub.reports.content import MAX_PICTURES, gather
from hub.reports.html import build_html
from hub.reports.pool import MAX_RSS_MB, RenderPool
from schemas.v1 import RecordPingResult, RecordSpeedTest
from tests import delivery_factories as df
from tests import factories
from tests.delivery_support import checked_in, pdf_fonts, quiet_hub, record_passing_tests

pytestmark = pytest.mark.integration

ORDER = "WO-MEM-LARGEST"
RESULTS = Settings.model_fields["results_per_order"].default  # what a hub accepts per order
NOTE = ("机房位于地下一层，光纤经弱电井引入，客户网管在场确认。Optical power -18.2 dBm. " * 10)[
    :500
]
SCREENSHOTS_PER_RESULT = 6  # the most a result may reference (schemas.v1.delivery)
AFTER_RELEASE_MB = 225  # a small report after the largest: ~195 MB measured, ~245 without release


def _picture(number: int) -> bytes:
    """A phone screenshot at the most pixels the hub stores, with transparency (RGBA)."""
    width = 3000
    image = Image.new("RGBA", (width, MAX_STORED_PIXELS // width), (246, 248, 251, 255))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, width, 400), fill=(11, 92, 173 - number, 255))
    for row in range(40):
        y = 480 + row * 86
        draw.rounded_rectangle((60, y, width - 60, y + 70), radius=20, fill=(255, 255, 255, 200))
        draw.text((100, y + 25), f"picture {number} row {row}: 9{row}.{number} ms", fill="black")
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


async def _largest_report_html(hub: Hub) -> str:
    """Every picture a report shows, every result an order takes, each with the longest note."""
    await checked_in(hub, ORDER)
    uploads = [
        await hub.screenshots.upload(ORDER, "T001", _picture(n)) for n in range(MAX_PICTURES)
    ]
    shas = [upload.sha256 for upload in uploads]
    bandwidth = factories.create_order(ORDER).bandwidth_mbps
    for number in range(RESULTS):
        start = number * SCREENSHOTS_PER_RESULT % len(shas)
        pictures = shas[start : start + SCREENSHOTS_PER_RESULT] if number < 2 else []
        command: RecordPingResult | RecordSpeedTest = (
            df.ping(ORDER, note=NOTE, screenshots=pictures)
            if number % 2 == 0
            else df.speed(ORDER, bandwidth, note=NOTE, screenshots=pictures)
        )
        await hub.commands.run(command, message_id=uuid.uuid4().hex)
    return await _html(hub, ORDER, pictures=MAX_PICTURES, results=RESULTS)


async def _small_report_html(hub: Hub) -> str:
    """The everyday report: one ping and one speed test."""
    await checked_in(hub, "WO-MEM-SMALL")
    await record_passing_tests(hub, "WO-MEM-SMALL", 100)
    return await _html(hub, "WO-MEM-SMALL", pictures=0, results=2)


async def _html(hub: Hub, order_id: str, *, pictures: int, results: int) -> str:
    """The report HTML the hub builds for the order as it stands."""
    async with hub.uow.read() as uow:
        data = await gather(uow, order_id, lang="zh", tz="Asia/Shanghai", radius_m=500.0)
    assert len(data["pictures"]) == pictures
    assert len(data["ping"]) + len(data["speed"]) == results
    files = {p["sha256"]: await hub.reports.pictures.read(p["sha256"]) for p in data["pictures"]}
    return build_html(data, version=1, generated_at=datetime.now(UTC), pictures=files)


def _images(pdf: bytes) -> int:
    return sum(len(page.images) for page in PdfReader(io.BytesIO(pdf)).pages)


async def test_the_largest_allowed_report_renders_within_the_worker_memory_limit(
    tmp_path: Path,
) -> None:
    async with quiet_hub(tmp_path) as hub:
        largest, small = await _largest_report_html(hub), await _small_report_html(hub)
        pool = hub.reports.pool
        run = [await pool.render(html) for html in (small, small, largest, small, largest, small)]
        retired = pool.retired
    peaks = [result.peak_rss_mb for result in run]
    print(f"worker peak per render (small, small, largest, small, largest, small): {peaks} MB")
    assert max(peaks) <= MAX_RSS_MB, peaks
    assert retired == 0
    assert peaks[-1] <= AFTER_RELEASE_MB, f"the worker kept what the largest report took: {peaks}"
    assert _images(run[2].pdf) >= MAX_PICTURES
    assert any("Hub-Report-Sans" in name for name in pdf_fonts(run[2].pdf))


async def test_a_worker_that_went_past_its_limit_is_replaced_and_rendering_goes_on() -> None:
    pool = RenderPool(workers=1, timeout_s=20.0, memory_mb=2048, max_rss_mb=64)
    try:
        first = await pool.render("<p>交付报告: any CJK render takes more than 64 MB</p>")
        second = await pool.render("<p>下一份报告 the next one</p>")
    finally:
        await pool.close()
    assert first.peak_rss_mb > 64
    assert pool.retired == 2
    assert second.pdf.startswith(b"%PDF")
