"""Recording a signature exactly once per order, remote or on site; the PDF comes after.

    accept (one transaction, in the request): claim the `signatures` primary key, the `signed`
        audit line, links marked signed, reminders cancelled, `RenderSignedReport` in the outbox
    complete (the worker, `signing.render_signed`): render the signed PDF in the render pool
        ─▶ finish (claim → signed, `ReportSigned` in the outbox; one transaction)

Concurrent or replayed submissions find the claim taken ("busy") or the signature made
("signed"). The claim of an accepted signature never expires: its render is a durable command,
retried until the PDF is stored, and a repeat of it does nothing once the signature is made.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

import structlog

from hub.content_store import ContentStore
from hub.domain.signing import (
    AlreadySigned,
    AuditKind,
    Channel,
    InvalidSignature,
    LinkStatus,
    SigningInProgress,
    after_signing,
)
from hub.errors import RenderInterrupted, ReportRenderFailed
from hub.messaging.ids import stable_id
from hub.ports import AuditEntry, SignatureRecord, UnitOfWork, UnitOfWorkFactory
from hub.reports import AuditEvent, ReportVersion, SignedReport
from hub.reports import InvalidSignature as ReportRejectedSignature
from hub.signing.context import SYSTEM, RequestContext
from hub.signing.links import REMINDER_TIMER, SIGNABLE_STATUSES
from hub.signing.reports import ReportSource
from schemas.v1 import RenderSignedReport, ReportSigned

log = structlog.get_logger(__name__)


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
    """Accepts signatures (claim + durable render command) and completes them (signed PDF)."""

    def __init__(
        self, uow: UnitOfWorkFactory, reports: ReportSource, *, signatures: ContentStore
    ) -> None:
        self._uow = uow
        self._reports = reports
        self._signatures = signatures

    async def accept(self, request: SignRequest) -> SignatureRecord:
        """Claim the order's one signature and queue its render; no render here."""
        claim_id = uuid.uuid4().hex
        png_sha256, _ = await self._signatures.put(request.signature_png)
        async with self._uow() as uow:
            await _require_signable_order(uow, request.order_id)
            outcome = await uow.signing.claim_signature(
                _pending(request), claim_id=claim_id, until=None
            )
            if outcome == "signed":
                raise AlreadySigned(f"order {request.order_id} is already signed")
            if outcome == "busy":
                raise SigningInProgress(f"order {request.order_id} is being signed right now")
            await uow.signing.audit(request.order_id, signed_at_entry(request, uow))
            await _close_links(uow, request.order_id)
            await uow.outbox.add(
                RenderSignedReport(
                    order_id=request.order_id, claim_id=claim_id, signature_sha256=png_sha256
                ),
                message_id=stable_id("render-signed", request.order_id, claim_id),
                correlation_id=request.order_id,
            )
            record = await uow.signing.signature(request.order_id)
            await uow.commit()
        assert record is not None
        return record

    async def complete(self, cmd: RenderSignedReport) -> ReportSigned | None:
        """Render and record the signed PDF of an accepted signature: the `ReportSigned` it
        published, or None if there was nothing to do."""
        async with self._uow.read() as uow:
            record = await uow.signing.signature(cmd.order_id)
            trail = await uow.signing.audit_trail(cmd.order_id)
        if record is None or record.status != "pending" or record.claim_id != cmd.claim_id:
            return None  # a repeat, or a claim given back after a refused render
        report = await self._reports.recorded(cmd.order_id, record.report_version)
        signed_lines = [e for e in trail if e.kind == AuditKind.SIGNED.value]
        if report is None or report.sha256 != record.report_sha256 or not signed_lines:
            await self._give_back(cmd, "the signed report version is not on record")
            return None
        try:
            signed = await self._reports.render_signed(
                report,
                signature_png=await self._signatures.read_verified(cmd.signature_sha256),
                signer_name=record.signer_name or "",
                audit=[_event(entry) for entry in trail],
                signed_at=signed_lines[-1].at,
                latest_only=False,
            )
        except ReportRenderFailed as exc:  # killed, timed out: the signature waits, retried
            raise RenderInterrupted(str(exc)) from exc
        except ReportRejectedSignature as exc:
            await self._give_back(cmd, str(exc))
            raise InvalidSignature(str(exc)) from exc
        return await self._finish(record, cmd.claim_id, signed, signed_lines[-1].at)

    async def _finish(
        self, record: SignatureRecord, claim_id: str, signed: SignedReport, at: datetime
    ) -> ReportSigned | None:
        event = ReportSigned(
            order_id=record.order_id,
            version=record.report_version,
            sha256_signed=signed.sha256,
            channel=record.channel,
        )
        async with self._uow() as uow:
            if not await uow.signing.finish_signature(
                record.order_id,
                claim_id,
                signed_sha256=signed.sha256,
                signed_path=str(signed.path),
                signed_at=at,
            ):
                return None  # another delivery of this command finished it first
            await uow.signing.audit(
                record.order_id,
                SYSTEM.entry(
                    AuditKind.SIGNED_PDF_STORED,
                    uow.now,
                    link_id=record.link_id,
                    report_version=record.report_version,
                    report_sha256=record.report_sha256,
                    signed_sha256=signed.sha256,
                ),
            )
            await uow.outbox.add(
                event, message_id=report_signed_id(event), correlation_id=record.order_id
            )
            await uow.commit()
        log.info("signed report recorded", order_id=record.order_id)
        return event

    async def _give_back(self, cmd: RenderSignedReport, reason: str) -> None:
        """A render that can never succeed: free the claim so the order can be signed anew."""
        log.warning("signed report cannot be rendered; claim given back", reason=reason)
        async with self._uow() as uow:
            await uow.signing.release_signature(cmd.order_id, cmd.claim_id)
            await uow.commit()


def report_signed_id(event: ReportSigned) -> str:
    """The outbox (and AMQP) message id of `ReportSigned`: one per order and version."""
    return f"report-signed:{event.order_id}:v{event.version}"


def signed_at_entry(request: SignRequest, uow: UnitOfWork) -> AuditEntry:
    """The `signed` audit line: who signed which exact report, from where."""
    return request.ctx.entry(
        AuditKind.SIGNED,
        uow.now,
        link_id=request.link_id,
        channel=request.channel.value,
        report_version=request.report.version,
        report_sha256=request.report.sha256,
        signer=request.signer_name,
    )


async def _close_links(uow: UnitOfWork, order_id: str) -> None:
    """Every open link is used up by the signature; remote ones stay open for downloads."""
    for channel in Channel:
        for link in await uow.signing.links_for(order_id, channel=channel):
            if link.status is LinkStatus.ACTIVE:
                keep_open = channel is Channel.REMOTE
                expiry = after_signing(link, uow.now) if keep_open else link.expires_at
                await uow.signing.mark_signed(link, expires_at=expiry)
    await uow.timers.cancel_pending(REMINDER_TIMER, order_id=order_id)


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
