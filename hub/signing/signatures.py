"""Recording a signature exactly once per order, remote or on site.

    claim (insert on the `signatures` primary key)  ─▶ render the signed PDF (report service)
    ─▶ finish (claim → signed, links signed, audit, ReportSigned in the outbox; one transaction)

Concurrent or replayed submissions find the claim taken ("busy") or the signature made
("signed"); a render that fails gives the claim back, and a claim whose holder died expires.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from hub.domain.signing import (
    SIGN_CLAIM_TTL,
    AlreadySigned,
    AuditKind,
    Channel,
    InvalidSignature,
    LinkStatus,
    SigningInProgress,
    after_signing,
)
from hub.ports import AuditEntry, SignatureRecord, UnitOfWork, UnitOfWorkFactory
from hub.reports import AuditEvent, ReportVersion, SignedReport
from hub.reports import InvalidSignature as ReportRejectedSignature
from hub.signing.context import RequestContext
from hub.signing.links import REMINDER_TIMER, SIGNABLE_STATUSES
from hub.signing.reports import ReportSource
from schemas.v1 import ReportSigned


@dataclass(frozen=True, slots=True)
class SignRequest:
    """A customer's signature for one report version, as submitted."""

    order_id: str
    channel: Channel
    link_id: str | None
    report: ReportVersion
    signer_name: str
    signature_png: bytes
    ctx: RequestContext


class SignatureDesk:
    """Claims, renders and records signatures."""

    def __init__(self, uow: UnitOfWorkFactory, reports: ReportSource) -> None:
        self._uow = uow
        self._reports = reports

    async def sign(self, request: SignRequest) -> SignatureRecord:
        claim_id = uuid.uuid4().hex
        async with self._uow() as uow:
            await _require_signable_order(uow, request.order_id)
            outcome = await uow.signing.claim_signature(
                _pending(request), claim_id=claim_id, until=uow.now + SIGN_CLAIM_TTL
            )
            await uow.commit()
            signed_at = uow.now
        if outcome == "signed":
            raise AlreadySigned(f"order {request.order_id} is already signed")
        if outcome == "busy":
            raise SigningInProgress(f"order {request.order_id} is being signed right now")
        try:
            signed = await self._render(request, signed_at_entry(request, signed_at))
        except BaseException:
            async with self._uow() as uow:
                await uow.signing.release_signature(request.order_id, claim_id)
                await uow.commit()
            raise
        return await self._finish(request, claim_id, signed.sha256, str(signed.path), signed_at)

    async def _render(self, request: SignRequest, signing: AuditEntry) -> SignedReport:
        async with self._uow.read() as uow:
            trail = await uow.signing.audit_trail(request.order_id)
        events = [_event(entry) for entry in [*trail, signing]]
        try:
            return await self._reports.render_signed(
                request.report,
                signature_png=request.signature_png,
                signer_name=request.signer_name,
                audit=events,
            )
        except ReportRejectedSignature as exc:
            raise InvalidSignature(str(exc)) from exc

    async def _finish(
        self,
        request: SignRequest,
        claim_id: str,
        signed_sha256: str,
        signed_path: str,
        signed_at: datetime,
    ) -> SignatureRecord:
        async with self._uow() as uow:
            if not await uow.signing.finish_signature(
                request.order_id, claim_id, signed_sha256=signed_sha256, signed_path=signed_path
            ):
                raise SigningInProgress(f"order {request.order_id}: the signing claim was lost")
            entry = signed_at_entry(request, signed_at)
            await uow.signing.audit(
                request.order_id,
                AuditEntry(
                    kind=entry.kind,
                    at=entry.at,
                    ip=entry.ip,
                    user_agent=entry.user_agent,
                    details={**entry.details, "signed_sha256": signed_sha256},
                    link_id=entry.link_id,
                ),
            )
            for channel in Channel:
                for link in await uow.signing.links_for(request.order_id, channel=channel):
                    if link.status is LinkStatus.ACTIVE:
                        keep_open = channel is Channel.REMOTE  # for downloads later
                        expiry = after_signing(link, uow.now) if keep_open else link.expires_at
                        await uow.signing.mark_signed(link, expires_at=expiry)
            await uow.timers.cancel_pending(REMINDER_TIMER, order_id=request.order_id)
            version = request.report.version
            await uow.outbox.add(
                ReportSigned(
                    order_id=request.order_id,
                    version=version,
                    sha256_signed=signed_sha256,
                    channel=request.channel.value,
                ),
                message_id=f"report-signed:{request.order_id}:v{version}",
                correlation_id=request.order_id,
            )
            record = await uow.signing.signature(request.order_id)
            await uow.commit()
        assert record is not None
        return record


def signed_at_entry(request: SignRequest, at: datetime) -> AuditEntry:
    """The `signed` audit line: who signed which exact report, from where."""
    return request.ctx.entry(
        AuditKind.SIGNED,
        at,
        link_id=request.link_id,
        channel=request.channel.value,
        report_version=request.report.version,
        report_sha256=request.report.sha256,
        signer=request.signer_name,
    )


async def _require_signable_order(uow: UnitOfWork, order_id: str) -> None:
    order = await uow.orders.get(order_id)
    if order.signed_report is not None:
        raise AlreadySigned(f"order {order_id} already holds a signed report")
    if order.status not in SIGNABLE_STATUSES:
        raise AlreadySigned(f"order {order_id} is {order.status}; it can no longer be signed")


def _pending(request: SignRequest) -> SignatureRecord:
    return SignatureRecord(
        order_id=request.order_id,
        status="pending",
        channel=request.channel.value,
        report_version=request.report.version,
        report_sha256=request.report.sha256,
        signed_sha256=None,
        signed_path=None,
        signer_name=request.signer_name,
        signed_at=None,
        link_id=request.link_id,
    )


def _event(entry: AuditEntry) -> AuditEvent:
    return AuditEvent(
        kind=entry.kind,
        at=entry.at,
        ip=entry.ip,
        user_agent=entry.user_agent,
        details=entry.details,
    )
