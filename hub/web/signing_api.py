"""Signing for the field app (send the link, sign on site), version 2, and the public PDF check.

Version 2 never waits for a render (issue #11): a report whose data changed answers 202
`preparing` while a worker renders it, and an on-site signature is accepted with 202 while a
worker renders the signed PDF. Version 1 (`hub.web.signing_api_v1`, deprecated) keeps its
old answers by waiting for the worker.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Depends, HTTPException, Query, Request, status
from fastapi.responses import FileResponse
from pydantic import AfterValidator, BaseModel, Field, StringConstraints

from hub.domain.signing import CodeLocked, CodeRejected, InvalidSignature
from hub.domain.work_order import WorkOrder
from hub.ports import SignatureRecord
from hub.reports import ReportVersion
from hub.signing.links import LinkIssued
from hub.web.auth import VERIFIERS, allow, assigned_order, authenticated_technician
from hub.web.deps import SigningDep
from hub.web.models import ValidationProblem, problem_response
from hub.web.signing import context_of
from schemas.v1.common import single_line

technician_router = APIRouter(
    prefix="/api/v2/technicians/{technician_id}/orders/{order_id}",
    tags=["signing"],
    dependencies=[Depends(authenticated_technician)],
    responses={
        **problem_response(401, "Missing or wrong field-app token"),
        **problem_response(404, "No such order assigned to this technician, or no report yet"),
        **problem_response(409, "Already signed, or the report changed; nothing was done"),
        422: {"model": ValidationProblem, "description": "The request did not validate"},
    },
)
verify_router = APIRouter(
    prefix="/api/v1/signatures", tags=["signing"], dependencies=[allow(*VERIFIERS)]
)
MAX_PDF_BYTES = 30 * 1024 * 1024


class RemoteSigningRequest(BaseModel):
    reissue: bool = Field(
        default=False, description="Revoke the current link and text a new one (same version)"
    )


class LinkState(BaseModel):
    """The remote signing link of an order (the token is never returned).

    `preparing`: the order's data changed since the last report version, so the worker renders
    the new version first and then texts the link (nothing else to do: the SMS follows);
    `report_version`, `to` and `expires_at` are null in that state only."""

    order_id: str
    report_version: int | None = Field(description="null while `preparing`")
    status: Literal["active", "expired", "locked", "revoked", "signed", "preparing"]
    sent: bool = Field(description="True if this request texted a link; False if one existed")
    to: str | None = Field(description="The contact's phone, masked")
    expires_at: datetime | None = Field(description="null while `preparing`")

    @classmethod
    def preparing(cls, order_id: str) -> LinkState:
        return cls(
            order_id=order_id,
            report_version=None,
            status="preparing",
            sent=False,
            to=None,
            expires_at=None,
        )

    @classmethod
    def of(cls, issued: LinkIssued) -> LinkState:
        return cls(
            order_id=issued.order_id,
            report_version=issued.report_version,
            status=issued.status,
            sent=issued.sent,
            to=issued.to_masked,
            expires_at=issued.expires_at,
        )


class OnSitePage(BaseModel):
    """Open `url` on the technician's phone: the customer views the report and signs there."""

    url: str
    report_version: int
    expires_at: datetime

    @classmethod
    def of(cls, issued: LinkIssued) -> OnSitePage:
        assert issued.url is not None  # an on-site link always has its page
        return cls(
            url=issued.url, report_version=issued.report_version, expires_at=issued.expires_at
        )


class OnSiteSignature(BaseModel):
    """A signature drawn in the field app's own pad, for the report version it showed."""

    report_version: int = Field(ge=1)
    report_sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    signer_name: Annotated[str, StringConstraints(max_length=50), AfterValidator(single_line)] = (
        Field(min_length=1)
    )
    signature_png: str = Field(max_length=800_000, description="The pad's `toDataURL('image/png')`")
    code: str = Field(
        pattern=r"^\s*\d{6}\s*$",
        description="The 6-digit code the customer was texted (`POST .../signature/code`): "
        "it confirms, on the spot, that the order's contact is the one signing",
    )


class CodeSent(BaseModel):
    """A code was texted to the order's contact (valid 10 minutes, 5 tries)."""

    order_id: str
    report_version: int = Field(description="The report version the code lets them sign")
    to: str | None = Field(description="The contact's phone, masked")


class ReportState(BaseModel):
    """The order's delivery report as the field app shows it in its own pad."""

    order_id: str
    report_version: int = Field(description="Sign this version (`POST .../signature`)")
    report_sha256: str = Field(description="... with this SHA-256")
    created_at: datetime
    pdf_url: str = Field(description="Download the PDF to show it (same credential)")

    @classmethod
    def of(cls, order_id: str, report: ReportVersion, pdf_url: str) -> ReportState:
        return cls(
            order_id=order_id,
            report_version=report.version,
            report_sha256=report.sha256,
            created_at=report.created_at,
            pdf_url=pdf_url,
        )


def report_pdf(order_id: str, report: ReportVersion) -> FileResponse:
    """The report version's PDF as a download."""
    name = f"delivery-report-{order_id}-v{report.version}.pdf"
    return FileResponse(report.path, media_type="application/pdf", filename=name)


class Preparing(BaseModel):
    """The report is being rendered by a worker (its data changed): ask again in a moment."""

    status: Literal["preparing"] = "preparing"
    detail: str
    retry_after_s: int = Field(description="Ask again after this many seconds")


PREPARING: dict[int | str, dict[str, Any]] = {
    202: {
        "model": Preparing,
        "description": "The report is being rendered (its data changed); ask again after "
        "`Retry-After` seconds. Nothing else changed",
    }
}


class SignatureState(BaseModel):
    """Whether the order's report is signed, how and which exact file.

    `state` is `preparing` between the signature's acceptance and its signed PDF (a worker
    renders it; `signed_sha256` is null until then), then `signed`."""

    order_id: str
    signed: bool
    state: Literal["unsigned", "preparing", "signed"] = "unsigned"
    channel: str | None = None
    report_version: int | None = None
    signed_sha256: str | None = None
    signed_at: datetime | None = None


class PdfCheckResult(BaseModel):
    """The check of an uploaded PDF: the details only when it verifies (an invalid upload learns
    nothing: not whether the order exists, nor whether it was signed)."""

    valid: bool = Field(description="The PDF is, byte for byte, a signed report the hub recorded")
    sha256: str | None = Field(default=None, description="SHA-256 of the file, if valid")
    order_id: str | None = Field(default=None, description="Its order, if valid")
    report_version: int | None = Field(default=None, description="Its report version, if valid")
    signed_at: datetime | None = Field(default=None, description="When it was signed, if valid")


async def assigned_order_id(order: Annotated[WorkOrder, Depends(assigned_order)]) -> str:
    """The id of the order in the path, if it is dispatched to the calling technician."""
    return order.order_id


AssignedOrder = Annotated[str, Depends(assigned_order_id)]


@technician_router.post(
    "/remote-signing", status_code=status.HTTP_202_ACCEPTED, summary="Send for remote signing"
)
async def send_for_remote_signing(
    signing: SigningDep,
    request: Request,
    order_id: AssignedOrder,
    body: Annotated[RemoteSigningRequest | None, Body()] = None,
) -> LinkState:
    """Text the order's contact a link to the latest report: once per report version.

    Repeating the call answers with the link already sent; `reissue` texts a new link and
    revokes the old one (e.g. expired, or locked after wrong codes). Never waits for a render:
    if the order's data changed since the last report, the answer is `status: preparing` and
    the worker renders the new version, then texts the link.
    """
    reissue = body.reissue if body else False
    issued = await signing.request_link(order_id, reissue=reissue, ctx=context_of(request))
    return LinkState.of(issued) if issued else LinkState.preparing(order_id)


@technician_router.post(
    "/on-site-signing", summary="Open the signing page on this phone", responses=PREPARING
)
async def open_on_site_signing(signing: SigningDep, order_id: AssignedOrder) -> OnSitePage:
    """A one-off page (30 minutes) with the report and a signature pad for the customer
    (202 `preparing` while a changed report renders)."""
    return OnSitePage.of(await signing.open_on_site(order_id))


@technician_router.get(
    "/report", summary="The report to sign, with its version and hash", responses=PREPARING
)
async def current_report(
    signing: SigningDep, request: Request, order_id: AssignedOrder
) -> ReportState:
    """The latest report version; 202 `preparing` if the order's data changed since (a worker
    renders the new version: ask again after `Retry-After`)."""
    report = await signing.report_to_sign(order_id)
    pdf_url = str(request.url_for("current_report_pdf", **request.path_params))
    return ReportState.of(order_id, report, pdf_url)


@technician_router.get(
    "/report.pdf",
    summary="The report to sign, as PDF",
    response_class=FileResponse,
    responses={200: {"content": {"application/pdf": {}}}, **PREPARING},
)
async def current_report_pdf(signing: SigningDep, order_id: AssignedOrder) -> FileResponse:
    """The PDF of the latest report version (what the customer signs in the app's pad); 202
    `preparing` while a changed report renders."""
    return report_pdf(order_id, await signing.report_to_sign(order_id))


@technician_router.post(
    "/signature/code",
    status_code=status.HTTP_202_ACCEPTED,
    summary="Text the customer a code to sign on site",
)
async def request_on_site_code(
    signing: SigningDep, request: Request, order_id: AssignedOrder
) -> CodeSent:
    """Before the customer signs in the app's pad, their identity is confirmed on the spot:
    a 6-digit code goes to the order's contact phone (at most 3 per 15 minutes). If the
    order's data changed since the report, no code is sent and the answer is a `Preparing`
    body (`status: preparing`): fetch the report again, then ask for the code."""
    issued = await signing.request_on_site_code(order_id, context_of(request))
    return CodeSent(order_id=order_id, report_version=issued.report_version, to=issued.to_masked)


@technician_router.post(
    "/signature",
    status_code=status.HTTP_202_ACCEPTED,
    summary="Record an on-site signature",
    responses={
        **problem_response(403, "The code is wrong (the answer says how many tries are left)"),
        **problem_response(423, "Too many wrong codes: request a new code"),
    },
)
async def sign_on_site(
    signing: SigningDep,
    request: Request,
    order_id: AssignedOrder,
    body: OnSiteSignature,
) -> SignatureState:
    """The customer signed in the field app's own pad, with the code they were texted; exactly
    once per order. The technician's credential alone never signs (nor bills) an order.

    Accepted at once (202, `state: preparing`); a worker renders the signed PDF, then
    `GET …/signature` says `signed` with its SHA-256 (usually within a second or two)."""
    record = await record_on_site_signature(signing, request, order_id, body)
    return signature_state_of(order_id, record)


async def record_on_site_signature(
    signing: SigningDep, request: Request, order_id: str, body: OnSiteSignature
) -> SignatureRecord:
    """Accept the signature (code checked, exactly once); the use case's refusals as HTTP."""
    try:
        return await signing.sign_on_site(
            order_id,
            version=body.report_version,
            sha256=body.report_sha256,
            signer_name=body.signer_name,
            signature_data_url=body.signature_png,
            code=body.code.strip(),
            ctx=context_of(request),
        )
    except InvalidSignature as exc:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(exc)) from exc
    except CodeLocked as exc:
        raise HTTPException(423, "too many wrong codes: request a new code") from exc
    except CodeRejected as exc:
        raise HTTPException(
            status.HTTP_403_FORBIDDEN,
            f"the code is not right ({exc.reason}); {exc.remaining} tries left",
        ) from exc


@technician_router.get("/signature", summary="Signature state")
async def signature_state(signing: SigningDep, order_id: AssignedOrder) -> SignatureState:
    """Whether the order's delivery report is signed, on which channel and for which version."""
    return signature_state_of(order_id, await signing.records.signature(order_id))


def signature_state_of(order_id: str, record: SignatureRecord | None) -> SignatureState:
    if record is None:
        return SignatureState(order_id=order_id, signed=False)
    if record.status != "signed":
        return SignatureState(
            order_id=order_id,
            signed=False,
            state="preparing",
            channel=record.channel,
            report_version=record.report_version,
        )
    return SignatureState(
        order_id=order_id,
        signed=True,
        state="signed",
        channel=record.channel,
        report_version=record.report_version,
        signed_sha256=record.signed_sha256,
        signed_at=record.signed_at,
    )


@verify_router.post(
    "/verify",
    summary="Check a signed report",
    openapi_extra={
        "requestBody": {
            "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}}
        }
    },
)
async def verify_pdf(
    signing: SigningDep,
    request: Request,
    order_id: Annotated[
        str | None,
        Query(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$", description="Only this order"),
    ] = None,
) -> PdfCheckResult:
    """POST the PDF as the body: is it, byte for byte, a signed report the hub recorded?

    A single changed byte gives `valid: false`.
    """
    if int(request.headers.get("content-length") or 0) > MAX_PDF_BYTES:
        raise HTTPException(status.HTTP_413_CONTENT_TOO_LARGE, "the PDF is larger than 30 MB")
    check = await signing.records.check_pdf(await request.body(), order_id=order_id)
    if not check.valid:
        return PdfCheckResult(valid=False)
    return PdfCheckResult(
        valid=check.valid,
        sha256=check.sha256,
        order_id=check.order_id,
        report_version=check.report_version,
        signed_at=check.signed_at,
    )
