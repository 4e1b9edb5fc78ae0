"""The Twilio adapter over the real SDK against the embedded fake Twilio server."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from twilio.request_validator import RequestValidator

from adapters.sms.twilio_sender import TwilioSmsSender
from tests.fakes.fake_twilio import FakeTwilio

SID = "AC" + "b" * 32
TOKEN = "unit-test-token"
PHONE = "+8613900139000"


@pytest.fixture
async def fake() -> AsyncIterator[FakeTwilio]:
    async with FakeTwilio(SID, TOKEN) as server:
        yield server


@pytest.fixture
async def twilio(fake: FakeTwilio) -> AsyncIterator[TwilioSmsSender]:
    sender = TwilioSmsSender(
        account_sid=SID,
        auth_token=TOKEN,
        from_number="+15005550006",
        public_url="https://hub.example.com/",
        base_url=fake.url,
    )
    yield sender
    await sender.aclose()


def test_the_sender_can_be_built_outside_an_event_loop() -> None:
    sender = TwilioSmsSender(
        account_sid=SID, auth_token=TOKEN, from_number="+15005550006", public_url="http://hub"
    )
    assert sender.name == "twilio"


async def test_send_hands_the_text_to_twilio_with_a_status_callback(
    fake: FakeTwilio, twilio: TwilioSmsSender
) -> None:
    sid = await twilio.send(sms_id="dispatch-notice:WO-1:v2", to=PHONE, body="新工单 WO-1")

    [message] = fake.messages
    assert (message.sid, message.to, message.from_, message.body) == (
        sid,
        PHONE,
        "+15005550006",
        "新工单 WO-1",
    )
    assert sid.startswith("SM") and len(sid) == 34
    assert message.status_callback == (
        "https://hub.example.com/webhooks/twilio/status?sms_id=dispatch-notice%3AWO-1%3Av2"
    )


async def test_lookup_finds_the_text_by_recipient_and_body(
    fake: FakeTwilio, twilio: TwilioSmsSender
) -> None:
    since = datetime.now(UTC)
    await twilio.send(sms_id="sms-other-01", to=PHONE, body="another text")
    sid = await twilio.send(sms_id="sms-target-01", to=PHONE, body="the text")
    await twilio.send(sms_id="sms-other-02", to="+8613800138000", body="the text")

    found = await twilio.lookup(sms_id="sms-target-01", to=PHONE, body="the text", since=since)
    assert found == sid
    assert await twilio.lookup(sms_id="sms-x", to=PHONE, body="never sent", since=since) is None
    later = since + timedelta(hours=1)
    assert await twilio.lookup(sms_id="sms-x", to=PHONE, body="the text", since=later) is None


async def test_the_fake_signs_status_callbacks_like_twilio() -> None:
    seen: list[httpx.Request] = []

    def receive(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(204)

    async with FakeTwilio(SID, TOKEN, callback_transport=httpx.MockTransport(receive)) as fake:
        twilio = TwilioSmsSender(
            account_sid=SID,
            auth_token=TOKEN,
            from_number="+15005550006",
            public_url="https://hub.example.com",
            base_url=fake.url,
        )
        sid = await twilio.send(sms_id="sms-callback-1", to=PHONE, body="hello")
        await twilio.aclose()

        assert await fake.send_status_callback(sid, "delivered") == 204
        assert fake.find(sid).status == "delivered"

    [request] = seen
    params = dict(httpx.QueryParams(request.content.decode()))
    assert params["MessageSid"] == sid and params["MessageStatus"] == "delivered"
    signature = request.headers["X-Twilio-Signature"]
    assert RequestValidator(TOKEN).validate(str(request.url), params, signature)
