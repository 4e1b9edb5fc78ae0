"""Rendering of the signing pages: templates, security headers, cookies, error pages.

Every page is `Cache-Control: no-store`, `Referrer-Policy: no-referrer` and has a CSP that
allows only the hub's own script and style (no inline code, no CDN). Signing errors become a
page with the right status through `SigningRoute`, so handlers just raise.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Mapping
from importlib.resources import files
from typing import Any
from urllib.parse import urlsplit

import structlog
from fastapi import Request, Response
from fastapi.responses import HTMLResponse
from fastapi.routing import APIRoute
from jinja2 import Environment, PackageLoader, select_autoescape

from hub.domain.notifications import SmsLimitReached
from hub.domain.signing import (
    AlreadySigned,
    CodeLocked,
    InvalidSignature,
    LinkGone,
    ReportChanged,
    ResendLimited,
    SigningError,
    SigningInProgress,
)
from hub.errors import DomainError, NotFound, ReportRenderFailed
from hub.web.signing_text import TEXT, lang_of

log = structlog.get_logger(__name__)

CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)
NO_STORE = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
}
PAGE_HEADERS = {
    **NO_STORE,
    "Content-Security-Policy": CSP,
    "X-Frame-Options": "DENY",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}
ASSETS = {
    "pad.js": "text/javascript; charset=utf-8",
    "signing.css": "text/css; charset=utf-8",
}

_templates = Environment(
    loader=PackageLoader("hub.web", "templates"),
    autoescape=select_autoescape(default=True, default_for_string=True),
)


class PageError(Exception):
    """Answer with a message page (`key` names the heading and text in `signing_text`)."""

    def __init__(
        self,
        status: int,
        key: str,
        *,
        text_key: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(key)
        self.status = status
        self.key = key
        self.text_key = text_key or f"{key}_text"
        self.headers = dict(headers or {})


def lang(request: Request) -> str:
    return lang_of(request.query_params.get("lang"))


def page(
    request: Request,
    template: str,
    *,
    status: int = 200,
    switch_path: str | None = None,
    **context: Any,
) -> HTMLResponse:
    """A signing page in the request's language, with the security headers.

    The language switch reloads the page itself (a relative `?lang=` link, so no path is ever
    echoed: every unknown token gets the same bytes), or `switch_path` after a POST.
    """
    language = lang(request)
    text = TEXT[language]
    other = text["switch_lang"]
    switch_url: str | None = None
    if switch_path is not None:
        switch_url = f"{switch_path}?lang={other}"
    elif request.method in ("GET", "HEAD"):
        switch_url = f"?lang={other}"
    html = _templates.get_template(f"signing/{template}").render(
        t=text, lang=language, switch_url=switch_url, **context
    )
    return HTMLResponse(html, status_code=status, headers=PAGE_HEADERS)


def message(request: Request, error: PageError) -> HTMLResponse:
    text = TEXT[lang(request)]
    response = page(
        request,
        "message.html",
        status=error.status,
        heading=text[error.key],
        text=text.get(error.text_key, ""),
    )
    response.headers.update(error.headers)
    return response


_PAGES: tuple[tuple[type[Exception], int, str, str | None], ...] = (
    (CodeLocked, 423, "e423", None),
    (AlreadySigned, 409, "e409", "already_signed"),
    (SigningInProgress, 409, "e409", "in_progress"),
    (ReportChanged, 409, "e409", None),
    (InvalidSignature, 422, "e422", None),
    (NotFound, 404, "e404", None),
    (ReportRenderFailed, 409, "e409", "render_failed"),
)


def error_for(exc: Exception) -> PageError:
    """The page for a signing error (any other domain error: 409, nothing changed)."""
    if isinstance(exc, PageError):
        return exc
    if isinstance(exc, LinkGone):
        reason = "e410_expired" if exc.reason == "expired" else "e410_revoked"
        return PageError(410, "e410", text_key=reason)
    if isinstance(exc, SmsLimitReached | ResendLimited):
        wait = exc.retry_after.total_seconds() if isinstance(exc, ResendLimited) else 3600
        return PageError(429, "e429", headers={"Retry-After": str(max(1, int(wait)))})
    for kind, status, key, text_key in _PAGES:
        if isinstance(exc, kind):
            return PageError(status, key, text_key=text_key)
    return PageError(409, "e409")


class SigningRoute(APIRoute):
    """Turns signing errors raised by a handler into message pages."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def handle(request: Request) -> Response:
            try:
                return await handler(request)
            except (PageError, SigningError, DomainError, NotFound, ReportRenderFailed) as exc:
                error = error_for(exc)
                if error.status >= 409 and not isinstance(exc, PageError):
                    log.info("signing step refused", status=error.status, error=type(exc).__name__)
                return message(request, error)

        return handle


def session_cookie_name(secure: bool) -> str:
    """`__Host-` binds the cookie to this exact origin (only possible over https)."""
    return "__Host-hub_sign" if secure else "hub_sign"


def set_session_cookie(response: Response, session_id: str, *, secure: bool) -> None:
    response.set_cookie(
        session_cookie_name(secure),
        session_id,
        httponly=True,
        secure=secure,
        samesite="strict",
        path="/",
    )


def public_origin(public_url: str) -> str:
    parts = urlsplit(public_url)
    return f"{parts.scheme}://{parts.netloc}"


def require_same_origin(request: Request, public_url: str) -> None:
    """403 for a POST from another site: by `Sec-Fetch-Site`, or an `Origin` not the hub's.

    `Referrer-Policy: no-referrer` makes browsers send `Origin: null` even on their own form
    POSTs; such a POST passes only when the browser also vouches `Sec-Fetch-Site: same-origin`.
    """
    fetch_site = request.headers.get("sec-fetch-site")
    if fetch_site is not None and fetch_site not in ("same-origin", "none"):
        raise PageError(403, "e403")
    origin = request.headers.get("origin")
    if origin == "null" and fetch_site != "same-origin":
        raise PageError(403, "e403")
    if origin not in (None, "null") and origin != public_origin(public_url):
        raise PageError(403, "e403")


def asset(name: str) -> Response:
    media_type = ASSETS.get(name)
    if media_type is None:
        raise PageError(404, "e404")
    body = files("hub.web").joinpath("static", "signing", name).read_bytes()
    return Response(
        body,
        media_type=media_type,
        headers={"Cache-Control": "public, max-age=3600", "X-Content-Type-Options": "nosniff"},
    )
