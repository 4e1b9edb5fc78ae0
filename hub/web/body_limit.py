"""Request bodies are limited before anything parses them, chunked ones included.

A pure ASGI middleware: a declared `Content-Length` over the path's limit is refused at once;
otherwise the bytes of the `http.request` messages are counted as they stream in, and the
moment the count passes the limit the client gets 413 and the app reads no more. Nothing is
buffered here, so a 100 MB upload costs the server no more memory than a small one.

After the 413 the rest of the body is read and thrown away for up to `DRAIN_SECONDS` before
the answer is completed and the connection closed: closing a socket with unread data resets
it, and a client still sending would lose the 413 it was sent (nginx's lingering close).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from starlette.types import ASGIApp, Message, Receive, Scope, Send

KIB = 1024
MIB = 1024 * KIB
DRAIN_SECONDS = 5.0


@dataclass(frozen=True, slots=True)
class PathLimit:
    """Bodies sent to paths matching `pattern` may be up to `max_bytes` long."""

    name: str
    pattern: str
    max_bytes: int
    _regex: re.Pattern[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_regex", re.compile(self.pattern))

    def matches(self, path: str) -> bool:
        return self._regex.match(path) is not None


@dataclass(frozen=True, slots=True)
class BodyLimits:
    """The first matching path limit wins; `default_bytes` for every other path."""

    default_bytes: int
    by_path: Sequence[PathLimit] = ()

    def for_path(self, path: str) -> int:
        for limit in self.by_path:
            if limit.matches(path):
                return limit.max_bytes
        return self.default_bytes


class BodyTooLarge(Exception):
    """Raised into the app from `receive` once the body passed its limit (already answered)."""


class BodyLimitMiddleware:
    """Answers 413 as soon as a request body is known to be over its path's limit."""

    def __init__(self, app: ASGIApp, *, limits: BodyLimits) -> None:
        self.app = app
        self.limits = limits

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limits.for_path(scope["path"])
        declared = _content_length(scope)
        if declared is not None and declared > limit:
            await refuse(send, limit)
            await drain_and_close(scope, receive, send)
            return
        await _CountedRequest(self.app, limit).run(scope, receive, send)


class _CountedRequest:
    """One request: counts its body and, past the limit, answers 413 and mutes the app."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit
        self.received = 0
        self.refused = False
        self.started = False

    async def run(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def counted_receive() -> Message:
            if self.refused:
                raise BodyTooLarge
            message = await receive()
            if message["type"] == "http.request":
                self.received += len(message.get("body", b""))
                if self.received > self.limit:
                    self.refused = True
                    if not self.started:
                        await refuse(send, self.limit)
                    raise BodyTooLarge
            return message

        async def muted_send(message: Message) -> None:
            if self.refused:  # the app's own answer to the cut-off body goes nowhere
                return
            if message["type"] == "http.response.start":
                self.started = True
            await send(message)

        try:
            await self.app(scope, counted_receive, muted_send)
        except Exception:
            if not self.refused:
                raise
        if self.refused and not self.started:
            await drain_and_close(scope, receive, send)


async def refuse(send: Send, limit: int) -> None:
    """The 413 answer, all but its end: `drain_and_close` completes it."""
    detail = f"the request body is larger than {_size(limit)}, the limit for this address"
    body = json.dumps({"detail": detail, "max_bytes": limit}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body, "more_body": True})


async def drain_and_close(scope: Scope, receive: Receive, send: Send) -> None:
    """Discard what is left of the body (at most `DRAIN_SECONDS`), then end the answer."""
    expects_continue = any(
        name == b"expect" and value.lower() == b"100-continue"
        for name, value in scope.get("headers", ())
    )
    if not expects_continue:  # such a client sends no body until asked: nothing to drain
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(DRAIN_SECONDS):
                while True:
                    message = await receive()
                    if message["type"] != "http.request" or not message.get("more_body"):
                        break
    await send({"type": "http.response.body", "body": b"", "more_body": False})


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


def _size(limit: int) -> str:
    if limit % MIB == 0:
        return f"{limit // MIB} MiB"
    if limit % KIB == 0:
        return f"{limit // KIB} KiB"
    return f"{limit} bytes"
