"""Signing for the field app, version 1 (deprecated): the answers it gave before issue #11.

Version 2 (`hub.web.signing_api`) never waits for a render: a changed report answers 202
`preparing`, and an on-site signature is accepted with 202 while a worker renders the signed
PDF. Version 1 promised finished results (a report, a texted link, a signed PDF: 201), so its
routes run the same use cases and then wait for the worker, polling, up to `V1_WAIT_S`:

    v1 request ─▶ the v2 use case ─▶ done? answer as v1 did
                                  └─ preparing ─▶ ask again every 0.25 s ─▶ done: answer
                                                                         └─ V1_WAIT_S: 503
                                                                            + Retry-After
                                                                            (a signature:
                                                                            202 preparing)

Nothing is rendered in the request, and nothing is done twice: a repeated "send the link"
asks without `reissue`, so a waiting request never texts a second link.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Annotated, TypeVar

from fastapi import APIRouter, Body, Depends, HTTPException, Request, Response, status
from fastapi.responses import FileResponse

from hub.errors import ReportPreparing
from hub.web.auth import authenticated_technician
from hub.web.deps import SigningDep
from hub.web.models import ValidationProblem, problem_response
from hub.web.signing import context_of
from hub.web.signing_api import (
    CodeSent,
    LinkState,
    OnSitePage,
    OnSiteSignature,
    RemoteSigningRequest,
    ReportState,
    SignatureState,
    assigned_order_id,
    record_on_site_signature,
    report_pdf,
    signature_state_of,
)

V1_WAIT_S = 20.0
POLL_S = 0.25
Result = TypeVar("Result")

router = APIRouter(
    prefix="/api/v1/technicians/{technician_id}/orders/{order_id}",
    tags=["signing (v1, deprecated)"],
    dependencies=[Depends(authenticated_technician)],
    deprecated=True,
    responses={
        **problem_response(401, "Missing or wrong field-app token"),
        **problem_response(404, "No such order assigned to this technician, or no report yet"),
        **problem_response(409, "Already signed, or the report changed; nothing was done"),
        **problem_response(503, f"The worker did not finish within {V1_WAIT_S:g} s; ask again"),
        422: {"model": ValidationProblem, "description": "The request did not validate"},
    },
)
AssignedOrder = Annotated[str, Depends(assigned_order_id)]


async def when_ready(ask: Callable[[], Awaitable[Result | None]]) -> Result:
    """`ask()` again while the report is being prepared (it raises `ReportPreparing` or
    answers None); 503 with `Retry-After` once `V1_WAIT_S` have passed."""
    answer = await _waited(ask)
    if answer is None:
        raise HTTPException(
            status.HTTP_503_SERVICE_UNAVAILABLE,
            "the report is still being prepared; ask again in a moment",
            headers={"Retry-After": "2"},
        )
    return answer


async def _waited(ask: Callable[[], Awaitable[Result | None]]) -> Result | None:
    deadline = time.monotonic() + V1_WAIT_S
    while True:
        try:
            answer = await ask()
        except ReportPreparing:
            answer = None
        if answer is not None or time.monotonic() >= deadline:
            return answer
        await asyncio.sleep(POLL_S)


@router.post(
    "/remote-signing", status_code=status.HTTP_202_ACCEPTED, summary="Send for remote signing"
)
async def send_for_remote_signing(
    signing: SigningDep,
    request: Request,
    order_id: AssignedOrder,
    body: Annotated[RemoteSigningRequest | None, Body()] = None,
) -> LinkState:
    """Text the order's contact a link to the latest report, once per report version; waits
    for a changed report to be rendered (v2 answers `preparing` at once)."""
    ctx = context_of(request)
    first = await signing.request_link(order_id, reissue=bool(body and body.reissue), ctx=ctx)
    if first is not None:
        return LinkState.of(first)
    # The worker renders, then texts the link: wait for the render (a read), then take the
    # link, which for a current report writes no second SendSigningLink and never reissues.
    await when_ready(lambda: signing.report_to_sign(order_id))
    issued = await when_ready(lambda: signing.request_link(order_id, ctx=ctx))
    return LinkState.of(issued).model_copy(update={"sent": True})


@router.post("/on-site-signing", summary="Open the signing page on this phone")
async def open_on_site_signing(signing: SigningDep, order_id: AssignedOrder) -> OnSitePage:
    """A one-off page (30 minutes) with the report and a signature pad for the customer."""
    return OnSitePage.of(await when_ready(lambda: signing.open_on_site(order_id)))


@router.get("/report", summary="The report to sign, with its version and hash")
async def current_report(
    signing: SigningDep, request: Request, order_id: AssignedOrder
) -> ReportState:
    """The latest report version (waits while a changed report is rendered)."""
    report = await when_ready(lambda: signing.report_to_sign(order_id))
    pdf_url = str(request.url_for("current_report_pdf_v1", **request.path_params))
    return ReportState.of(order_id, report, pdf_url)


@router.get(
    "/report.pdf",
    summary="The report to sign, as PDF",
    response_class=FileResponse,
    responses={200: {"content": {"application/pdf": {}}}},
    name="current_report_pdf_v1",
)
async def current_report_pdf(signing: SigningDep, order_id: AssignedOrder) -> FileResponse:
    """The PDF of the latest report version (waits while a changed report is rendered)."""
    return report_pdf(order_id, await when_ready(lambda: signing.report_to_sign(order_id)))


@router.post(
    "/signature/code",
    status_code=status.HTTP_202_ACCEPTED,
    summary="Text the customer a code to sign on site",
)
async def request_on_site_code(
    signing: SigningDep, request: Request, order_id: AssignedOrder
) -> CodeSent:
    """A 6-digit code to the order's contact phone (at most 3 per 15 minutes)."""
    ctx = context_of(request)
    issued = await when_ready(lambda: signing.request_on_site_code(order_id, ctx))
    return CodeSent(order_id=order_id, report_version=issued.report_version, to=issued.to_masked)


@router.post(
    "/signature",
    status_code=status.HTTP_201_CREATED,
    summary="Record an on-site signature",
    responses={
        202: {
            "model": SignatureState,
            "description": f"Accepted, but the signed PDF was not ready within {V1_WAIT_S:g} s "
            "(`state: preparing`): `GET …/signature` says when it is",
        },
        **problem_response(403, "The code is wrong (the answer says how many tries are left)"),
        **problem_response(423, "Too many wrong codes: request a new code"),
    },
)
async def sign_on_site(
    signing: SigningDep,
    request: Request,
    response: Response,
    order_id: AssignedOrder,
    body: OnSiteSignature,
) -> SignatureState:
    """The customer signed in the field app's own pad, with the code they were texted; exactly
    once per order. Answers 201 with the signed PDF's SHA-256 once a worker rendered it."""
    accepted = await record_on_site_signature(signing, request, order_id, body)

    async def signed() -> SignatureState | None:
        state = signature_state_of(order_id, await signing.records.signature(order_id))
        return state if state.signed else None

    state = await _waited(signed)
    if state is None:
        response.status_code = status.HTTP_202_ACCEPTED
        return signature_state_of(order_id, accepted)
    return state


@router.get("/signature", summary="Signature state")
async def signature_state(signing: SigningDep, order_id: AssignedOrder) -> SignatureState:
    """Whether the order's delivery report is signed, on which channel and for which version."""
    return signature_state_of(order_id, await signing.records.signature(order_id))
