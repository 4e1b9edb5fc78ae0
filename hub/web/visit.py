"""The customer's visit page, opened from the booking SMS (`/v/{token}`).

    GET  /v/{t}          the booked window, the order's progress in plain words; changes nothing
    POST /v/{t}/confirm  the time suits                    → AnswerVisit(confirm)
    POST /v/{t}/change   another day and time, a reason     → AnswerVisit(change): the dispatcher
                                                              decides (nothing moves by itself)

Like the signing pages: the token is the only credential (only its digest is stored), every POST
needs the session cookie and its CSRF token and is refused from another site, unknown tokens get
one 404 page and too many misses from an IP get 429. A POST answers with a redirect to the page.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable, Coroutine
from datetime import date, datetime, time, timedelta
from typing import Any

import structlog
from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.routing import APIRoute
from jinja2 import Environment, PackageLoader, select_autoescape

from hub.domain.appointment_log import window_text
from hub.domain.signing import csrf_token, csrf_valid
from hub.domain.visit_link import VisitLink
from hub.errors import DomainError
from hub.web.deps import CommandsDep, ServicesDep, VisitsDep
from hub.web.signing_pages import (
    PAGE_HEADERS,
    PageError,
    require_same_origin,
    session_cookie_name,
    set_session_cookie,
)
from hub.web.visit_text import TEXT
from schemas.v1 import AnswerVisit, RescheduleReason

log = structlog.get_logger(__name__)
MAX_FORM_BYTES = 16 * 1024
REASONS = ("customer_request", "site_not_ready", "equipment_room_access", "other")
PARTS = {"morning": (time(9), time(12)), "afternoon": (time(14), time(17))}
AHEAD = timedelta(days=60)
FORM_ERRORS = ("bad_day", "bad_reason")

_templates = Environment(
    loader=PackageLoader("hub.web", "templates"),
    autoescape=select_autoescape(default=True, default_for_string=True),
)


class VisitRoute(APIRoute):
    """Turns refusals into a message page in the customer's words."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def handle(request: Request) -> Response:
            try:
                return await handler(request)
            except PageError as exc:
                return _message(request, exc.status, exc.key, exc.headers)
            except DomainError as exc:
                log.info("visit answer refused", error=type(exc).__name__)
                return _message(request, 409, "e409", {}, text=str(exc))

        return handle


router = APIRouter(route_class=VisitRoute, include_in_schema=False)


def _lang(request: Request) -> str:
    return "en" if request.query_params.get("lang") == "en" else "zh"


def _render(request: Request, template: str, *, status: int = 200, **context: Any) -> HTMLResponse:
    t = TEXT[_lang(request)]
    switch_url = f"?lang={t['switch_lang']}" if request.method in ("GET", "HEAD") else None
    html = _templates.get_template(template).render(
        t=t, lang=_lang(request), switch_url=switch_url, **context
    )
    return HTMLResponse(html, status_code=status, headers=PAGE_HEADERS)


def _message(
    request: Request, status: int, key: str, headers: dict[str, str], *, text: str | None = None
) -> HTMLResponse:
    t = TEXT[_lang(request)]
    response = _render(
        request,
        "signing/message.html",
        status=status,
        heading=t.get(key, t["e400"]),
        text=text if text is not None else t.get(f"{key}_text", ""),
    )
    response.headers.update(headers)
    return response


async def _open(
    request: Request, services: ServicesDep, visits: VisitsDep, token: str
) -> VisitLink:
    ip = request.client.host if request.client else "-"
    probes = visits.probes
    if probes.blocked(ip):
        raise PageError(429, "e429", headers={"Retry-After": str(probes.retry_after(ip))})
    link = await visits.link(token)
    if link is None:
        probes.miss(ip)
        raise PageError(404, "e404")
    if not link.open_at(visits.now()):
        raise PageError(410, "e410")
    return link


@router.api_route("/v/{token}", methods=["GET", "HEAD"])
async def visit_page(
    request: Request, services: ServicesDep, visits: VisitsDep, token: str
) -> Response:
    """The window and the progress; nothing is written."""
    link = await _open(request, services, visits, token)
    view = await visits.view(link)
    if view is None:
        raise PageError(410, "e410")
    t = TEXT[_lang(request)]
    zone = services.settings.appointment_policy.zone
    sid = request.cookies.get(session_cookie_name(_secure(services))) or secrets.token_urlsafe(32)
    today = visits.now().astimezone(zone).date()
    done = {"confirmed": t["done_confirmed"], "requested": t["done_requested"]}
    pending = view.pending
    reached = [step for step, ok in view.steps if ok]
    response = _render(
        request,
        "visit/page.html",
        v=view,
        base=f"/v/{token}",
        csrf=csrf_token(sid, link.link_id, secret=services.signing.secret),
        window=window_text(view.window_start, view.window_end, zone),
        current=reached[-1],
        pending=t["pending"].format(
            window=window_text(pending.wanted_start, pending.wanted_end, zone)
        )
        if pending
        else "",
        notice=done.get(request.query_params.get("done", "")),
        error=t[error] if (error := request.query_params.get("error")) in FORM_ERRORS else None,
        reasons=REASONS,
        first_day=(today + timedelta(days=1)).isoformat(),
        last_day=(today + AHEAD).isoformat(),
    )
    set_session_cookie(response, sid, secure=_secure(services))
    return response


@router.post("/v/{token}/confirm")
async def confirm(
    request: Request, services: ServicesDep, visits: VisitsDep, commands: CommandsDep, token: str
) -> Response:
    link = await _open(request, services, visits, token)
    await _checked_form(request, services, link)
    answer = AnswerVisit(
        order_id=link.order_id,
        link_id=link.link_id,
        window_version=link.window_version,
        answer="confirm",
    )
    await commands.run(answer, message_id=f"visit-confirm:{link.link_id}")
    return _back(request, token, done="confirmed")


@router.post("/v/{token}/change")
async def change(
    request: Request, services: ServicesDep, visits: VisitsDep, commands: CommandsDep, token: str
) -> Response:
    link = await _open(request, services, visits, token)
    form = await _checked_form(request, services, link)
    zone = services.settings.appointment_policy.zone
    today = visits.now().astimezone(zone).date()
    try:
        day = date.fromisoformat(form.get("day", ""))
    except ValueError:
        return _back(request, token, error="bad_day")
    part = PARTS.get(form.get("part", ""))
    if part is None or not today < day <= today + AHEAD:
        return _back(request, token, error="bad_day")
    reason, text = form.get("reason", ""), form.get("reason_text", "").strip()[:200]
    if reason not in REASONS or (reason == "other" and not text) or not text.isprintable():
        return _back(request, token, error="bad_reason")
    answer = AnswerVisit(
        order_id=link.order_id,
        link_id=link.link_id,
        window_version=link.window_version,
        answer="change",
        wanted_start=datetime.combine(day, part[0], tzinfo=zone),
        wanted_end=datetime.combine(day, part[1], tzinfo=zone),
        reason=RescheduleReason(reason),
        reason_text=text,
    )
    digest = hashlib.sha256(answer.model_dump_json().encode()).hexdigest()[:24]
    await commands.run(answer, message_id=f"visit-change:{link.link_id}:{digest}")
    return _back(request, token, done="requested")


async def _checked_form(request: Request, services: ServicesDep, link: VisitLink) -> dict[str, str]:
    """The form of a same-origin POST with a valid CSRF token, else 403."""
    require_same_origin(request, services.settings.public_url)
    if int(request.headers.get("content-length") or 0) > MAX_FORM_BYTES:
        raise PageError(413, "e400")
    form = await request.form(max_files=0, max_fields=10)
    fields = {key: value for key, value in form.items() if isinstance(value, str)}
    sid = request.cookies.get(session_cookie_name(_secure(services)))
    secret = services.signing.secret
    if not sid or not csrf_valid(fields.get("csrf", ""), sid, link.link_id, secret=secret):
        raise PageError(403, "e403")
    return fields


def _back(request: Request, token: str, **query: str) -> RedirectResponse:
    params = "&".join(f"{k}={v}" for k, v in {"lang": _lang(request), **query}.items())
    return RedirectResponse(f"/v/{token}?{params}", status_code=303, headers=PAGE_HEADERS)


def _secure(services: ServicesDep) -> bool:
    return services.signing.secure_cookies
