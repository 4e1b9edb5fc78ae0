"""A request that fails unexpectedly answers 500 at once; the exception goes to the log only.

The body is `{"detail": "internal error", "request_id": "..."}`: no exception text (it may hold
personal data), and the id finds the logged traceback. A pure ASGI middleware, inside the
request-id and security-header middlewares so the answer carries both (Starlette's own
`ServerErrorMiddleware` sits outside every middleware).
"""

from __future__ import annotations

import json

import structlog
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hub.web.request_id import request_id_of

log = structlog.get_logger(__name__)


class UnexpectedErrorMiddleware:
    """Turns an exception escaping the app into a JSON 500, if the answer has not started."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def watched_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, watched_send)
        except Exception:
            request_id = request_id_of(scope)
            if not started:  # answer first: the log line is queued, not written, anyway
                await _answer_500(send, request_id)
            log.exception(
                "request failed",
                method=scope.get("method"),
                path=scope.get("path"),
                answered=not started,
            )


async def _answer_500(send: Send, request_id: str | None) -> None:
    body = json.dumps({"detail": "internal error", "request_id": request_id}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 500,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
