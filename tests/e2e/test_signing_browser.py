"""A customer signs from a phone-sized headless Chromium: SMS link → code → report → signature
→ "being prepared" (the worker renders the signed PDF; the page refreshes itself) → downloads.

Runs the whole hub (broker, relay, SMS consumer, close-out and billing) behind uvicorn; the code
is read from the SMS log as the customer's phone would show it. Screenshots of every page go
to `test-artifacts/signing/` so a person can look at them.
"""

from __future__ import annotations

import asyncio
import io
import re
import time
from typing import Any

import httpx
import pytest
from pypdf import PdfReader
from sqlalchemy import select

from hub.bootstrap import Hub
from hub.db.tables import work_orders
from tests import delivery_factories as df
from tests import factories
from tests.e2e.phone import ARTIFACTS_ROOT, CHROMIUM, FLAGS, PHONE, artifacts
from tests.helpers import callers, eventually
from tests.integration.signing_support import (
    CODE,
    TECH,
    order_on_site,
    report_signed_events,
    send_link,
    signature_count,
    sms_log_bodies,
)

pytestmark = pytest.mark.e2e
playwright_api = pytest.importorskip("playwright.async_api")

ARTIFACTS = ARTIFACTS_ROOT / "signing"


@pytest.fixture(autouse=True)
def browser_and_artifacts() -> None:
    artifacts("signing")


async def texted(hub: Hub, prefix: str, count: int = 1) -> str:
    """The newest SMS the customer's phone got for this id prefix."""

    async def arrived() -> bool:
        return len(await sms_log_bodies(hub, prefix)) >= count

    await eventually(arrived, timeout=30)
    return (await sms_log_bodies(hub, prefix))[-1]


SCREENSHOT = df.screenshot_png("speed", color=(23, 128, 61))


async def record_passing_tests(api: httpx.AsyncClient, order_id: str) -> None:
    """What the technician's one-click tests post: a ping, and a speed test with its screenshot."""
    shot = await api.post(
        f"{TECH}/{order_id}/screenshots", files={"file": ("speed.png", SCREENSHOT, "image/png")}
    )
    assert shot.status_code == 201, shot.text
    shots = [shot.json()["sha256"]]
    bandwidth = factories.create_order(order_id).bandwidth_mbps
    bodies = {
        "ping": {"ping": df.GOOD_PING.model_dump(mode="json")},
        "speed": df.speed(order_id, bandwidth, screenshots=shots).model_dump(
            mode="json", include={"speed", "screenshots"}
        ),
    }
    for kind, body in bodies.items():
        answer = await api.post(f"{TECH}/{order_id}/tests/{kind}", json=body)
        assert answer.status_code == 201 and answer.json()["passed"] is True, answer.text


async def test_customer_signs_on_a_phone_sized_browser_and_downloads_the_signed_report(
    hub: Hub, server: str
) -> None:
    async with httpx.AsyncClient(base_url=server, timeout=60, auth=callers(hub)) as api:
        await order_on_site(api, "WO-E2E-1")
        await record_passing_tests(api, "WO-E2E-1")
        await send_link(api, "WO-E2E-1")
    sms = await texted(hub, "signing-link:WO-E2E-1:")
    link = re.search(re.escape(server) + r"/s/[A-Za-z0-9_-]{43}", sms)
    assert link, sms

    async with playwright_api.async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
        try:
            await _sign(hub, browser, link.group(0))
            await _come_back_and_download(hub, browser, link.group(0), server)
        finally:
            await browser.close()

    assert await signature_count(hub, "WO-E2E-1") == 1
    assert await report_signed_events(hub, "WO-E2E-1") == 1

    async def billed() -> bool:
        async with hub.db.read() as conn:
            row = (
                await conn.execute(
                    select(work_orders.c.status, work_orders.c.billing_reference).where(
                        work_orders.c.order_id == "WO-E2E-1"
                    )
                )
            ).one()
        return row.status == "archived" and row.billing_reference is not None

    await eventually(billed, timeout=60)


async def _images_loaded(page: Any, *, timeout_s: float = 30.0) -> None:
    """Wait until every image on the page has loaded.

    Not `wait_for_function`: Playwright (1.65) runs its predicate through `eval`, which the
    page's CSP (`script-src 'self'`) rightly refuses; a locator's `evaluate_all` is not.
    """
    images = page.locator("img")
    deadline = time.monotonic() + timeout_s
    while not await images.evaluate_all("imgs => imgs.every(i => i.complete)"):
        assert time.monotonic() < deadline, f"images not loaded within {timeout_s}s"
        await asyncio.sleep(0.1)


async def _sign(hub: Hub, browser: object, url: str) -> None:
    context = await browser.new_context(**PHONE)  # type: ignore[attr-defined]
    page = await context.new_page()
    await page.goto(url)
    await page.screenshot(path=ARTIFACTS / "01-link.png", full_page=True)
    assert await page.locator("text=获取短信验证码").count() == 1
    await page.click("button.primary")
    await page.wait_for_selector("#code")
    await page.screenshot(path=ARTIFACTS / "02-code.png", full_page=True)
    code = CODE.search(await texted(hub, "signing-code:"))
    assert code
    await page.fill("#code", code.group(1))
    await page.click("button.primary")
    await page.wait_for_selector("#pad")
    await _images_loaded(page)
    await page.screenshot(path=ARTIFACTS / "03-report.png", full_page=True)
    assert await page.locator("section.pages img").count() >= 1, "the report shown as pictures"

    await page.check("input[name=confirm]")
    await page.click("#sign-form button.primary")  # without signing: the page asks for one
    assert await page.locator("#pad-warning").is_visible()
    pad = page.locator("#pad")
    await pad.scroll_into_view_if_needed()
    box = await pad.bounding_box()
    assert box and box["width"] > 300
    await _draw(page, box)
    await page.locator("#sign-form").screenshot(path=ARTIFACTS / "04-signature-pad.png")
    started = time.monotonic()
    await page.click("#sign-form button.primary")
    await page.wait_for_selector("#preparing")  # the POST's answer: accepted, PDF rendering
    answered_s = time.monotonic() - started
    await page.screenshot(path=ARTIFACTS / "05-preparing.png", full_page=True)
    assert await page.locator("#download-signed").count() == 0
    assert "签名已收到" in await page.inner_text("h1")
    await page.wait_for_selector("#download-signed", timeout=60_000)  # the page refreshed itself
    await page.screenshot(path=ARTIFACTS / "06-signed.png", full_page=True)
    await context.close()
    assert answered_s < 5, f"the sign answer took {answered_s:.1f} s"


async def _draw(page: object, box: dict[str, float]) -> None:
    """A signature stroke by stroke: mouse input becomes pointer events on the canvas."""
    x, y, w, h = box["x"], box["y"], box["width"], box["height"]
    strokes = [
        [(0.10, 0.70), (0.18, 0.25), (0.26, 0.70), (0.34, 0.30)],
        [(0.40, 0.55), (0.55, 0.35), (0.62, 0.75), (0.75, 0.40), (0.90, 0.60)],
    ]
    mouse = page.mouse  # type: ignore[attr-defined]
    for stroke in strokes:
        await mouse.move(x + stroke[0][0] * w, y + stroke[0][1] * h)
        await mouse.down()
        for px, py in stroke[1:]:
            await mouse.move(x + px * w, y + py * h, steps=8)
        await mouse.up()


async def _come_back_and_download(hub: Hub, browser: object, url: str, server: str) -> None:
    """Days later, in a fresh browser: a new code, then the signed PDF."""
    context = await browser.new_context(**PHONE, accept_downloads=True)  # type: ignore[attr-defined]
    page = await context.new_page()
    await page.goto(url)
    await page.click("button.primary")
    await page.wait_for_selector("#code")
    code = CODE.search(await texted(hub, "signing-code:", 2))
    assert code
    await page.fill("#code", code.group(1))
    await page.click("button.primary")
    await page.wait_for_selector("#download-signed")
    await _images_loaded(page)
    await page.screenshot(path=ARTIFACTS / "07-reopened.png", full_page=True)
    async with page.expect_download() as picture_info:
        await page.click("ul.pictures a")
    picture = ARTIFACTS / "test-picture.png"
    await (await picture_info.value).save_as(picture)
    assert picture.read_bytes() == SCREENSHOT, "the test picture comes back as it was uploaded"
    await page.click("a.lang")  # English
    await page.wait_for_selector("text=Download the signed report (PDF)")
    await page.screenshot(path=ARTIFACTS / "08-reopened-en.png", full_page=True)
    async with page.expect_download() as info:
        await page.click("#download-signed")
    download = await info.value
    target = ARTIFACTS / "signed-report.pdf"
    await download.save_as(target)
    await context.close()
    pdf = target.read_bytes()
    assert pdf.startswith(b"%PDF")
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) >= 2  # the report and its audit page
    report_text = reader.pages[0].extract_text()
    assert "合格" in report_text and "不合格" not in report_text, report_text
    audit_text = reader.pages[-1].extract_text()
    assert "method: GET" in audit_text and "report_version: " in audit_text, audit_text
    async with httpx.AsyncClient(base_url=server, auth=callers(hub)) as api:
        check = (await api.post("/api/v1/signatures/verify", content=pdf)).json()
    assert check["valid"] is True and check["order_id"] == "WO-E2E-1"
