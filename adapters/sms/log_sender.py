"""The `log` SMS provider: writes each SMS to a table and the log (phone masked), sends nothing.

It stands in for the carrier and the customer's phone in development, so `sms_log` keeps the
full text on purpose (the demo's simulated customers read their links and codes from it): the
one table that holds signing tokens and codes in plaintext, and not a provider for production.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import structlog
from sqlalchemy import insert, select
from sqlalchemy.exc import SQLAlchemyError

from hub.db.engine import Database
from hub.db.tables import sms_log
from hub.errors import TransientAdapterError
from hub.messaging.pii import mask_phone

log = structlog.get_logger(__name__)


class LogSmsSender:
    """An SMS platform that only records; every call is a row, so duplicates are visible."""

    name = "log"

    def __init__(self, db: Database) -> None:
        self._db = db

    async def send(self, *, sms_id: str, to: str, body: str) -> str:
        provider_id = f"LOG{uuid.uuid4().hex}"
        try:
            async with self._db.write() as conn:
                await conn.execute(
                    insert(sms_log).values(
                        provider_message_id=provider_id,
                        sms_id=sms_id,
                        to_masked=mask_phone(to),
                        body=body,
                        sent_at=datetime.now(UTC),
                    )
                )
        except SQLAlchemyError as exc:
            raise TransientAdapterError(f"sms log unavailable: {type(exc).__name__}") from exc
        log.info("sms sent (log provider)", sms_id=sms_id, to=mask_phone(to), chars=len(body))
        return provider_id

    async def lookup(self, *, sms_id: str, to: str, body: str, since: datetime) -> str | None:
        try:
            async with self._db.read() as conn:
                found = await conn.scalar(
                    select(sms_log.c.provider_message_id)
                    .where(sms_log.c.sms_id == sms_id)
                    .order_by(sms_log.c.id)
                    .limit(1)
                )
        except SQLAlchemyError as exc:
            raise TransientAdapterError(f"sms log unavailable: {type(exc).__name__}") from exc
        return str(found) if found else None
