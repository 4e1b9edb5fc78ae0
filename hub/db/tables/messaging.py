"""The messaging core: outbox, inbox (exactly-once effect) and durable timers."""

from __future__ import annotations

from sqlalchemy import JSON, Column, Index, Integer, String, Table, Text

from hub.db.tables.schema import metadata
from hub.db.types import UtcDateTime

outbox = Table(
    "outbox",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("exchange", String(200), nullable=False),
    Column("routing_key", String(200), nullable=False),
    Column("message_type", String(100), nullable=False),
    Column("body", Text, nullable=False),
    Column("headers", JSON, nullable=False),
    Column("correlation_id", String(100)),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("sent_at", UtcDateTime()),
    Column("available_at", UtcDateTime(), nullable=False),
    Column("attempts", Integer, nullable=False, default=0),
    Column("last_error", String(500)),
    Index("ix_outbox_pending", "sent_at", "available_at"),
)

inbox = Table(
    "inbox",
    metadata,
    Column("consumer", String(100), primary_key=True),
    Column("message_id", String(100), primary_key=True),
    Column("received_at", UtcDateTime(), nullable=False),
)

timers = Table(
    "timers",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("kind", String(64), nullable=False),
    Column("order_id", String(64), index=True),
    Column("due_at", UtcDateTime(), nullable=False),
    Column("status", String(16), nullable=False),
    Column("message_type", String(100), nullable=False),
    Column("body", Text, nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("fired_at", UtcDateTime()),
    Index("ix_timers_due", "status", "due_at"),
)
