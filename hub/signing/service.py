"""The signing service: every step a technician, a customer or a timer takes, one call each.

Each write runs in its own unit of work; SMS texts and `ReportSigned` go through the outbox in
the transaction that decided them. The web pages (`hub.web.signing`) and the consumers
(`consumers.signing`) are thin layers over these methods.

Nothing a person waits for renders a PDF: a request uses the latest recorded report version if
the order's data has not changed since, and otherwise queues the render (`RenderReport`, or
`SendSigningLink` for the technician's "send for signing") and answers "being prepared"
(`ReportPreparing`). A signature is accepted in the request and its signed PDF is rendered by
the worker (`RenderSignedReport`). Page reads (GET) write no row: their audit lines are
buffered (`hub.signing.audit_buffer`).
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from pathlib import Path

from hub.config import Settings
from hub.domain.notifications import SmsLimitReached
from hub.domain.signing import (
    MAX_CODE_FAILURES,
    AlreadySigned,
    AuditKind,
    Channel,
    CodeRejected,
    LinkStatus,
    ReportChanged,
    SigningLink,
    csrf_token,
    csrf_valid,
    require_open,
    require_signable,
)
from hub.errors import ReportPreparing
from hub.handlers.notifications import record_withheld
from hub.handlers.timer_kinds import REPORT_RENDER
from hub.messaging.processing import MessageProcessor
from hub.messaging.subscriptions import consumer_of
from hub.ports import SignatureRecord, UnitOfWork, UnitOfWorkFactory
from hub.reports import ReportVersion
from hub.reports.service import signature_store
from hub.reports.signature import check_signer_name
from hub.sealing import Sealer
from hub.signing.audit_buffer import AuditBuffer
from hub.signing.codes import CodeGate
from hub.signing.context import SYSTEM, RequestContext
from hub.signing.images import page_images, signature_png
from hub.signing.links import (
    LinkIssued,
    LinkIssuer,
    LinkPolicy,
    ReportRef,
    display_status,
    issued_view,
)
from hub.signing.probes import ProbeLimiter
from hub.signing.records import SigningRecords
from hub.signing.reports import ReportSource
from hub.signing.secret import signing_secret
from hub.signing.signatures import SignatureDesk, SignRequest
from schemas.v1 import (
    RemindSigner,
    RenderReport,
    RenderSignedReport,
    ReportSigned,
    SendSigningLink,
)


class SigningService:
    """Links, codes, signatures and the audit trail of the delivery report."""

    def __init__(
        self,
        settings: Settings,
        *,
        uow: UnitOfWorkFactory,
        processor: MessageProcessor,
        reports: ReportSource,
    ) -> None:
        self.secret = signing_secret(settings)
        self.sealer = Sealer(self.secret)  # texts with a link or a code travel sealed
        self.probes = ProbeLimiter(settings.signing_probe_limit_per_min)
        self.secure_cookies = settings.public_url.startswith("https://")
        self.public_url = settings.public_url
        self._uow = uow
        self._processor = processor
        self._reports = reports
        self._previews = Path(settings.data_dir) / "signing-previews"
        self._links = LinkIssuer(
            LinkPolicy(
                base_url=settings.public_url,
                ttl=timedelta(hours=settings.signing_link_ttl_h),
                reminder_after=timedelta(hours=settings.signing_reminder_after_h),
                max_reminders=settings.signing_max_reminders,
            ),
            self.sealer,
        )
        self._codes = CodeGate(self.secret, self.sealer)
        self.records = SigningRecords(uow, data_dir=Path(settings.data_dir))
        self.audit_buffer = AuditBuffer(uow)
        self._desk = SignatureDesk(
            uow, reports, signatures=signature_store(Path(settings.data_dir))
        )

    # --- technician and timers ------------------------------------------------------------
    async def send_link(
        self,
        order_id: str,
        *,
        reissue: bool = False,
        ctx: RequestContext = SYSTEM,
        message_id: str | None = None,
    ) -> LinkIssued | None:
        """Text the contact a link to the latest report, rendered first if the data changed
        (the worker's `signing.send_link`); None if `message_id` was seen before."""
        report = await self._reports.render_if_changed(order_id)
        return await self._issue_remote(order_id, report, reissue, ctx, message_id)

    async def _issue_remote(
        self,
        order_id: str,
        report: ReportVersion,
        reissue: bool,
        ctx: RequestContext,
        message_id: str | None,
    ) -> LinkIssued | None:
        ref = ReportRef(version=report.version, sha256=report.sha256)
        issued: list[LinkIssued] = []

        async def issue(cmd: SendSigningLink, uow: UnitOfWork) -> None:
            # A concurrent send taking the same issue number is a ConcurrencyConflict: retried.
            issued.append(
                await self._links.issue_remote(uow, cmd.order_id, ref, reissue=cmd.reissue, ctx=ctx)
            )

        command = SendSigningLink(order_id=order_id, reissue=reissue)
        message_id = message_id or f"http-{uuid.uuid4().hex}"
        try:
            await self._processor.run(consumer_of(SendSigningLink), message_id, command, issue)
        except SmsLimitReached as refused:
            await record_withheld(self._uow, refused)
            raise
        finally:
            self.records.recent.forget()  # older links were revoked
        return issued[-1] if issued else None

    async def request_link(
        self, order_id: str, *, reissue: bool = False, ctx: RequestContext = SYSTEM
    ) -> LinkIssued | None:
        """The technician's "send for signing": at once if the report is current, else the
        worker renders it and sends the link (`SendSigningLink` queued); None then."""
        report = await self._reports.current_version(order_id)
        if report is not None:
            return await self._issue_remote(order_id, report, reissue, ctx, None)
        async with self._uow() as uow:
            await self._links.require_signable(uow, order_id)
            await uow.outbox.add(
                SendSigningLink(order_id=order_id, reissue=reissue), correlation_id=order_id
            )
            await uow.commit()
        return None

    async def complete_signature(self, cmd: RenderSignedReport) -> ReportSigned | None:
        """The worker's half of a signature: render the signed PDF, record it, `ReportSigned`
        (returned; None if there was nothing to do)."""
        return await self._desk.complete(cmd)

    async def remind(self, cmd: RemindSigner, *, message_id: str | None) -> None:
        async def handle(cmd: RemindSigner, uow: UnitOfWork) -> None:
            await self._links.remind(uow, cmd)

        await self._processor.run("signing.remind", message_id, cmd, handle)

    async def open_on_site(self, order_id: str) -> LinkIssued:
        """A link for the technician's phone: the customer views and signs there."""
        report = await self.report_to_sign(order_id)
        async with self._uow() as uow:
            issued = await self._links.issue_on_site(
                uow, order_id, ReportRef(version=report.version, sha256=report.sha256)
            )
            await uow.commit()
        self.records.recent.forget()
        return issued

    # --- the customer's steps -------------------------------------------------------------
    def require_open(self, link: SigningLink) -> None:
        require_open(link, self._uow.clock())

    def record_fetch(self, link: SigningLink, ctx: RequestContext, *, method: str) -> None:
        """A GET or HEAD of the link page: logged (buffered), nothing else changes."""
        self._buffer(link, ctx, AuditKind.LINK_FETCHED, method=method)

    async def request_code(self, link: SigningLink, ctx: RequestContext) -> None:
        await self.audit_buffer.flush()  # the trail stays in order
        try:
            async with self._uow() as uow:
                await self._codes.send(uow, link.link_id, ctx)
                await uow.commit()
        except SmsLimitReached as refused:
            await record_withheld(self._uow, refused)
            raise

    async def check_code(self, link: SigningLink, code: str, ctx: RequestContext) -> str:
        """A verified session id, or `CodeRejected`/`CodeLocked`; a failed try is kept."""
        await self.audit_buffer.flush()
        async with self._uow() as uow:
            check = await self._codes.check(uow, link.link_id, code.strip(), ctx)
            await uow.commit()
        if check.session_id is None:
            raise CodeRejected("wrong", remaining=check.remaining)
        return check.session_id

    def csrf_token(self, session_id: str, link: SigningLink) -> str:
        return csrf_token(session_id, link.link_id, secret=self.secret)

    def csrf_valid(self, token: str, session_id: str, link: SigningLink) -> bool:
        return csrf_valid(token, session_id, link.link_id, secret=self.secret)

    async def report_for(self, link: SigningLink) -> ReportVersion:
        """The report the link shows: its own version, and only while it is the latest (no
        render: data newer than the version means a new version is due, so it is refused)."""
        report = await self._reports.current_version(link.order_id)
        if report is None or (report.version, report.sha256) != (
            link.report_version,
            link.report_sha256,
        ):
            raise ReportChanged(
                f"report v{link.report_version} is no longer the latest; "
                "ask the technician for a new link"
            )
        return report

    def record_view(self, link: SigningLink, report: ReportVersion, ctx: RequestContext) -> None:
        self._buffer(
            link,
            ctx,
            AuditKind.REPORT_VIEWED,
            report_version=report.version,
            report_sha256=report.sha256,
        )

    def record_download(self, link: SigningLink, ctx: RequestContext, *, what: str) -> None:
        self._buffer(link, ctx, AuditKind.DOWNLOADED, what=what)

    async def page_images(self, report: ReportVersion) -> list[Path]:
        return await page_images(Path(report.path), report.sha256, self._previews)

    async def sign(
        self,
        link: SigningLink,
        *,
        version: int,
        sha256: str,
        signer_name: str,
        signature_data_url: str,
        ctx: RequestContext,
    ) -> SignatureRecord:
        """Accept a signature of the exact report viewed (409 otherwise), exactly once per
        order; its signed PDF is rendered by the worker (the record says `pending` till then)."""
        report = await self._reports.current_version(link.order_id)
        if report is None:
            raise ReportChanged("the order's data changed since this report; ask for a new link")
        require_signable(
            link,
            version=version,
            sha256=sha256,
            latest_version=report.version,
            latest_sha256=report.sha256,
        )
        png = signature_png(signature_data_url)
        signer_name = check_signer_name(signer_name)
        await self.audit_buffer.flush()  # the views before it belong on the audit page
        return await self._desk.accept(
            SignRequest(
                order_id=link.order_id,
                channel=link.channel,
                link_id=link.link_id,
                report=report,
                signer_name=signer_name,
                signature_png=png,
                ctx=ctx,
            )
        )

    async def request_on_site_code(self, order_id: str, ctx: RequestContext) -> LinkIssued:
        """Text the order's contact a code to confirm, on the spot, that they sign in the app.

        The code's link is the on-site link of the latest report (made if there is none open).
        """
        report = await self.report_to_sign(order_id)
        ref = ReportRef(version=report.version, sha256=report.sha256)
        async with self._uow() as uow:
            link = await self._current_on_site(uow, order_id, ref)
            issued = link or await self._links.issue_on_site(uow, order_id, ref)
            await uow.commit()
        found = await self.records.link(issued.link_id)
        assert found is not None
        await self.request_code(found, ctx)
        return issued

    async def sign_on_site(
        self,
        order_id: str,
        *,
        version: int,
        sha256: str,
        signer_name: str,
        signature_data_url: str,
        code: str,
        ctx: RequestContext,
    ) -> SignatureRecord:
        """The field app's own signature pad, confirmed by the code the customer was texted;
        accepted here, its signed PDF rendered by the worker."""
        report = await self._reports.current_version(order_id)
        if report is None:
            raise ReportChanged(f"the data of order {order_id} changed; reload the report")
        if (version, sha256) != (report.version, report.sha256):
            raise ReportChanged(f"only report v{report.version} of order {order_id} can be signed")
        png = signature_png(signature_data_url)
        signer_name = check_signer_name(signer_name)
        ref = ReportRef(version=report.version, sha256=report.sha256)
        signed = await self.records.signature(order_id)
        if signed is not None:  # a replay (accepted or signed): say so, not "bad code"
            raise AlreadySigned(f"order {order_id} is already signed")
        async with self._uow.read() as uow:
            issued = await self._current_on_site(uow, order_id, ref)
        link = await self.records.link(issued.link_id) if issued else None
        if link is None:
            raise CodeRejected("not requested yet", remaining=MAX_CODE_FAILURES)
        await self.check_code(link, code, ctx)  # CodeRejected / CodeLocked: nothing signed
        return await self._desk.accept(
            SignRequest(
                order_id=order_id,
                channel=Channel.ON_SITE,
                link_id=link.link_id,
                report=report,
                signer_name=signer_name,
                signature_png=png,
                ctx=ctx,
            )
        )

    async def report_to_sign(self, order_id: str) -> ReportVersion:
        """The report the customer signs: the latest version if current; else its render is
        queued (the worker renders it) and `ReportPreparing` says to ask again shortly."""
        report = await self._reports.current_version(order_id)
        if report is not None:
            return report
        async with self._uow() as uow:
            await uow.orders.get(order_id)  # NotFound for an unknown order
            # A render already waiting (the debounce after a test result) is left alone, so a
            # burst of results with the app asking in between still renders once.
            if not await uow.timers.has_pending(kind=REPORT_RENDER, order_id=order_id):
                await uow.timers.schedule(
                    kind=REPORT_RENDER,
                    order_id=order_id,
                    due_at=uow.now,
                    message=RenderReport(order_id=order_id),
                )
                await uow.commit()
        raise ReportPreparing(f"the report of order {order_id} is being prepared")

    async def _current_on_site(
        self, uow: UnitOfWork, order_id: str, report: ReportRef
    ) -> LinkIssued | None:
        """The open on-site link of this report version, if there is one."""
        links = await uow.signing.links_for(order_id, channel=Channel.ON_SITE)
        current = [
            link
            for link in links
            if (link.report_version, link.report_sha256) == (report.version, report.sha256)
            and display_status(link, uow.now) == "active"
        ]
        return issued_view(current[-1], uow.now) if current else None

    def is_signed(self, link: SigningLink) -> bool:
        return link.status is LinkStatus.SIGNED

    def _buffer(
        self, link: SigningLink, ctx: RequestContext, kind: AuditKind, **details: object
    ) -> None:
        now = self._uow.clock()
        self.audit_buffer.add(link.order_id, ctx.entry(kind, now, link_id=link.link_id, **details))
