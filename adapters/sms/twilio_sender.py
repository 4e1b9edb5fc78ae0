"""The `twilio` SMS provider: Programmable Messaging through the twilio SDK's async API.

Every foreign error stops here (style habit 8):

    TwilioRestException 408/429/5xx, TwilioException, aiohttp.ClientError,
    TimeoutError, a garbled response                    ─▶ TransientAdapterError
    TwilioRestException other 4xx (21211 invalid number,
    20003 bad credentials, ...)                          ─▶ PermanentAdapterError
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable
from datetime import UTC, datetime, timedelta
from typing import Any, NoReturn, TypeVar
from urllib.parse import urlencode

import aiohttp
import structlog
from twilio.base.exceptions import TwilioException, TwilioRestException, TwilioServiceException
from twilio.http import AsyncHttpClient
from twilio.http.async_http_client import AsyncTwilioHttpClient
from twilio.http.response import Response as TwilioResponse
from twilio.rest import Client

from hub.domain.pii import mask_phone
from hub.errors import PermanentAdapterError, TransientAdapterError

log = structlog.get_logger(__name__)

T = TypeVar("T")

STATUS_CALLBACK_PATH = "/webhooks/twilio/status"
# Twilio's clock and ours differ, and its DateSent filter is coarse: look a little further back.
LOOKUP_MARGIN = timedelta(minutes=15)
LOOKUP_LIMIT = 50

# The SDK logs every request's query string at INFO, and a lookup's query holds the phone number.
_sdk_http_log = logging.getLogger("adapters.sms.twilio.http")
_sdk_http_log.setLevel(logging.WARNING)


class TwilioSmsSender:
    """Sends SMS through Twilio; the HTTP client is injected or made on first use (needs a loop)."""

    name = "twilio"

    def __init__(
        self,
        *,
        account_sid: str,
        auth_token: str,
        from_number: str,
        public_url: str,
        base_url: str | None = None,
        timeout_s: float = 10.0,
        http_client: AsyncHttpClient | None = None,
    ) -> None:
        self._account_sid = account_sid
        self._auth_token = auth_token
        self._from_number = from_number
        self._public_url = public_url.rstrip("/")
        self._base_url = base_url.rstrip("/") if base_url else None
        self._timeout_s = timeout_s
        self._http = http_client
        self._owns_http = http_client is None
        self._client: Client | None = None

    def status_callback_url(self, sms_id: str) -> str:
        """Where Twilio reports delivery of `sms_id`; the id rides in the signed query."""
        return f"{self._public_url}{STATUS_CALLBACK_PATH}?{urlencode({'sms_id': sms_id})}"

    async def send(self, *, sms_id: str, to: str, body: str) -> str:
        message = await self._call(
            self._twilio().messages.create_async(
                to=to,
                from_=self._from_number,
                body=body,
                status_callback=self.status_callback_url(sms_id),
            ),
            action="send",
            sms_id=sms_id,
            to=to,
        )
        sid = str(message.sid)
        log.info("sms sent (twilio)", sms_id=sms_id, to=mask_phone(to), sid=sid, chars=len(body))
        return sid

    async def lookup(self, *, sms_id: str, to: str, body: str, since: datetime) -> str | None:
        since_utc = since.replace(tzinfo=UTC) if since.tzinfo is None else since.astimezone(UTC)
        messages = await self._call(
            self._twilio().messages.list_async(
                to=to,
                from_=self._from_number,
                date_sent_after=since_utc - LOOKUP_MARGIN,
                limit=LOOKUP_LIMIT,
            ),
            action="lookup",
            sms_id=sms_id,
            to=to,
        )
        # Newest first; the body is what identifies our text (Twilio keeps no client reference).
        for message in messages:
            if message.body == body:
                log.info("sms found at twilio", sms_id=sms_id, to=mask_phone(to), sid=message.sid)
                return str(message.sid)
        return None

    async def aclose(self) -> None:
        """Close the HTTP client if this sender made it."""
        if not self._owns_http:
            return
        http, self._http, self._client = self._http, None, None
        if isinstance(http, AsyncTwilioHttpClient):
            await http.close()

    def _twilio(self) -> Client:
        if self._client is None:
            if self._http is None:
                # AsyncTwilioHttpClient opens an aiohttp session, so it must be made in a loop.
                self._http = AsyncTwilioHttpClient(logger=_sdk_http_log)
            # environment={}: the hub's settings are the only configuration, not TWILIO_* vars.
            client = Client(
                self._account_sid, self._auth_token, http_client=self._http, environment={}
            )
            if self._base_url:
                client.api.base_url = self._base_url
            self._client = client
        return self._client

    async def _call(self, call: Awaitable[T], *, action: str, sms_id: str, to: str) -> T:
        # The SDK's async client ignores its own timeout, so the deadline is kept here.
        try:
            async with asyncio.timeout(self._timeout_s):
                return await call
        except Exception as exc:
            _raise_mapped(exc, action=action, sms_id=sms_id, to=to)


def _raise_mapped(exc: Exception, *, action: str, sms_id: str, to: str) -> NoReturn:
    """Re-raise a foreign error as the hub's own; the phone number stays out of the message."""
    status, code = _status_and_code(exc)
    log.warning(
        "twilio call failed",
        action=action,
        sms_id=sms_id,
        to=mask_phone(to),
        error_type=type(exc).__name__,
        http_status=status,
        twilio_code=code,
    )
    where = f"twilio {action}"
    if status is not None:
        detail = f"HTTP {status}" + (f", Twilio error {code}" if code is not None else "")
        if status in (408, 429) or status >= 500:
            raise TransientAdapterError(f"{where} failed: {detail}") from exc
        if 400 <= status < 500:
            raise PermanentAdapterError(f"{where} refused: {detail}") from exc
    if isinstance(exc, TimeoutError):
        raise TransientAdapterError(f"{where} timed out") from exc
    if isinstance(exc, TwilioException | aiohttp.ClientError | json.JSONDecodeError):
        raise TransientAdapterError(f"{where} failed: {type(exc).__name__}") from exc
    raise exc


def _status_and_code(exc: Exception) -> tuple[int | None, Any]:
    """The HTTP status and Twilio error code an SDK exception carries, if any."""
    if isinstance(exc, TwilioRestException | TwilioServiceException):
        return int(exc.status), exc.code
    if isinstance(exc, TwilioException):
        # A failed page fetch is raised as TwilioException("Unable to fetch page", response).
        for arg in exc.args:
            if isinstance(arg, TwilioResponse):
                return int(arg.status_code), None
    return None, None
