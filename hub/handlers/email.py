"""E-mailing a copy of the signed report exactly once per (order, version, recipient).

    record attempt (lease) ─▶ [reconcile: an earlier attempt may have sent it]
                           ─▶ mailer.send ─▶ record result + ReportEmailSent (one transaction)

SMTP cannot be asked whether a message went out, so after a crash between sending and
recording, the resend keeps the same Message-ID, carries `X-Hub-Possible-Duplicate: yes`, and
the row is flagged `possible_duplicate`: at most one detectable duplicate.
"""

from __future__ import annotations

import hashlib
from datetime import timedelta
from email.message import EmailMessage
from email.utils import formatdate

import structlog

from hub.content_store import ContentStore
from hub.errors import TransientAdapterError
from hub.handlers.side_effects import RecordedEffect
from hub.messaging.pii import mask_email
from hub.ports import Mailer, UnitOfWork, UnitOfWorkFactory
from schemas.v1 import ReportEmailSent, SendReportEmail

log = structlog.get_logger(__name__)


class EmailInFlight(TransientAdapterError):
    """Another attempt for this e-mail holds the lease; try again later."""


class EmailService:
    """Sends `SendReportEmail` commands through the configured mailer."""

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        mailer: Mailer,
        *,
        store: ContentStore,
        sender: str,
        lease: timedelta,
    ) -> None:
        self._mailer = mailer
        self._store = store
        self._sender = sender
        self._effect = RecordedEffect(
            uow, lambda u: u.emails, lease=lease, in_flight=EmailInFlight, what="e-mail"
        )

    async def send(self, cmd: SendReportEmail) -> None:
        key = cmd.email_id
        pdf = await self._store.read_verified(cmd.sha256_signed)  # TamperedReport: parked, no row
        attempt = await self._effect.begin(
            key,
            order_id=cmd.order_id,
            recipient=cmd.to,
            provider=self._mailer.name,
            possible_duplicate=False,
        )
        if attempt is None:
            return
        message_id = (
            await self._effect.call(key, self._mailer.lookup(email_id=key))
            if attempt.retry
            else None
        )
        if message_id is None:
            message = self._message(cmd, pdf, possible_duplicate=attempt.retry)
            try:
                message_id = await self._effect.call(key, self._mailer.send(message, email_id=key))
            except Exception:
                log.warning("report e-mail not sent", order_id=cmd.order_id, to=mask_email(cmd.to))
                raise
        sent = ReportEmailSent(
            email_id=key,
            order_id=cmd.order_id,
            recipient_role=cmd.recipient_role,
            provider_message_id=message_id,
        )

        async def publish(uow: UnitOfWork) -> None:
            await uow.outbox.add(sent, correlation_id=cmd.order_id)

        await self._effect.finish(key, message_id, then=publish, possible_duplicate=attempt.retry)
        log.info(
            "report e-mailed", order_id=cmd.order_id, to=mask_email(cmd.to), retry=attempt.retry
        )

    def _message(
        self, cmd: SendReportEmail, pdf: bytes, *, possible_duplicate: bool
    ) -> EmailMessage:
        message = EmailMessage()
        message["From"] = self._sender
        message["To"] = cmd.to
        message["Subject"] = (
            f"【交付报告】工单 {cmd.order_id} 已签字确认 / Signed delivery report {cmd.order_id}"
        )
        message["Date"] = formatdate(localtime=False)
        message["Message-ID"] = message_id_for(cmd.email_id)
        if possible_duplicate:
            message["X-Hub-Possible-Duplicate"] = "yes"
        message.set_content(
            f"您好：\n\n工单 {cmd.order_id} 的交付报告（第 {cmd.report_version} 版）"
            "已由客户签字确认，签字版报告见附件。\n\n"
            f"Hello,\n\nthe delivery report of order {cmd.order_id} (version {cmd.report_version}) "
            "was signed by the customer; the signed report is attached.\n\n"
            f"SHA-256: {cmd.sha256_signed}\n"
        )
        message.add_attachment(
            pdf,
            maintype="application",
            subtype="pdf",
            filename=f"delivery-report-{cmd.order_id}-v{cmd.report_version}-signed.pdf",
        )
        return message


def message_id_for(email_id: str) -> str:
    """The same e-mail id always gets the same Message-ID (receivers can drop a resend)."""
    return f"<{hashlib.sha256(email_id.encode()).hexdigest()[:32]}@delivery-hub>"
