"""Every foreign error of the Twilio adapter becomes a Transient- or PermanentAdapterError."""

from __future__ import annotations

import json
import socket
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from twilio.base.exceptions import TwilioException, TwilioRestException, TwilioServiceException
from twilio.http import AsyncHttpClient
from twilio.http.response import Response

from adapters.sms.twilio_sender import TwilioSmsSender, _raise_mapped
from hub.errors import AdapterError, PermanentAdapterError, TransientAdapterError
from tests.fakes.fake_twilio import FakeTwilio

SID = "AC" + "a" * 32
TOKEN = "unit-test-token"
PHONE = "+8613900139000"


@pytest.fixture
async def fake() -> AsyncIterator[FakeTwilio]:
    async with FakeTwilio(SID, TOKEN) as server:
        yield server


def sender(base_url: str, *, token: str = TOKEN, timeout_s: float = 2.0) -> TwilioSmsSender:
    return TwilioSmsSender(
        account_sid=SID,
        auth_token=token,
        from_number="+15005550006",
        public_url="https://hub.example.com",
        base_url=base_url,
        timeout_s=timeout_s,
    )


async def send_and_catch(twilio: TwilioSmsSender, to: str = PHONE) -> AdapterError:
    try:
        with pytest.raises(AdapterError) as caught:
            await twilio.send(sms_id="sms-unit-0001", to=to, body="测试短信")
    finally:
        await twilio.aclose()
    return caught.value


class CannedHttpClient(AsyncHttpClient):  # type: ignore[misc]
    """Answers every request with one canned response (an in-memory Twilio)."""

    def __init__(self, status: int, text: str) -> None:
        super().__init__(logger=None, is_async=True)
        self.status, self.text = status, text

    async def request(self, *args: Any, **kwargs: Any) -> Response:
        return Response(self.status, self.text)


def canned_sender(status: int, text: str) -> TwilioSmsSender:
    return TwilioSmsSender(
        account_sid=SID,
        auth_token=TOKEN,
        from_number="+15005550006",
        public_url="https://hub.example.com",
        http_client=CannedHttpClient(status, text),
    )


async def test_invalid_number_21211_is_permanent_and_names_the_code_not_the_number(
    fake: FakeTwilio,
) -> None:
    error = await send_and_catch(sender(fake.url), to="+15005550001")
    assert isinstance(error, PermanentAdapterError)
    assert "21211" in str(error)
    assert "5550001" not in str(error)
    assert isinstance(error.__cause__, TwilioRestException)
    assert error.__cause__.code == 21211


async def test_malformed_number_is_permanent_without_echoing_it(fake: FakeTwilio) -> None:
    error = await send_and_catch(sender(fake.url), to="0139-0013-9000")
    assert isinstance(error, PermanentAdapterError)
    assert "21211" in str(error)
    assert "0013" not in str(error)


async def test_bad_credentials_401_are_permanent(fake: FakeTwilio) -> None:
    error = await send_and_catch(sender(fake.url, token="wrong"))
    assert isinstance(error, PermanentAdapterError)
    assert "20003" in str(error)
    assert isinstance(error.__cause__, TwilioRestException)


async def test_rate_limit_429_is_transient(fake: FakeTwilio) -> None:
    fake.rate_limit_next()
    error = await send_and_catch(sender(fake.url))
    assert isinstance(error, TransientAdapterError)
    assert "429" in str(error)
    assert isinstance(error.__cause__, TwilioRestException)


async def test_server_error_5xx_is_transient(fake: FakeTwilio) -> None:
    fake.fail_next(status=503)
    error = await send_and_catch(sender(fake.url))
    assert isinstance(error, TransientAdapterError)
    assert isinstance(error.__cause__, TwilioRestException)
    assert fake.messages == []


async def test_connection_refused_aiohttp_error_is_transient() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    error = await send_and_catch(sender(f"http://127.0.0.1:{port}"))
    assert isinstance(error, TransientAdapterError)
    assert isinstance(error.__cause__, aiohttp.ClientError)


async def test_timeout_is_transient(fake: FakeTwilio) -> None:
    fake.delay_next(2.0)
    error = await send_and_catch(sender(fake.url, timeout_s=0.2))
    assert isinstance(error, TransientAdapterError)
    assert isinstance(error.__cause__, TimeoutError)


async def test_failed_page_in_lookup_twilio_exception_is_transient(fake: FakeTwilio) -> None:
    from datetime import UTC, datetime

    fake.fail_next()
    twilio = sender(fake.url)
    try:
        with pytest.raises(TransientAdapterError) as caught:
            await twilio.lookup(sms_id="sms-unit-0001", to=PHONE, body="x", since=datetime.now(UTC))
    finally:
        await twilio.aclose()
    assert type(caught.value.__cause__) is TwilioException


async def test_rfc9457_problem_400_twilio_service_exception_is_permanent() -> None:
    problem = {
        "type": "https://www.twilio.com/docs/errors/21211",
        "title": "Invalid 'To'",
        "status": 400,
        "code": 21211,
    }
    error = await send_and_catch(canned_sender(400, json.dumps(problem)))
    assert isinstance(error, PermanentAdapterError)
    assert "21211" in str(error)
    assert isinstance(error.__cause__, TwilioServiceException)


async def test_garbled_success_body_is_transient() -> None:
    error = await send_and_catch(canned_sender(201, "<html>proxy error</html>"))
    assert isinstance(error, TransientAdapterError)
    assert isinstance(error.__cause__, json.JSONDecodeError)


@pytest.mark.parametrize(
    ("foreign", "expected"),
    [
        (TwilioRestException(400, "/Messages.json", "bad", code=21211), PermanentAdapterError),
        (TwilioRestException(404, "/Messages.json", "gone", code=20404), PermanentAdapterError),
        (TwilioRestException(408, "/Messages.json", "slow"), TransientAdapterError),
        (TwilioRestException(429, "/Messages.json", "busy", code=20429), TransientAdapterError),
        (TwilioRestException(502, "/Messages.json", "bad gateway"), TransientAdapterError),
        (TwilioServiceException("t", "title", 503, 20500), TransientAdapterError),
        (TwilioException("Unable to fetch page", Response(401, "{}")), PermanentAdapterError),
        (TwilioException("Unable to fetch page", Response(500, "{}")), TransientAdapterError),
        (TwilioException("something odd"), TransientAdapterError),
        (aiohttp.ClientConnectionError("refused"), TransientAdapterError),
        (aiohttp.ServerDisconnectedError(), TransientAdapterError),
        (TimeoutError(), TransientAdapterError),
        (json.JSONDecodeError("bad", "<html>", 0), TransientAdapterError),
    ],
    ids=lambda v: type(v).__name__ if isinstance(v, Exception) else v.__name__,
)
def test_every_foreign_error_is_mapped_with_its_cause(
    foreign: Exception, expected: type[AdapterError]
) -> None:
    with pytest.raises(expected) as caught:
        _raise_mapped(foreign, action="send", sms_id="sms-unit-0001", to=PHONE)
    assert caught.value.__cause__ is foreign
    assert "139" not in str(caught.value)


def test_an_unexpected_error_is_not_disguised_as_an_adapter_error() -> None:
    with pytest.raises(KeyError):
        _raise_mapped(KeyError("bug"), action="send", sms_id="sms-unit-0001", to=PHONE)
