"""Close-out (issue 4): report e-mails and billing starts (起租), one row per effect."""

from __future__ import annotations

from sqlalchemy import Boolean, Column, Integer, String, Table

from hub.db.tables.schema import metadata
from hub.db.types import UtcDateTime

email_messages = Table(
    "email_messages",
    metadata,
    Column("email_id", String(128), primary_key=True),
    Column("order_id", String(64), index=True),
    Column("recipient", String(254), nullable=False),
    Column("provider", String(16), nullable=False),
    Column("state", String(16), nullable=False),
    Column("attempts", Integer, nullable=False, default=0),
    Column("lease_until", UtcDateTime()),
    Column("provider_message_id", String(200)),
    Column("possible_duplicate", Boolean, nullable=False, default=False),
    Column("error_code", String(32)),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
)

billing_starts = Table(
    "billing_starts",
    metadata,
    Column("order_id", String(64), primary_key=True),
    Column("idempotency_key", String(128), nullable=False, unique=True),
    Column("state", String(16), nullable=False),
    Column("attempts", Integer, nullable=False, default=0),
    Column("lease_until", UtcDateTime()),
    Column("reference", String(64)),
    Column("error_code", String(32)),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
)
