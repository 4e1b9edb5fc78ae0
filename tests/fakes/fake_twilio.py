"""A local stand-in for Twilio's Messages API: records every text, injects faults, calls back.

Serves the subset of `/2010-04-01` the hub uses (create, list, fetch a Message) in Twilio's
JSON shapes, so the real SDK and the real `TwilioSmsSender` run against it unchanged
(`client.api.base_url = fake.url`). Run it alone for a demo:

    python -m tests.fakes.fake_twilio --port 8081 --account-sid AC... --auth-token secret
"""

from __future__ import annotations

import argparse
import asyncio
import re
import uuid
from collections import deque
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import Any
from urllib.parse import urlencode

import httpx
from aiohttp import BasicAuth, web
from twilio.request_validator import RequestValidator

API = "/2010-04-01"
_E164 = re.compile(r"^\+[1-9]\d{6,14}$")
# Twilio's magic "To" numbers for test credentials, and the errors they trigger.
MAGIC_TO_ERRORS: dict[str, tuple[int, str]] = {
    "+15005550001": (21211, "The 'To' number +15005550001 is not a valid phone number."),
    "+15005550002": (21612, "The 'To' phone number is not currently reachable via SMS."),
    "+15005550003": (21408, "Permission to send an SMS has not been enabled for the region."),
    "+15005550004": (21610, "Attempt to send to unsubscribed recipient"),
    "+15005550009": (21614, "'To' number is not a valid mobile number"),
}


@dataclass
class FakeMessage:
    """One text the fake accepted (the ledger only grows; `status` follows the callbacks)."""

    sid: str
    account_sid: str
    to: str
    from_: str
    body: str
    status_callback: str | None
    date_created: datetime
    status: str = "queued"

    def resource(self) -> dict[str, Any]:
        """The Message resource as Twilio's JSON renders it."""
        created = format_datetime(self.date_created)
        uri = f"{API}/Accounts/{self.account_sid}/Messages/{self.sid}.json"
        return {
            "account_sid": self.account_sid,
            "api_version": "2010-04-01",
            "body": self.body,
            "date_created": created,
            "date_sent": None if self.status in ("accepted", "queued") else created,
            "date_updated": created,
            "direction": "outbound-api",
            "error_code": None,
            "error_message": None,
            "from": self.from_,
            "messaging_service_sid": None,
            "num_media": "0",
            "num_segments": "1",
            "price": None,
            "price_unit": "USD",
            "sid": self.sid,
            "status": self.status,
            "subresource_uris": {"media": uri.replace(".json", "/Media.json")},
            "to": self.to,
            "uri": uri,
        }


class FakeTwilio:
    """An embedded Twilio REST server on 127.0.0.1 with a ledger and fault injection."""

    def __init__(
        self,
        account_sid: str,
        auth_token: str,
        *,
        callback_transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.account_sid = account_sid
        self.auth_token = auth_token
        self.messages: list[FakeMessage] = []
        self.requests: list[tuple[str, str]] = []
        self._faults: deque[tuple[str, float]] = deque()
        self._callback_transport = callback_transport
        self._callback_client: httpx.AsyncClient | None = None
        self._runner: web.AppRunner | None = None
        self._url: str | None = None

    @property
    def url(self) -> str:
        """Base URL to give the SDK (`client.api.base_url`) or `HUB_TWILIO_BASE_URL`."""
        if self._url is None:
            raise RuntimeError("FakeTwilio is not started")
        return self._url

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        app = web.Application()
        base = f"{API}/Accounts/{{account}}/Messages"
        app.router.add_post(f"{base}.json", self._create)
        app.router.add_get(f"{base}.json", self._list)
        app.router.add_get(f"{base}/{{sid}}.json", self._fetch)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, host, port).start()
        bound_host, bound_port = self._runner.addresses[0][:2]
        self._url = f"http://{bound_host}:{bound_port}"
        return self._url

    async def stop(self) -> None:
        if self._callback_client is not None:
            await self._callback_client.aclose()
            self._callback_client = None
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeTwilio:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    def fail_next(self, count: int = 1, *, status: int = 500) -> None:
        """The next `count` API requests answer `status` (default 500)."""
        self._faults.extend([("status", float(status))] * count)

    def rate_limit_next(self, count: int = 1) -> None:
        """The next `count` API requests answer 429 Too Many Requests."""
        self.fail_next(count, status=429)

    def delay_next(self, seconds: float, count: int = 1) -> None:
        """The next `count` API requests wait `seconds` before being handled."""
        self._faults.extend([("delay", seconds)] * count)

    def find(self, sid: str) -> FakeMessage:
        return next(m for m in self.messages if m.sid == sid)

    def status_callback_params(self, sid: str, status: str) -> dict[str, str]:
        """The form fields Twilio posts to a message's StatusCallback."""
        message = self.find(sid)
        return {
            "MessageSid": sid,
            "SmsSid": sid,
            "AccountSid": self.account_sid,
            "MessageStatus": status,
            "SmsStatus": status,
            "To": message.to,
            "From": message.from_,
            "ApiVersion": "2010-04-01",
        }

    async def send_status_callback(
        self, sid: str, status: str, *, url: str | None = None, signature: str | None = None
    ) -> int:
        """POST a signed status callback to the message's StatusCallback; returns the HTTP status.

        Forgeries for tests: `url` signs for another URL than the one called, `signature`
        replaces the computed header (`""` sends none).
        """
        message = self.find(sid)
        if message.status_callback is None:
            raise ValueError(f"message {sid} has no StatusCallback")
        params = self.status_callback_params(sid, status)
        if signature is None:
            signed_url = url or message.status_callback
            signature = RequestValidator(self.auth_token).compute_signature(signed_url, params)
        headers = {"X-Twilio-Signature": signature} if signature else {}
        if self._callback_client is None:
            self._callback_client = httpx.AsyncClient(transport=self._callback_transport)
        response = await self._callback_client.post(
            message.status_callback, data=params, headers=headers
        )
        if url is None and response.is_success:
            message.status = status
        return response.status_code

    async def _create(self, request: web.Request) -> web.StreamResponse:
        if (refusal := await self._screen(request)) is not None:
            return refusal
        form = await request.post()
        to, from_, body = (str(form.get(k, "")) for k in ("To", "From", "Body"))
        if (refusal := _validate(to, from_, body)) is not None:
            return refusal
        callback = form.get("StatusCallback")
        message = FakeMessage(
            sid=f"SM{uuid.uuid4().hex}",
            account_sid=self.account_sid,
            to=to,
            from_=from_,
            body=body,
            status_callback=str(callback) if callback else None,
            date_created=datetime.now(UTC).replace(microsecond=0),
        )
        self.messages.append(message)
        return web.json_response(message.resource(), status=201)

    async def _list(self, request: web.Request) -> web.StreamResponse:
        if (refusal := await self._screen(request)) is not None:
            return refusal
        q = request.query
        found = [m for m in reversed(self.messages) if _matches(m, q)]
        page, size = int(q.get("Page", 0)), int(q.get("PageSize", 50))
        start = page * size
        chunk = found[start : start + size]
        filters = {k: v for k, v in q.items() if k not in ("Page", "PageSize", "PageToken")}

        def page_uri(n: int) -> str:
            query = urlencode({**filters, "PageSize": size, "Page": n})
            return f"{request.path}?{query}"

        return web.json_response(
            {
                "messages": [m.resource() for m in chunk],
                "start": start,
                "end": start + max(len(chunk) - 1, 0),
                "page": page,
                "page_size": size,
                "uri": page_uri(page),
                "first_page_uri": page_uri(0),
                "previous_page_uri": page_uri(page - 1) if page else None,
                "next_page_uri": page_uri(page + 1) if start + size < len(found) else None,
            }
        )

    async def _fetch(self, request: web.Request) -> web.StreamResponse:
        if (refusal := await self._screen(request)) is not None:
            return refusal
        sid = request.match_info["sid"]
        for message in self.messages:
            if message.sid == sid:
                return web.json_response(message.resource())
        return _error(404, 20404, f"The requested resource {request.path} was not found")

    async def _screen(self, request: web.Request) -> web.StreamResponse | None:
        """Record the request, apply an injected fault, check the account and credentials."""
        self.requests.append((request.method, request.path))
        if self._faults:
            kind, value = self._faults.popleft()
            if kind == "delay":
                await asyncio.sleep(value)
            elif int(value) == 429:
                return _error(429, 20429, "Too Many Requests")
            else:
                return _error(int(value), 20500, "Internal Server Error")
        try:
            auth = BasicAuth.decode(request.headers.get("Authorization", ""))
        except ValueError:
            auth = None
        if auth is None or (auth.login, auth.password) != (self.account_sid, self.auth_token):
            return _error(401, 20003, "Authenticate")
        if request.match_info["account"] != self.account_sid:
            return _error(404, 20404, f"The requested resource {request.path} was not found")
        return None


def _validate(to: str, from_: str, body: str) -> web.Response | None:
    """Twilio's 400 answer for a text it would not accept, or None."""
    if not to:
        return _error(400, 21604, "A 'To' phone number is required.")
    if not from_:
        return _error(400, 21603, "A 'From' phone number is required.")
    if not body:
        return _error(400, 21602, "Message body is required.")
    if not _E164.match(to):
        return _error(400, 21211, f"The 'To' number {to} is not a valid phone number.")
    if to in MAGIC_TO_ERRORS:
        return _error(400, *MAGIC_TO_ERRORS[to])
    return None


def _matches(message: FakeMessage, query: Any) -> bool:
    if "To" in query and message.to != query["To"]:
        return False
    if "From" in query and message.from_ != query["From"]:
        return False
    after = query.get("DateSent>")
    # The fake treats a text as sent when it was created.
    return not after or message.date_created >= _parse_date(after)


def _parse_date(text: str) -> datetime:
    fmt = "%Y-%m-%dT%H:%M:%SZ" if "T" in text else "%Y-%m-%d"
    return datetime.strptime(text, fmt).replace(tzinfo=UTC)


def _error(status: int, code: int, message: str) -> web.Response:
    return web.json_response(
        {
            "code": code,
            "message": message,
            "more_info": f"https://www.twilio.com/docs/errors/{code}",
            "status": status,
        },
        status=status,
    )


async def _serve(host: str, port: int, account_sid: str, auth_token: str) -> None:
    fake = FakeTwilio(account_sid, auth_token)
    print(f"fake Twilio on {await fake.start(host, port)}", flush=True)
    try:
        await asyncio.Event().wait()
    finally:
        await fake.stop()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="A local stand-in for Twilio's Messages API")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8081)
    parser.add_argument("--account-sid", default="AC" + "0" * 32)
    parser.add_argument("--auth-token", default="fake-twilio-token")
    args = parser.parse_args()
    asyncio.run(_serve(args.host, args.port, args.account_sid, args.auth_token))
