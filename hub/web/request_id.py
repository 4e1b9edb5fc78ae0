"""Every request gets an id: a sane incoming `X-Request-ID`, else a new one.

The id is echoed in the response header, kept in `request.state.request_id` and bound into
structlog's context, so every log line of the request carries it.
"""

from __future__ import annotations

import re
import uuid

import structlog
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

HEADER = "X-Request-ID"
SANE = re.compile(r"[A-Za-z0-9._-]{1,64}")


def incoming_id(scope: Scope) -> str | None:
    """The client's or proxy's `X-Request-ID`, if it is short and plain enough to log."""
    for name, value in scope.get("headers", ()):
        if name == b"x-request-id":
            text = value.decode("latin-1")
            return text if SANE.fullmatch(text) else None
    return None


def request_id_of(scope: Scope) -> str | None:
    """The id `RequestIdMiddleware` gave this request."""
    state = scope.get("state") or {}
    found = state.get("request_id")
    return found if isinstance(found, str) else None


class RequestIdMiddleware:
    """Pure ASGI: assigns the id before anything else runs and adds it to the answer."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = incoming_id(scope) or uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = request_id

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = list(message.get("headers", ()))
                MutableHeaders(scope=message)[HEADER] = request_id
            await send(message)

        with structlog.contextvars.bound_contextvars(request_id=request_id):
            await self.app(scope, receive, send_with_id)
