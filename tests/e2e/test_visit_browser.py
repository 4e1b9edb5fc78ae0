"""The customer's visit page in a phone-sized headless Chromium: the link from the booking SMS,
the window and progress, confirming, and asking for another day. Screenshots go to
`test-artifacts/visit/` so a person can look at them."""

from __future__ import annotations

import httpx
import pytest

from hub.bootstrap import Hub
from tests import factories
from tests.e2e.phone import ARTIFACTS_ROOT, CHROMIUM, FLAGS, PHONE, artifacts
from tests.helpers import callers
from tests.integration.test_appointments_api import CONTACT, tomorrow_at, window
from tests.integration.test_visit_page import texted_token

pytestmark = pytest.mark.e2e
playwright_api = pytest.importorskip("playwright.async_api")

ARTIFACTS = ARTIFACTS_ROOT / "visit"
ORDERS = "/api/v1/work-orders"


@pytest.fixture(autouse=True)
def browser_and_artifacts() -> None:
    artifacts("visit")


async def test_a_customer_confirms_and_asks_for_another_day_from_a_phone(
    server: str, hub: Hub
) -> None:
    async with httpx.AsyncClient(base_url=server, auth=callers(hub), timeout=30) as staff:
        order = factories.create_order("WO-VB-1").model_dump(mode="json")
        assert (await staff.post(ORDERS, json=order)).status_code == 202
        body = {**window(tomorrow_at(14)), "contact": CONTACT, "call_id": "CALL-VB-1"}
        assert (await staff.post(f"{ORDERS}/WO-VB-1/appointment", json=body)).status_code == 200
        dispatch = factories.dispatch("WO-VB-1").model_dump(mode="json") | {
            "appointment_start": tomorrow_at(14).isoformat(),
            "appointment_end": tomorrow_at(16).isoformat(),
        }
        assert (await staff.post(f"{ORDERS}/WO-VB-1/dispatch", json=dispatch)).status_code == 200
        accepted = await staff.post("/api/v1/technicians/T001/orders/WO-VB-1/accept")
        assert accepted.status_code == 200
    token = await texted_token(hub, "WO-VB-1")

    async with playwright_api.async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
        context = await browser.new_context(**PHONE)
        page = await context.new_page()
        errors: list[str] = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.on(
            "response", lambda r: errors.append(f"{r.status} {r.url}") if r.status >= 400 else None
        )

        response = await page.goto(f"{server}/v/{token}")
        assert response is not None and response.status == 200
        await page.screenshot(path=ARTIFACTS / "01-visit.png", full_page=True)
        text = await page.inner_text("body")
        assert f"{tomorrow_at(14):%Y-%m-%d} 14:00–16:00" in text
        assert "装维人员已接单" in text and "王强" in text
        reached = await page.locator(".steps li.reached").count()
        assert reached == 2  # booked, accepted
        assert await page.evaluate("document.documentElement.scrollWidth") <= 390  # fits

        await page.click("text=时间合适，确认预约")
        await page.wait_for_selector("text=已确认，谢谢！")
        await page.screenshot(path=ARTIFACTS / "02-confirmed.png", full_page=True)
        assert await page.locator(".steps li.reached").count() == 3  # time confirmed

        day = f"{tomorrow_at(9, days=3):%Y-%m-%d}"
        await page.fill("#day", day)
        await page.select_option("#part", "afternoon")
        await page.select_option("#reason", "equipment_room_access")
        await page.fill("#reason_text", "物业周末不开放机房")
        await page.click("text=提交改约申请")
        await page.wait_for_selector("text=已收到您的改约申请")
        await page.screenshot(path=ARTIFACTS / "03-requested.png", full_page=True)
        assert f"您已申请改约至 {day} 14:00–17:00，待调度处理。" in await page.inner_text("body")

        await page.goto(f"{server}/v/{token}?lang=en")
        await page.screenshot(path=ARTIFACTS / "04-english.png", full_page=True)
        assert "Your installation visit" in await page.inner_text("body")
        assert errors == []
        await browser.close()

    async with httpx.AsyncClient(base_url=server, auth=callers(hub), timeout=30) as staff:
        log = (await staff.get(f"{ORDERS}/WO-VB-1")).json()["flow_log"]
    assert [e["step"] for e in log][-2:] == ["customer_confirmed", "reschedule_requested"]
