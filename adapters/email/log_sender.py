"""The `log` mailer: records each message (recipient masked) in a table, sends nothing."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from email.message import EmailMessage

import structlog
from sqlalchemy import insert, select
from sqlalchemy.exc import SQLAlchemyError

from hub.db.engine import Database
from hub.db.tables import email_log
from hub.errors import TransientAdapterError
from hub.messaging.pii import mask_email

log = structlog.get_logger(__name__)


class LogMailer:
    """A mail server that only records; every call is a row, so duplicates are visible."""

    name = "log"

    def __init__(self, db: Database) -> None:
        self._db = db

    async def send(self, message: EmailMessage, *, email_id: str) -> str:
        message_id = str(message["Message-ID"])
        attachment = next(iter(message.iter_attachments()), None)
        digest = None
        if isinstance(attachment, EmailMessage):
            payload = attachment.get_payload(decode=True)
            if isinstance(payload, bytes):
                digest = hashlib.sha256(payload).hexdigest()
        try:
            async with self._db.write() as conn:
                await conn.execute(
                    insert(email_log).values(
                        email_id=email_id,
                        message_id=f"{message_id}#{datetime.now(UTC).timestamp()}",
                        to_masked=mask_email(str(message["To"])),
                        subject=str(message["Subject"])[:500],
                        attachment_sha256=digest,
                        sent_at=datetime.now(UTC),
                    )
                )
        except SQLAlchemyError as exc:
            raise TransientAdapterError(f"mail log unavailable: {type(exc).__name__}") from exc
        log.info("e-mail recorded (log mailer)", email_id=email_id)
        return message_id

    async def lookup(self, *, email_id: str) -> str | None:
        try:
            async with self._db.read() as conn:
                found = await conn.scalar(
                    select(email_log.c.message_id)
                    .where(email_log.c.email_id == email_id)
                    .order_by(email_log.c.id)
                    .limit(1)
                )
        except SQLAlchemyError as exc:
            raise TransientAdapterError(f"mail log unavailable: {type(exc).__name__}") from exc
        return str(found).split("#", 1)[0] if found else None
