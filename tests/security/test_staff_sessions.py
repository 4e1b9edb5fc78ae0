"""Staff in a browser: sign in once with a token, then /ops and /docs open; the session is a
sealed cookie that never authorises a change and ends when the token is revoked."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import httpx
import pytest

from hub.bootstrap import Hub, bootstrap
from hub.config import Settings
from hub.identity.issue import issue_token
from hub.identity.roles import Role
from tests.helpers import web_app

pytestmark = pytest.mark.security
HTML = {"Accept": "text/html"}


@pytest.fixture
async def unstarted(settings: Settings) -> AsyncIterator[Hub]:
    hub = bootstrap(settings, consumers=False)
    yield hub
    await hub.aclose()


@pytest.fixture
async def browser(unstarted: Hub) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=web_app(unstarted))
    async with httpx.AsyncClient(transport=transport, base_url="http://hub") as http:
        yield http


async def test_a_browser_is_sent_to_sign_in_and_back(
    unstarted: Hub, browser: httpx.AsyncClient
) -> None:
    token = await issue_token(unstarted.users, "olga", Role.OPS)

    first = await browser.get("/ops", headers=HTML)
    assert first.status_code == 303 and first.headers["location"] == "/login?next=/ops"
    form = await browser.get("/login?next=/ops")
    assert form.status_code == 200 and 'name="token"' in form.text
    signed = await browser.post("/login", data={"token": token, "next": "/ops"})
    assert signed.status_code == 303 and signed.headers["location"] == "/ops"
    cookie = signed.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie.replace("Strict", "strict")
    assert token not in cookie  # sealed, not the token in clear

    ops = await browser.get("/ops", headers=HTML)
    docs = await browser.get("/docs", headers=HTML)
    assert ops.status_code == 200 and "<html" in ops.text.lower()
    assert docs.status_code == 200


async def test_a_session_cookie_never_authorises_a_change(
    unstarted: Hub, browser: httpx.AsyncClient
) -> None:
    token = await issue_token(unstarted.users, "dora", Role.DISPATCHER)
    await browser.post("/login", data={"token": token, "next": "/"})
    from tests import factories

    body = factories.create_order("WO-CSRF-1").model_dump(mode="json")
    answer = await browser.post("/api/v1/work-orders", json=body)
    assert answer.status_code == 401
    async with unstarted.uow.read() as uow:
        assert await uow.orders.find("WO-CSRF-1") is None


async def test_revoking_the_token_ends_its_sessions(
    unstarted: Hub, browser: httpx.AsyncClient
) -> None:
    token = await issue_token(unstarted.users, "otto", Role.OPS)
    await browser.post("/login", data={"token": token, "next": "/"})
    assert (await browser.get("/ops/summary.json")).status_code == 200
    await unstarted.users.revoke("otto", at=datetime.now(UTC))
    after = await browser.get("/ops/summary.json")
    assert after.status_code == 401 and "token revoked" in after.json()["detail"]


async def test_a_bad_token_a_forged_cookie_and_a_foreign_redirect_are_refused(
    unstarted: Hub, browser: httpx.AsyncClient
) -> None:
    refused = await browser.post("/login", data={"token": "hub_" + "x" * 43, "next": "/ops"})
    assert refused.status_code == 401 and "not accepted" in refused.text
    assert "set-cookie" not in refused.headers

    browser.cookies.set("hub_staff", "v1.forged")
    forged = await browser.get("/ops/summary.json")
    assert forged.status_code == 401

    token = await issue_token(unstarted.users, "oleg", Role.OPS)
    away = await browser.post("/login", data={"token": token, "next": "//evil.example/x"})
    assert away.status_code == 303 and away.headers["location"] == "/"
    cross = await browser.post(
        "/login",
        data={"token": token, "next": "/ops"},
        headers={"Origin": "https://evil.example"},
    )
    assert cross.status_code == 403


async def test_signing_out_clears_the_session(unstarted: Hub, browser: httpx.AsyncClient) -> None:
    token = await issue_token(unstarted.users, "oona", Role.OPS)
    await browser.post("/login", data={"token": token, "next": "/"})
    out = await browser.post("/logout")
    assert out.status_code == 303
    assert (await browser.get("/ops/summary.json")).status_code == 401
