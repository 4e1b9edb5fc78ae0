"""The `log` SMS provider: a local SMS platform that keeps every text it "delivers", sends none.

It stands in for the carrier and the customer's phone in development: each text is kept whole,
with its number, in the platform's own storage (never the hub's schema), and the platform's REST
API (`adapters/sms/server.py`, on the stand-in port) lets a simulated phone read the texts sent
to its number. So this storage holds signing links and codes in plaintext on purpose: it is not
a provider for production. The hub's log shows only a masked number.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

import structlog
from sqlalchemy import Column, Integer, String, Table, Text, insert, select
from sqlalchemy.exc import SQLAlchemyError

from adapters.standin_storage import OwnsStorage, UtcDateTime, standin_metadata
from hub.domain.pii import mask_phone
from hub.errors import TransientAdapterError

log = structlog.get_logger(__name__)
MAX_LISTED = 500

metadata = standin_metadata()

sms_log = Table(
    "sms_log",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("provider_message_id", String(64), nullable=False, unique=True),
    Column("sms_id", String(128), nullable=False, index=True),
    Column("to_phone", String(20), nullable=False, index=True),  # the phone it "reached"
    Column("to_masked", String(20), nullable=False),
    Column("body", Text, nullable=False),
    Column("sent_at", UtcDateTime(), nullable=False),
)


@dataclass(frozen=True, slots=True)
class DeliveredText:
    """A text as the platform delivered it, numbered in the order the platform got it."""

    number: int
    message_id: str
    reference: str  # the sender's id for the text (the hub's SMS id)
    to: str
    body: str
    sent_at: datetime


class LocalSmsPlatform(OwnsStorage):
    """Implements `hub.ports.SmsSender`; every call is a row, so duplicates are visible."""

    name = "log"  # the provider's name in the hub's records and in HUB_SMS_PROVIDER
    storage_name = "sms"
    tables = metadata

    async def send(self, *, sms_id: str, to: str, body: str) -> str:
        provider_id = f"LOG{uuid.uuid4().hex}"
        try:
            async with self.storage.write() as conn:
                await conn.execute(
                    insert(sms_log).values(
                        provider_message_id=provider_id,
                        sms_id=sms_id,
                        to_phone=to,
                        to_masked=mask_phone(to),
                        body=body,
                        sent_at=datetime.now(UTC),
                    )
                )
        except SQLAlchemyError as exc:
            raise TransientAdapterError(f"sms platform unavailable: {type(exc).__name__}") from exc
        log.info("sms kept (local platform)", sms_id=sms_id, to=mask_phone(to), chars=len(body))
        return provider_id

    async def lookup(self, *, sms_id: str, to: str, body: str, since: datetime) -> str | None:
        try:
            async with self.storage.read() as conn:
                found = await conn.scalar(
                    select(sms_log.c.provider_message_id)
                    .where(sms_log.c.sms_id == sms_id)
                    .order_by(sms_log.c.id)
                    .limit(1)
                )
        except SQLAlchemyError as exc:
            raise TransientAdapterError(f"sms platform unavailable: {type(exc).__name__}") from exc
        return str(found) if found else None

    async def delivered(
        self,
        *,
        to: str | None = None,
        since: datetime | None = None,
        after: int = 0,
        limit: int = MAX_LISTED,
    ) -> list[DeliveredText]:
        """Texts delivered (to one number, since a time), numbered above `after`, oldest first."""
        query = select(sms_log).where(sms_log.c.id > after)
        if to is not None:
            query = query.where(sms_log.c.to_phone == to)
        if since is not None:
            query = query.where(sms_log.c.sent_at >= since)
        async with self.storage.read() as conn:
            rows = (await conn.execute(query.order_by(sms_log.c.id).limit(limit))).all()
        return [
            DeliveredText(
                number=r.id,
                message_id=r.provider_message_id,
                reference=r.sms_id,
                to=r.to_phone,
                body=r.body,
                sent_at=r.sent_at,
            )
            for r in rows
        ]
