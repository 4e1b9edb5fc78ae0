"""The `log` mail provider: a local mailbox that keeps every message it is handed, sends none.

Each message is kept (recipient, subject, the attachment's SHA-256) in the mailbox's own storage,
never the hub's schema; its REST API (`adapters/email/server.py`, on the stand-in port) lists what
an address received. The hub's log shows only the e-mail id.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage

import structlog
from sqlalchemy import Column, Integer, String, Table, insert, select
from sqlalchemy.exc import SQLAlchemyError

from adapters.standin_storage import OwnsStorage, UtcDateTime, standin_metadata
from hub.domain.pii import mask_email
from hub.errors import TransientAdapterError

log = structlog.get_logger(__name__)
MAX_LISTED = 500

metadata = standin_metadata()

email_log = Table(
    "email_log",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("email_id", String(128), nullable=False, index=True),
    Column("message_id", String(200), nullable=False, unique=True),
    Column("recipient", String(254), nullable=False, index=True),  # the mailbox it "reached"
    Column("to_masked", String(254), nullable=False),
    Column("subject", String(500), nullable=False),
    Column("attachment_sha256", String(64)),
    Column("sent_at", UtcDateTime(), nullable=False),
)


@dataclass(frozen=True, slots=True)
class ReceivedMail:
    """A message as the recipient's mailbox lists it."""

    message_id: str
    to: str
    subject: str
    attachment_sha256: str | None
    sent_at: datetime


class LocalMailbox(OwnsStorage):
    """Implements `hub.ports.Mailer`; every call is a row, so duplicates are visible."""

    name = "log"  # the provider's name in the hub's records and in HUB_EMAIL_MODE
    storage_name = "email"
    tables = metadata

    async def send(self, message: EmailMessage, *, email_id: str) -> str:
        message_id = str(message["Message-ID"])
        to = str(message["To"])
        try:
            async with self.storage.write() as conn:
                await conn.execute(
                    insert(email_log).values(
                        email_id=email_id,
                        message_id=f"{message_id}#{datetime.now(UTC).timestamp()}",
                        recipient=to[:254],
                        to_masked=mask_email(to)[:254],
                        subject=str(message["Subject"])[:500],
                        attachment_sha256=_attachment_sha256(message),
                        sent_at=datetime.now(UTC),
                    )
                )
        except SQLAlchemyError as exc:
            raise TransientAdapterError(f"mailbox unavailable: {type(exc).__name__}") from exc
        log.info("e-mail kept (local mailbox)", email_id=email_id)
        return message_id

    async def lookup(self, *, email_id: str) -> str | None:
        try:
            async with self.storage.read() as conn:
                found = await conn.scalar(
                    select(email_log.c.message_id)
                    .where(email_log.c.email_id == email_id)
                    .order_by(email_log.c.id)
                    .limit(1)
                )
        except SQLAlchemyError as exc:
            raise TransientAdapterError(f"mailbox unavailable: {type(exc).__name__}") from exc
        return str(found).split("#", 1)[0] if found else None

    async def received_by(self, to: str, *, limit: int = MAX_LISTED) -> list[ReceivedMail]:
        """The messages handed over for address `to`, oldest first."""
        query = (
            select(email_log)
            .where(email_log.c.recipient == to)
            .order_by(email_log.c.id.desc())
            .limit(limit)
        )
        async with self.storage.read() as conn:
            rows = (await conn.execute(query)).all()
        return [
            ReceivedMail(
                r.message_id.split("#", 1)[0],
                r.recipient,
                r.subject,
                r.attachment_sha256,
                r.sent_at,
            )
            for r in reversed(rows)
        ]


def _attachment_sha256(message: EmailMessage) -> str | None:
    attachment = next(iter(message.iter_attachments()), None)
    if isinstance(attachment, EmailMessage):
        payload = attachment.get_payload(decode=True)
        if isinstance(payload, bytes):
            return hashlib.sha256(payload).hexdigest()
    return None
