"""The customer's signing pages, opened from the SMS link (`/s/{token}`).

    GET  /s/{t}          asks the customer to request a code; changes nothing (link previews)
    POST /s/{t}/code     texts a code                  POST /s/{t}/verify   checks it (session)
    GET  /s/{t}/report   the report as page images and the signature pad; once signed, the
                         signed report (or "being prepared", refreshing, while it renders)
    POST /s/{t}/sign     accepts a signature of the exact version viewed → 202 "being prepared"

No GET writes a row (audit lines of reads are buffered) and none renders a PDF (the worker
renders: a signature's PDF after the POST answered). Page images are immutable per link:
`private, max-age` a year, an ETag, and 304 for a matching `If-None-Match`.

Every POST needs the session cookie and its CSRF token, and is refused (403) when it comes
from another site. Unknown tokens all get the same 404 page; 30 misses a minute from one IP
and every token answers 429.
"""

from __future__ import annotations

import secrets

from fastapi import APIRouter, Request, Response
from fastapi.responses import FileResponse, RedirectResponse

from hub.domain.signing import Channel, CodeLocked, CodeRejected, SigningLink
from hub.signing.context import RequestContext
from hub.signing.service import SigningService
from hub.web.deps import SigningDep
from hub.web.signing_pages import (
    NO_STORE,
    PageError,
    SigningRoute,
    asset,
    lang,
    page,
    require_same_origin,
    session_cookie_name,
    set_session_cookie,
)
from hub.web.signing_text import TEXT

MAX_FORM_BYTES = 2 * 1024 * 1024
PREPARING_REFRESH_S = 2
IMMUTABLE = {
    "Cache-Control": "private, max-age=31536000, immutable",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
}

router = APIRouter(route_class=SigningRoute, include_in_schema=False)


def context_of(request: Request) -> RequestContext:
    client = request.client.host if request.client else None
    return RequestContext.of(client, request.headers.get("user-agent"))


async def open_link(
    request: Request, signing: SigningService, token: str, *, recent: bool = False
) -> SigningLink:
    """The link of a token, or the same 404 page for every unknown token (rate limited);
    `recent`: a lookup of the last second will do (the link page, which changes nothing)."""
    ip = request.client.host if request.client else "-"
    if signing.probes.blocked(ip):
        raise PageError(429, "e429", headers={"Retry-After": str(signing.probes.retry_after(ip))})
    records = signing.records
    link = await (records.resolve_recent(token) if recent else records.resolve(token))
    if link is None:
        signing.probes.miss(ip)
        raise PageError(404, "e404")
    signing.require_open(link)
    return link


def session_id(request: Request, signing: SigningService) -> str | None:
    return request.cookies.get(session_cookie_name(signing.secure_cookies))


async def checked_form(
    request: Request, signing: SigningService, link: SigningLink
) -> tuple[str, dict[str, str]]:
    """The session id and form of a same-origin POST with a valid CSRF token, else 403."""
    require_same_origin(request, signing.public_url)
    if int(request.headers.get("content-length") or 0) > MAX_FORM_BYTES:
        raise PageError(413, "e413")
    form = await request.form(max_files=0, max_fields=20)
    fields = {key: value for key, value in form.items() if isinstance(value, str)}
    sid = session_id(request, signing)
    if not sid or not signing.csrf_valid(fields.get("csrf", ""), sid, link):
        raise PageError(403, "e403")
    return sid, fields


@router.get("/signing-assets/{name}")
async def signing_asset(name: str) -> Response:
    return asset(name)


@router.api_route("/s/{token}", methods=["GET", "HEAD"])
async def link_page(request: Request, signing: SigningDep, token: str) -> Response:
    """Nothing changes here (the audit line `link_fetched` is buffered): no code, no
    consumption, no row written."""
    link = await open_link(request, signing, token, recent=True)
    signing.record_fetch(link, context_of(request), method=request.method)
    sid = session_id(request, signing) or secrets.token_urlsafe(32)
    # On site too: the customer confirms with a code texted to the order's contact; the
    # technician's phone (and credential) alone never signs an order.
    response = page(
        request,
        "link.html",
        base=f"/s/{token}",
        csrf=signing.csrf_token(sid, link),
        to_masked=link.to_masked,
        on_site=link.channel is Channel.ON_SITE,
    )
    set_session_cookie(response, sid, secure=signing.secure_cookies)
    return response


@router.post("/s/{token}/code")
async def request_code(request: Request, signing: SigningDep, token: str) -> Response:
    link = await open_link(request, signing, token)
    sid, _ = await checked_form(request, signing, link)
    await signing.request_code(link, context_of(request))
    csrf = signing.csrf_token(sid, link)
    base = f"/s/{token}"
    return page(
        request, "code.html", base=base, csrf=csrf, switch_path=base, to_masked=link.to_masked
    )


@router.post("/s/{token}/verify")
async def verify_code(request: Request, signing: SigningDep, token: str) -> Response:
    link = await open_link(request, signing, token)
    sid, form = await checked_form(request, signing, link)
    try:
        verified = await signing.check_code(link, form.get("code", ""), context_of(request))
    except CodeRejected as exc:
        if exc.remaining <= 0:
            raise CodeLocked("locked by this try") from exc
        text = TEXT[lang(request)]
        reason = {"expired": "code_expired", "not requested yet": "code_missing"}
        key = reason.get(exc.reason, "code_format" if exc.reason == "not six digits" else "")
        error = text[key] if key else text["wrong_code"].format(n=exc.remaining)
        csrf = signing.csrf_token(sid, link)
        base = f"/s/{token}"
        return page(
            request, "code.html", status=400, base=base, csrf=csrf, error=error, switch_path=base
        )
    response = RedirectResponse(f"/s/{token}/report?lang={lang(request)}", status_code=303)
    response.headers.update(NO_STORE)
    set_session_cookie(response, verified, secure=signing.secure_cookies)  # a new id once verified
    return response


async def verified_link(
    request: Request, signing: SigningService, token: str
) -> tuple[SigningLink, str]:
    """The link and session of a customer who entered the right code."""
    link = await open_link(request, signing, token)
    sid = session_id(request, signing)
    if sid is None or not await signing.records.session_valid(link, sid):
        raise PageError(403, "e403")
    return link, sid


@router.get("/s/{token}/report")
async def report_view(request: Request, signing: SigningDep, token: str) -> Response:
    link, sid = await verified_link(request, signing, token)
    return await report_page(request, signing, link, sid, token)


async def report_page(
    request: Request, signing: SigningService, link: SigningLink, sid: str, token: str
) -> Response:
    """The report with the signature pad, or the signed report's downloads once signed."""
    base = f"/s/{token}"
    if signing.is_signed(link):
        return await signed_page(request, signing, link, base)
    report = await signing.report_for(link)
    pages = await signing.page_images(report)
    signing.record_view(link, report, context_of(request))
    return page(
        request,
        "report.html",
        base=base,
        csrf=signing.csrf_token(sid, link),
        report=report,
        pages=range(1, len(pages) + 1),
        on_site=link.channel is Channel.ON_SITE,
        signer_hint=await signing.records.signer_hint(link),
    )


async def signed_page(
    request: Request, signing: SigningService, link: SigningLink, base: str, *, status: int = 200
) -> Response:
    """The signed report's fingerprint and downloads (the signed PDF and the test pictures), or
    "being prepared" (refreshing itself) while the worker renders the signed PDF."""
    signature = await signing.records.signature(link.order_id)
    if signature is None or signature.status != "signed":
        refresh = f"{base}/report?lang={lang(request)}"
        return page(
            request,
            "preparing.html",
            status=status,
            switch_path=f"{base}/report",
            refresh_url=refresh,
            refresh_s=PREPARING_REFRESH_S,
        )
    pictures = await signing.records.pictures(link.order_id)
    return page(
        request,
        "signed.html",
        switch_path=f"{base}/report",
        base=base,
        signature=signature,
        pictures=range(1, len(pictures) + 1),
    )


@router.get("/s/{token}/pages/{number}.png")
async def page_image(request: Request, signing: SigningDep, token: str, number: int) -> Response:
    """A page of the link's report: the link shows one report version, so its images never
    change; a browser keeps them (private: personal data) and revalidates by ETag."""
    link, _ = await verified_link(request, signing, token)
    etag = f'"{link.report_sha256}-{number}"'
    headers = {**IMMUTABLE, "ETag": etag}
    if etag in request.headers.get("if-none-match", ""):
        return Response(status_code=304, headers=headers)
    pages = await signing.page_images(await signing.report_for(link))
    if not 1 <= number <= len(pages):
        raise PageError(404, "e404")
    return FileResponse(pages[number - 1], media_type="image/png", headers=headers)


@router.get("/s/{token}/report.pdf")
async def report_pdf(request: Request, signing: SigningDep, token: str) -> Response:
    link, _ = await verified_link(request, signing, token)
    report = await signing.report_for(link)
    name = f"delivery-report-{link.order_id}-v{report.version}.pdf"
    headers = {**NO_STORE, "Content-Disposition": f'inline; filename="{name}"'}
    return FileResponse(report.path, media_type="application/pdf", headers=headers)


@router.post("/s/{token}/sign")
async def sign(request: Request, signing: SigningDep, token: str) -> Response:
    link, _ = await verified_link(request, signing, token)
    _, form = await checked_form(request, signing, link)
    try:
        version = int(form.get("report_version", ""))
    except ValueError:
        raise PageError(409, "e409") from None
    signer = " ".join(form.get("signer_name", "").split())[:50]
    await signing.sign(
        link,
        version=version,
        sha256=form.get("report_sha256", ""),
        signer_name=signer or await signing.records.signer_hint(link),
        signature_data_url=form.get("signature", ""),
        ctx=context_of(request),
    )
    signed = await signing.records.resolve(token)
    assert signed is not None
    return await signed_page(request, signing, signed, f"/s/{token}", status=202)


@router.get("/s/{token}/signed.pdf")
async def signed_pdf(request: Request, signing: SigningDep, token: str) -> Response:
    link, _ = await verified_link(request, signing, token)
    signature = await signing.records.signature(link.order_id)
    if not signing.is_signed(link) or signature is None or signature.signed_path is None:
        raise PageError(404, "e404")
    signing.record_download(link, context_of(request), what="signed_report")
    name = f"signed-delivery-report-{link.order_id}-v{signature.report_version}.pdf"
    headers = {**NO_STORE, "Content-Disposition": f'attachment; filename="{name}"'}
    return FileResponse(signature.signed_path, media_type="application/pdf", headers=headers)


@router.get("/s/{token}/pictures/{number}")
async def picture(request: Request, signing: SigningDep, token: str, number: int) -> Response:
    link, _ = await verified_link(request, signing, token)
    pictures = await signing.records.pictures(link.order_id)
    if not signing.is_signed(link) or not 1 <= number <= len(pictures):
        raise PageError(404, "e404")
    found = pictures[number - 1]
    return FileResponse(found.path, media_type=found.content_type, headers=NO_STORE)
