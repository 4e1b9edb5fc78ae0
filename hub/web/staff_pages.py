"""Staff in a browser: `/login` turns a token into a session cookie, `/logout` ends it.

The pages for staff (`/ops`, `/docs`) send a browser without a session here and back.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlsplit

from fastapi import APIRouter, Form, HTTPException, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, PackageLoader, select_autoescape

from hub.identity.errors import Unauthenticated
from hub.web.deps import AuthenticatorDep, StaffSessionsDep

router = APIRouter(include_in_schema=False)
_templates = Environment(
    loader=PackageLoader("hub.web", "templates"),
    autoescape=select_autoescape(default=True, default_for_string=True),
)
ASSETS = "/docs-assets"


def safe_next(value: str | None) -> str:
    """Only a path of this site: never another host (`//evil`, `https://…`)."""
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return "/"
    parts = urlsplit(value)
    if parts.scheme or parts.netloc:
        return "/"
    return value[:512]


def _page(sessions_hours: float, *, next_path: str, error: str | None, signed_in: bool) -> str:
    return _templates.get_template("login.html").render(
        assets=ASSETS,
        title="Delivery hub",
        hours=f"{sessions_hours:g}",
        next=next_path,
        error=error,
        signed_in=signed_in,
    )


@router.get("/login", response_class=HTMLResponse)
async def login_page(
    request: Request, sessions: StaffSessionsDep, next: str | None = None
) -> HTMLResponse:
    signed_in = sessions.credential(request.cookies.get(sessions.cookie_name)) is not None
    html = _page(sessions.ttl_s / 3600, next_path=safe_next(next), error=None, signed_in=signed_in)
    return HTMLResponse(html)


@router.post("/login", response_class=HTMLResponse)
async def login(
    request: Request,
    authenticator: AuthenticatorDep,
    sessions: StaffSessionsDep,
    token: Annotated[str, Form(max_length=4096)],
    next: Annotated[str, Form(max_length=512)] = "/",
) -> Response:
    _same_origin(request)
    target = safe_next(next)
    try:
        await authenticator.authenticate(f"Bearer {token.strip()}")
    except Unauthenticated as exc:
        html = _page(
            sessions.ttl_s / 3600,
            next_path=target,
            error=f"That token was not accepted: {exc.reason}.",
            signed_in=False,
        )
        return HTMLResponse(html, status_code=status.HTTP_401_UNAUTHORIZED)
    answer = RedirectResponse(target, status_code=status.HTTP_303_SEE_OTHER)
    answer.set_cookie(
        sessions.cookie_name,
        sessions.seal(token.strip()),
        max_age=int(sessions.ttl_s),
        httponly=True,
        samesite="strict",
        secure=sessions.secure,
        path="/",
    )
    return answer


@router.post("/logout")
async def logout(request: Request, sessions: StaffSessionsDep) -> Response:
    _same_origin(request)
    answer = RedirectResponse("/login", status_code=status.HTTP_303_SEE_OTHER)
    answer.delete_cookie(sessions.cookie_name, path="/")
    return answer


def _same_origin(request: Request) -> None:
    """A form posted from another site is refused. Browsers say where a request comes from in
    `Sec-Fetch-Site`; `Origin` is `null` on this site's own forms (`Referrer-Policy:
    no-referrer`), so it only counts when it names a site."""
    fetch_site = request.headers.get("sec-fetch-site")
    origin = request.headers.get("origin")
    foreign = fetch_site is not None and fetch_site not in ("same-origin", "none")
    if origin and origin != "null" and urlsplit(origin).netloc != request.headers.get("host"):
        foreign = True
    if foreign:
        raise HTTPException(
            status.HTTP_403_FORBIDDEN, "sign-in forms are accepted from this site only"
        )
