"""S6 (smaller): Twilio status callbacks are authenticated, idempotent and monotonic."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from pydantic import AnyHttpUrl, SecretStr
from sqlalchemy import select
from twilio.request_validator import RequestValidator

from adapters.sms.twilio_sender import TwilioSmsSender
from hub.bootstrap import Hub, bootstrap
from hub.bootstrap.web import web_services
from hub.config import Settings, SmsProvider
from hub.db.tables import sms_messages
from hub.handlers.sms import SmsService
from hub.web.twilio_webhook import twilio_webhook_router
from schemas.v1 import SendSms
from tests.fakes.fake_twilio import FakeTwilio

pytestmark = pytest.mark.integration

SID = "AC" + "d" * 32
TOKEN = "webhook-test-token"
PUBLIC = "https://hub.example.com"
TEXTS = 50


@dataclass
class Env:
    hub: Hub
    fake: FakeTwilio
    client: httpx.AsyncClient
    sids: list[str]


def webhook_app() -> FastAPI:
    app = FastAPI()
    app.include_router(twilio_webhook_router())
    return app


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    """Database-only settings: the webhook needs no broker, so no vhost is made for it."""
    return Settings(database_url=database_url, data_dir=tmp_path, http_timeout_s=2)


@pytest.fixture
async def env(settings: Settings) -> AsyncIterator[Env]:
    """A hub (database only) behind the webhook app, and TEXTS texts sent through the fake."""
    app = webhook_app()
    transport = httpx.ASGITransport(app=app)
    async with FakeTwilio(SID, TOKEN, callback_transport=transport) as fake:
        sender = TwilioSmsSender(
            account_sid=SID,
            auth_token=TOKEN,
            from_number="+15005550006",
            public_url=PUBLIC,
            base_url=fake.url,
        )
        hub = bootstrap(
            settings.model_copy(
                update={
                    "sms_provider": SmsProvider.TWILIO,
                    "twilio_account_sid": SID,
                    "twilio_auth_token": SecretStr(TOKEN),
                    "twilio_from_number": "+15005550006",
                    "public_base_url": AnyHttpUrl(PUBLIC),
                }
            ),
            consumers=False,
            sms_sender=sender,
        )
        app.state.services = web_services(hub)
        sms = SmsService(hub.uow, sender, lease=timedelta(seconds=10), metrics=hub.metrics)
        for n in range(TEXTS):
            phone = f"+86139{n:08d}"
            await sms.send(SendSms(sms_id=f"sms-s6-{n:04d}", to=phone, body="S6", purpose="s6"))
        async with httpx.AsyncClient(transport=transport, base_url=PUBLIC) as client:
            yield Env(hub, fake, client, [m.sid for m in fake.messages])
        await sender.aclose()
        await hub.db.dispose()


async def snapshot(hub: Hub) -> list[Any]:
    async with hub.db.read() as conn:
        rows = await conn.execute(select(sms_messages).order_by(sms_messages.c.sms_id))
        return [tuple(row) for row in rows]


async def delivery(hub: Hub, sid: str) -> tuple[str | None, Any]:
    async with hub.db.read() as conn:
        row = (
            await conn.execute(
                select(sms_messages.c.delivery_status, sms_messages.c.updated_at).where(
                    sms_messages.c.provider_message_id == sid
                )
            )
        ).one()
    return row.delivery_status, row.updated_at


FORGERIES = ("missing", "garbage", "wrong-token", "http", "other-host", "other-query")


async def forge(fake: FakeTwilio, sid: str, kind: str) -> int:
    """Post one forged `delivered` callback for `sid`; returns the HTTP status."""
    callback = fake.find(sid).status_callback
    assert callback is not None
    match kind:
        case "missing":
            return await fake.send_status_callback(sid, "delivered", signature="")
        case "garbage":
            return await fake.send_status_callback(sid, "delivered", signature="bm9wZQ==")
        case "wrong-token":
            params = fake.status_callback_params(sid, "delivered")
            forged = RequestValidator("not-the-auth-token").compute_signature(callback, params)
            return await fake.send_status_callback(sid, "delivered", signature=forged)
        case "http":
            other = callback.replace("https://", "http://")
        case "other-host":
            other = callback.replace("hub.example.com", "evil.example.com")
        case _:
            other = callback + "0"
    return await fake.send_status_callback(sid, "delivered", url=other)


async def test_missing_invalid_and_misdirected_signatures_are_refused_without_effect(
    env: Env,
) -> None:
    before = await snapshot(env.hub)

    answers = [
        await forge(env.fake, sid, FORGERIES[n % len(FORGERIES)]) for n, sid in enumerate(env.sids)
    ]

    assert answers == [403] * TEXTS
    assert await snapshot(env.hub) == before


async def test_a_host_header_cannot_make_a_foreign_url_valid(env: Env) -> None:
    before = await snapshot(env.hub)
    sid = env.sids[0]
    params = env.fake.status_callback_params(sid, "delivered")
    path_and_query = "/webhooks/twilio/status?sms_id=sms-s6-0000"
    evil_url = f"https://evil.example.com{path_and_query}"
    # Genuinely signed, but for another URL: only a Host-header rebuild would accept it.
    signature = RequestValidator(TOKEN).compute_signature(evil_url, params)

    response = await env.client.post(
        evil_url, data=params, headers={"X-Twilio-Signature": signature}
    )

    assert response.status_code == 403
    assert await snapshot(env.hub) == before


async def test_tampered_fields_break_the_signature(env: Env) -> None:
    before = await snapshot(env.hub)
    sid = env.sids[0]
    callback = env.fake.find(sid).status_callback
    assert callback is not None
    signed = env.fake.status_callback_params(sid, "sent")
    signature = RequestValidator(TOKEN).compute_signature(callback, signed)
    tampered = {**signed, "MessageStatus": "delivered"}

    response = await env.client.post(
        callback, data=tampered, headers={"X-Twilio-Signature": signature}
    )

    assert response.status_code == 403
    assert await snapshot(env.hub) == before


async def test_signed_callbacks_are_stored_within_a_second(env: Env) -> None:
    for sid in env.sids:
        started = time.monotonic()
        assert await env.fake.send_status_callback(sid, "sent") == 204
        assert time.monotonic() - started < 1.0

    for sid in env.sids:
        assert (await delivery(env.hub, sid))[0] == "sent"


async def test_each_callback_replayed_ten_times_changes_the_row_once(env: Env) -> None:
    for sid in env.sids:
        assert await env.fake.send_status_callback(sid, "delivered") == 204
        first = await delivery(env.hub, sid)
        for _ in range(9):
            assert await env.fake.send_status_callback(sid, "delivered") == 204
        assert await delivery(env.hub, sid) == first
        assert first[0] == "delivered"


async def test_delivered_before_sent_leaves_delivered(env: Env) -> None:
    for sid in env.sids:
        assert await env.fake.send_status_callback(sid, "delivered") == 204
        assert await env.fake.send_status_callback(sid, "sent") == 204
        assert await env.fake.send_status_callback(sid, "queued") == 204

    for sid in env.sids:
        assert (await delivery(env.hub, sid))[0] == "delivered"


async def test_the_webhook_is_absent_when_twilio_is_not_configured(settings: Settings) -> None:
    app = webhook_app()
    hub = bootstrap(settings, consumers=False)
    app.state.services = web_services(hub)
    try:
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url=PUBLIC
        ) as client:
            response = await client.post(
                "/webhooks/twilio/status?sms_id=x",
                data={"MessageSid": "SM" + "0" * 32, "MessageStatus": "delivered"},
                headers={"X-Twilio-Signature": "bm9wZQ=="},
            )
    finally:
        await hub.db.dispose()
    assert response.status_code == 404
