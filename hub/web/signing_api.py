"""Signing for the field app (send the link, sign on site) and the public PDF check."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Body, Depends, HTTPException, Query, Request, status
from pydantic import AfterValidator, BaseModel, Field, StringConstraints

from hub.domain.signing import InvalidSignature
from hub.domain.work_order import WorkOrder
from hub.ports import SignatureRecord
from hub.signing.links import LinkIssued
from hub.web.auth import assigned_order, require_field_app_token
from hub.web.deps import SigningDep
from hub.web.models import ValidationProblem, problem_response
from hub.web.signing import context_of
from schemas.v1.common import single_line

technician_router = APIRouter(
    prefix="/api/v1/technicians/{technician_id}/orders/{order_id}",
    tags=["signing"],
    dependencies=[Depends(require_field_app_token)],
    responses={
        **problem_response(401, "Missing or wrong field-app token"),
        **problem_response(404, "No such order assigned to this technician, or no report yet"),
        **problem_response(409, "Already signed, or the report changed; nothing was done"),
        422: {"model": ValidationProblem, "description": "The request did not validate"},
    },
)
verify_router = APIRouter(prefix="/api/v1/signatures", tags=["signing"])
MAX_PDF_BYTES = 30 * 1024 * 1024


class RemoteSigningRequest(BaseModel):
    reissue: bool = Field(
        default=False, description="Revoke the current link and text a new one (same version)"
    )


class LinkState(BaseModel):
    """The remote signing link of an order (the token is never returned)."""

    order_id: str
    report_version: int
    status: Literal["active", "expired", "locked", "revoked", "signed"]
    sent: bool = Field(description="True if this request texted a link; False if one existed")
    to: str | None = Field(description="The contact's phone, masked")
    expires_at: datetime

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


class OnSiteSignature(BaseModel):
    """A signature drawn in the field app's own pad, for the report version it showed."""

    report_version: int = Field(ge=1)
    report_sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    signer_name: Annotated[str, StringConstraints(max_length=50), AfterValidator(single_line)] = (
        Field(min_length=1)
    )
    signature_png: str = Field(max_length=800_000, description="The pad's `toDataURL('image/png')`")


class SignatureState(BaseModel):
    """Whether the order's report is signed, how and which exact file."""

    order_id: str
    signed: bool
    channel: str | None = None
    report_version: int | None = None
    signed_sha256: str | None = None
    signed_at: datetime | None = None


class PdfCheckResult(BaseModel):
    valid: bool = Field(description="The PDF is, byte for byte, a signed report the hub recorded")
    sha256: str = Field(description="SHA-256 of the uploaded file")
    order_id: str | None = None
    report_version: int | None = None
    signed_at: datetime | None = None


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
    revokes the old one (e.g. expired, or locked after wrong codes).
    """
    reissue = body.reissue if body else False
    issued = await signing.send_link(order_id, reissue=reissue, ctx=context_of(request))
    assert issued is not None  # a fresh message id is never a duplicate
    return LinkState.of(issued)


@technician_router.post("/on-site-signing", summary="Open the signing page on this phone")
async def open_on_site_signing(signing: SigningDep, order_id: AssignedOrder) -> OnSitePage:
    """A one-off page (30 minutes) with the report and a signature pad for the customer."""
    issued = await signing.open_on_site(order_id)
    assert issued.url is not None
    return OnSitePage(
        url=issued.url, report_version=issued.report_version, expires_at=issued.expires_at
    )


@technician_router.post(
    "/signature", status_code=status.HTTP_201_CREATED, summary="Record an on-site signature"
)
async def sign_on_site(
    signing: SigningDep,
    request: Request,
    order_id: AssignedOrder,
    body: OnSiteSignature,
) -> SignatureState:
    """The customer signed in the field app's own pad; exactly once per order."""
    try:
        record = await signing.sign_on_site(
            order_id,
            version=body.report_version,
            sha256=body.report_sha256,
            signer_name=body.signer_name,
            signature_data_url=body.signature_png,
            ctx=context_of(request),
        )
    except InvalidSignature as exc:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(exc)) from exc
    return _state(order_id, record)


@technician_router.get("/signature", summary="Signature state")
async def signature_state(signing: SigningDep, order_id: AssignedOrder) -> SignatureState:
    """Whether the order's delivery report is signed, on which channel and for which version."""
    return _state(order_id, await signing.records.signature(order_id))


def _state(order_id: str, record: SignatureRecord | None) -> SignatureState:
    if record is None or record.status != "signed":
        return SignatureState(order_id=order_id, signed=False)
    return SignatureState(
        order_id=order_id,
        signed=True,
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
    return PdfCheckResult(
        valid=check.valid,
        sha256=check.sha256,
        order_id=check.order_id,
        report_version=check.report_version,
        signed_at=check.signed_at,
    )
