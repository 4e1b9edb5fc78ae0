"""The stand-ins' REST APIs live on their own loopback port, never on the hub's public web app."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage

import httpx
import pytest
from pydantic import AnyHttpUrl, SecretStr

from adapters.email.local_mailbox import LocalMailbox
from adapters.sms.local_platform import LocalSmsPlatform
from adapters.standin_app import standin_app
from hub.bootstrap import Hub, bootstrap
from hub.cli.standin_server import (
    StandinHostRefused,
    is_loopback,
    listen_standins,
    serve_standins,
    standin_app_for,
)
from hub.cli.web_app import build_web_app
from hub.config import EmailMode, Settings, SmsProvider
from tests.fakes.standin_oracles import close_standins
from tests.helpers import callers

pytestmark = pytest.mark.integration

CUSTOMER, OTHER = "+8613912345678", "+8613800138000"


@pytest.fixture
async def quiet(settings: Settings) -> AsyncIterator[Hub]:
    """A hub with every stand-in embedded, not started (no broker needed)."""
    hub = bootstrap(settings.model_copy(update={"inventory_seed": False}), consumers=False)
    yield hub
    await close_standins(
        hub.work_order_system, hub.inventory, hub.billing, hub.sms_sender, hub.mailer
    )
    await hub.db.dispose()


async def test_the_public_app_answers_404_under_standin_while_the_standin_port_serves_it(
    quiet: Hub,
) -> None:
    await quiet.work_order_system.upsert_order("WO-APP-1", status="created", payload={})
    public = httpx.ASGITransport(app=build_web_app(quiet, manage_lifecycle=False))
    app = standin_app_for(quiet)
    assert app is not None
    async with (
        httpx.AsyncClient(transport=public, base_url="http://hub", auth=callers(quiet)) as hub_web,
        serve_standins(app, listen_standins(0)) as url,
        httpx.AsyncClient(base_url=url or "") as standins,
    ):
        assert url is not None and url.startswith("http://127.0.0.1:")
        for path in (
            "/standin/support/api/v1/orders/WO-APP-1",
            "/standin/inventory/api/v1/cables/C001/fibers",
            "/standin/billing/api/v1/billing/starts",
            f"/standin/sms/messages?to={CUSTOMER}",
            "/standin/support/_faults",
        ):
            assert (await hub_web.get(path)).status_code == 404, path
        faults = await hub_web.put("/standin/support/_faults", json={"unavailable": True})
        assert faults.status_code in (404, 405)
        order = await standins.get("/standin/support/api/v1/orders/WO-APP-1")
        assert order.status_code == 200 and order.json()["status"] == "created"
        assert (await standins.get("/standin/billing/api/v1/billing/starts")).status_code == 200
        index = (await standins.get("/")).json()["standins"]
    assert set(index.values()) == {
        "/standin/support",
        "/standin/inventory",
        "/standin/billing",
        "/standin/sms",
        "/standin/mail",
    }


def test_the_standin_server_refuses_to_listen_beyond_loopback() -> None:
    for host in ("0.0.0.0", "::", "192.0.2.10", "hub.example.com"):
        with pytest.raises(StandinHostRefused, match="loopback"):
            listen_standins(0, host=host)
    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("localhost")


async def test_serving_refuses_a_socket_bound_to_every_interface(quiet: Hub) -> None:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("0.0.0.0", 0))
    try:
        with pytest.raises(StandinHostRefused, match="not loopback"):
            async with serve_standins(standin_app_for(quiet), sock):
                pass
    finally:
        sock.close()


async def test_a_hub_with_only_real_systems_serves_no_standins(settings: Settings) -> None:
    real = {
        "support_system_url": AnyHttpUrl("http://support.invalid"),
        "inventory_url": AnyHttpUrl("http://inventory.invalid"),
        "billing_url": AnyHttpUrl("http://billing.invalid"),
        "email_mode": EmailMode.SMTP,
    }
    only_sms = bootstrap(settings.model_copy(update=real), consumers=False)
    twilio = {
        "sms_provider": SmsProvider.TWILIO,
        "twilio_account_sid": "AC" + "0" * 32,
        "twilio_auth_token": SecretStr("token"),
        "twilio_from_number": "+15005550006",
    }
    none = bootstrap(settings.model_copy(update={**real, **twilio}), consumers=False)
    try:
        app = standin_app_for(only_sms)
        assert app is not None and set(app.state.mounted.values()) == {"/standin/sms"}
        assert standin_app_for(none) is None
    finally:
        await only_sms.aclose()
        await none.aclose()


async def test_the_sms_platform_api_returns_the_texts_delivered_to_a_number(quiet: Hub) -> None:
    platform = quiet.sms_sender
    assert isinstance(platform, LocalSmsPlatform)
    before = datetime.now(UTC)
    await platform.send(sms_id="link:1", to=CUSTOMER, body="签署链接 1")
    await platform.send(sms_id="other:1", to=OTHER, body="别人的短信")
    await platform.send(sms_id="code:1", to=CUSTOMER, body="验证码 123456")
    transport = httpx.ASGITransport(app=standin_app(sms=platform))
    async with httpx.AsyncClient(transport=transport, base_url="http://standins") as client:
        mine = (await client.get("/standin/sms/messages", params={"to": CUSTOMER})).json()
        later = (
            await client.get(
                "/standin/sms/messages",
                params={"to": CUSTOMER, "since": (before + timedelta(hours=1)).isoformat()},
            )
        ).json()
        after_first = (
            await client.get(
                "/standin/sms/messages",
                params={"to": CUSTOMER, "after": mine["texts"][0]["number"]},
            )
        ).json()
        bad_number = await client.get("/standin/sms/messages", params={"to": "13912345678"})
        naive = await client.get(
            "/standin/sms/messages", params={"to": CUSTOMER, "since": "2026-01-01T00:00:00"}
        )
    assert [(t["body"], t["to"], t["reference"]) for t in mine["texts"]] == [
        ("签署链接 1", CUSTOMER, "link:1"),
        ("验证码 123456", CUSTOMER, "code:1"),
    ]
    assert later["texts"] == []
    assert [t["body"] for t in after_first["texts"]] == ["验证码 123456"]
    assert bad_number.status_code == 422 and naive.status_code == 422


async def test_the_mailbox_api_lists_what_an_address_received(quiet: Hub) -> None:
    mailbox = quiet.mailer
    assert isinstance(mailbox, LocalMailbox)
    message = EmailMessage()
    message["To"], message["Subject"], message["Message-ID"] = (
        "li.na@example.com",
        "交付报告",
        "<m1@hub>",
    )
    message.set_content("见附件")
    message.add_attachment(b"%PDF-1.7", maintype="application", subtype="pdf", filename="r.pdf")
    await mailbox.send(message, email_id="email:1")
    transport = httpx.ASGITransport(app=standin_app(mailbox=mailbox))
    async with httpx.AsyncClient(transport=transport, base_url="http://standins") as client:
        got = (
            await client.get("/standin/mail/messages", params={"to": "li.na@example.com"})
        ).json()
        none = (await client.get("/standin/mail/messages", params={"to": "x@example.com"})).json()
    [mail] = got["messages"]
    assert (mail["message_id"], mail["subject"]) == ("<m1@hub>", "交付报告")
    assert mail["attachment_sha256"] is not None and none["messages"] == []
