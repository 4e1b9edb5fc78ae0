"""`/docs` and `/` work in a real browser under their strict CSP, with no network but the hub.

Headless Chromium opens the pages served by a real uvicorn process; every console error and
CSP violation is collected. Screenshots go to `test-artifacts/docs/` for a person to look at.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from hub.identity.roles import Role
from tests.web_process import WebProcess

pytestmark = pytest.mark.e2e
playwright_api = pytest.importorskip("playwright.async_api")

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "docs"
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
WATCH_CSP = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__cspViolations.push(e.violatedDirective + " " + e.blockedURI);
});
"""


@pytest.fixture
def web(unused_tcp_port: int, tmp_path: Path) -> Iterator[WebProcess]:
    if not CHROMIUM.exists():
        pytest.fail("Chromium is missing: run scripts/setup.sh (Debian package chromium)")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with WebProcess(unused_tcp_port, tmp_path) as process:
        yield process


async def open_page(
    url: str, shot: str, wait_for: str, *, token: str | None = None
) -> dict[str, Any]:
    """Load `url`, wait for `wait_for`, screenshot it; what a person and the console saw.

    With `token`, the page first sends the browser to sign in: the token goes into the
    sign-in form (screenshot `login.png`) and the browser comes back to `url`."""
    async with playwright_api.async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
        page = await browser.new_page(viewport={"width": 1280, "height": 900})
        errors: list[str] = []
        outside: list[str] = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.on(
            "request",
            lambda r: (
                None
                if r.url.startswith((url.split("/", 3)[0] + "//", "data:"))
                else outside.append(r.url)
            ),
        )
        await page.add_init_script(WATCH_CSP)
        response = await page.goto(url)
        if token is not None:
            await page.wait_for_selector("#token", timeout=20_000)
            await page.screenshot(path=str(ARTIFACTS / "login.png"), full_page=True)
            await page.fill("#token", token)
            async with page.expect_navigation():
                await page.click("button[type=submit]")
            response = await page.goto(url)  # the page itself, for its status and headers
        await page.wait_for_selector(wait_for, timeout=20_000)
        await page.wait_for_timeout(500)  # late console errors and violations
        await page.screenshot(path=str(ARTIFACTS / shot), full_page=True)
        seen = {
            "status": response.status if response else None,
            "csp": (response.headers.get("content-security-policy") if response else None),
            "text": await page.inner_text("body"),
            "operations": await page.locator(".opblock").count(),
            "violations": await page.evaluate("window.__cspViolations"),
            "errors": errors,
            "outside": outside,
        }
        await browser.close()
        return seen


async def test_docs_shows_every_operation_under_a_strict_csp(web: WebProcess) -> None:
    token = await web.callers().token_for(Role.OPS)
    seen = await open_page(f"{web.url}/docs", "docs.png", ".opblock", token=token)
    assert seen["status"] == 200
    assert "script-src 'self'" in seen["csp"] and "unsafe-inline" not in seen["csp"]
    assert "Unable to render" not in seen["text"]
    assert seen["operations"] > 20, seen["operations"]
    assert "technician" in seen["text"] and "/api/v1/work-orders" in seen["text"]
    assert seen["violations"] == [] and seen["errors"] == [] and seen["outside"] == []


async def test_the_landing_page_names_the_hub_and_links_its_pages(web: WebProcess) -> None:
    seen = await open_page(f"{web.url}/", "landing.png", "a[href='/docs']")
    assert seen["status"] == 200
    assert "Delivery hub" in seen["text"] and "version" in seen["text"]
    for link in ("/ops", "/docs", "/login", "/healthz", "/readyz"):
        assert link in seen["text"]
    assert seen["violations"] == [] and seen["errors"] == [] and seen["outside"] == []


async def test_the_ops_page_opens_after_signing_in_in_the_browser(web: WebProcess) -> None:
    token = await web.callers().token_for(Role.OPS)
    seen = await open_page(f"{web.url}/ops", "ops.png", "h1", token=token)
    assert seen["status"] == 200
    assert "Sign in" not in seen["text"] and "outbox" in seen["text"].lower()
    assert seen["violations"] == [] and seen["errors"] == [] and seen["outside"] == []
