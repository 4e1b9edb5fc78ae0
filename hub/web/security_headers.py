"""Security headers on every answer: pages, JSON, errors, 404s, 413s, 500s and static files.

A pure ASGI middleware that adds what a route did not set itself:

* `X-Content-Type-Options: nosniff`, `Referrer-Policy: no-referrer`, `X-Frame-Options: DENY`;
* a `Content-Security-Policy`: `default-src 'none'; frame-ancestors 'none'` for anything but
  HTML and PDF (PDF: `frame-ancestors 'none'`, so the browser's viewer works); for HTML a page
  policy (the hub's own scripts and styles only; `/ops` also inline styles). Routes with a CSP
  of their own (the signing pages) keep it;
* `Cache-Control: no-store` under `/api/`, `/s/` and `/ops` (personal data), unless the route
  chose its caching.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

NOT_A_PAGE_CSP = "default-src 'none'; frame-ancestors 'none'"
# A browser shows a PDF with a built-in viewer that `default-src 'none'` (object-src) would
# block; the PDF itself runs nothing of ours, so only framing is refused.
PDF_CSP = "frame-ancestors 'none'"
PAGE_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)
# The ops page is one self-contained file: an inline stylesheet and bar widths as style
# attributes, no script at all.
OPS_PAGE_CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; "
    "form-action 'none'; base-uri 'none'; frame-ancestors 'none'"
)
ALWAYS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}
PRIVATE_PREFIXES = ("/api/", "/s/", "/ops")


@dataclass(frozen=True, slots=True)
class PagePolicy:
    """The CSP of the HTML pages at paths starting with `prefix`."""

    prefix: str
    csp: str


PAGE_POLICIES = (PagePolicy("/ops", OPS_PAGE_CSP),)


def is_private(path: str) -> bool:
    """Answers under these paths may hold personal data: never stored by a cache."""
    return path.startswith(PRIVATE_PREFIXES)


class SecurityHeadersMiddleware:
    """Adds the headers above to each `http.response.start` that lacks them."""

    def __init__(self, app: ASGIApp, *, page_policies: Sequence[PagePolicy] = PAGE_POLICIES):
        self.app = app
        self.page_policies = tuple(page_policies)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = list(message.get("headers", ()))
                self.add(MutableHeaders(scope=message), path)
            await send(message)

        await self.app(scope, receive, send_with_headers)

    def add(self, headers: MutableHeaders, path: str) -> None:
        for name, value in ALWAYS.items():
            headers.setdefault(name, value)
        if "content-security-policy" not in headers:
            headers["Content-Security-Policy"] = self.csp_for(path, headers.get("content-type"))
        if is_private(path) and "cache-control" not in headers:
            headers["Cache-Control"] = "no-store"

    def csp_for(self, path: str, content_type: str | None) -> str:
        content_type = content_type or ""
        if content_type.startswith("application/pdf"):
            return PDF_CSP
        if not content_type.startswith("text/html"):
            return NOT_A_PAGE_CSP
        for policy in self.page_policies:
            if path.startswith(policy.prefix):
                return policy.csp
        return PAGE_CSP
