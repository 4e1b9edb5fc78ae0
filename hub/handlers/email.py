"""E-mailing a copy of the signed report exactly once per (order, version, recipient).

    record attempt (lease) ─▶ [reconcile: an earlier attempt may have sent it]
                           ─▶ mailer.send ─▶ record result + ReportEmailSent (one transaction)

SMTP cannot be asked whether a message went out, so after a crash between sending and
recording, the resend keeps the same Message-ID, carries `X-Hub-Possible-Duplicate: yes`, and
the row is flagged `possible_duplicate`: at most one detectable duplicate.
"""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable
from datetime import timedelta
from email.message import EmailMessage
from email.utils import formatdate
from typing import TypeVar

import structlog
from sqlalchemy.exc import IntegrityError

from hub.content_store import ContentStore
from hub.db.side_effects import EffectState
from hub.db.uow import UnitOfWorkFactory
from hub.errors import PermanentAdapterError, TransientAdapterError
from hub.messaging.pii import mask_email
from hub.ports import Mailer
from schemas.v1 import ReportEmailSent, SendReportEmail

log = structlog.get_logger(__name__)

T = TypeVar("T")


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
        self._uow = uow
        self._mailer = mailer
        self._store = store
        self._sender = sender
        self._lease = lease

    async def send(self, cmd: SendReportEmail) -> None:
        try:
            retry = await self._begin(cmd)
        except IntegrityError as exc:  # a concurrent attempt inserted the row first
            raise EmailInFlight(f"e-mail {cmd.email_id} is being sent by another attempt") from exc
        if retry is None:
            return
        message_id = (
            await self._call(cmd, self._mailer.lookup(email_id=cmd.email_id)) if retry else None
        )
        if message_id is None:
            pdf = await self._store.read_verified(cmd.sha256_signed)
            message = self._message(cmd, pdf, possible_duplicate=retry)
            message_id = await self._call(cmd, self._mailer.send(message, email_id=cmd.email_id))
        async with self._uow() as uow:
            await uow.emails.mark_done(cmd.email_id, message_id, possible_duplicate=retry)
            await uow.outbox.add(
                ReportEmailSent(
                    email_id=cmd.email_id,
                    order_id=cmd.order_id,
                    recipient_role=cmd.recipient_role,
                    provider_message_id=message_id,
                ),
                correlation_id=cmd.order_id,
            )
            await uow.commit()
        log.info("report e-mailed", order_id=cmd.order_id, to=mask_email(cmd.to), retry=retry)

    async def _begin(self, cmd: SendReportEmail) -> bool | None:
        """Take the lease; True if an earlier attempt exists, None if already sent (or failed)."""
        async with self._uow() as uow:
            record = await uow.emails.find(cmd.email_id)
            if record is not None and record.state is not EffectState.PENDING:
                return None
            if record is not None and record.lease_until and record.lease_until > uow.now:
                raise EmailInFlight(f"e-mail {cmd.email_id} is being sent by another attempt")
            await uow.emails.start_attempt(
                cmd.email_id,
                lease=self._lease,
                order_id=cmd.order_id,
                recipient=cmd.to,
                provider=self._mailer.name,
                possible_duplicate=False,
            )
            await uow.commit()
        return record is not None

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

    async def _call(self, cmd: SendReportEmail, call: Awaitable[T]) -> T:
        """Run one mailer call; a failure ends the attempt (lease released, or row failed)."""
        try:
            return await call
        except PermanentAdapterError as exc:
            async with self._uow() as uow:
                await uow.emails.mark_failed(cmd.email_id, type(exc).__name__)
                await uow.commit()
            log.warning("report e-mail refused", order_id=cmd.order_id, to=mask_email(cmd.to))
            raise
        except TransientAdapterError:
            async with self._uow() as uow:
                await uow.emails.release_lease(cmd.email_id)
                await uow.commit()
            raise


def message_id_for(email_id: str) -> str:
    """The same e-mail id always gets the same Message-ID (receivers can drop a resend)."""
    return f"<{hashlib.sha256(email_id.encode()).hexdigest()[:32]}@delivery-hub>"
