"""The page an exception SMS links to, in a real browser: a supervisor signs in and reads the
report, the technician's own words shown as text (never as markup)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from hub.identity.roles import Role
from tests import factories
from tests.e2e.test_docs_browser import CHROMIUM, open_page
from tests.web_process import WebProcess

pytestmark = pytest.mark.e2e
pytest.importorskip("playwright.async_api")

TECH = "/api/v1/technicians/T001/orders"
ON_SITE = {"position": {"lat": factories.SITE.lat, "lon": factories.SITE.lon}}
DUTY = {"responsible": {"role": "dispatcher", "name": "周调度", "phone": "+8613900139001"}}


@pytest.fixture
def web(unused_tcp_port: int, tmp_path: Path) -> Iterator[WebProcess]:
    if not CHROMIUM.exists():
        pytest.fail("Chromium is missing: run scripts/setup.sh (Debian package chromium)")
    with WebProcess(unused_tcp_port, tmp_path) as process:
        yield process


async def test_a_supervisor_reads_the_exception_report_the_sms_links_to(web: WebProcess) -> None:
    callers = web.callers()
    async with httpx.AsyncClient(base_url=web.url, auth=callers, timeout=30) as api:
        order = factories.create_order("WO-EXC-PAGE").model_dump(mode="json")
        assert (await api.post("/api/v1/work-orders", json=order)).status_code == 202
        dispatch = factories.dispatch("WO-EXC-PAGE").model_dump(mode="json")
        assert (
            await api.post("/api/v1/work-orders/WO-EXC-PAGE/dispatch", json=dispatch)
        ).status_code == 200
        assert (await api.post(f"{TECH}/WO-EXC-PAGE/check-in", json=ON_SITE)).status_code == 200
        assert (await api.put("/api/v1/exception-directory/*/*", json=DUTY)).status_code == 200
        reported = await api.post(
            f"{TECH}/WO-EXC-PAGE/exceptions",
            json={
                "type": "access_denied",
                "description": "物业不让进弱电间 <script>alert(1)</script>\n明早再来",
                "photos": [],
            },
        )
        assert reported.status_code == 201, reported.text
    report_id = reported.json()["report_id"]

    token = await callers.token_for(Role.SUPERVISOR)
    seen = await open_page(
        f"{web.url}/exceptions/{report_id}", "exception.png", "p.description", token=token
    )
    assert seen["status"] == 200
    assert "WO-EXC-PAGE" in seen["text"] and "物业不让进弱电间 <script>" in seen["text"]
    assert "周调度" in seen["text"] and "待处理" in seen["text"]
    assert seen["violations"] == [] and seen["errors"] == [] and seen["outside"] == []
