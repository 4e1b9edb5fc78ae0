"""Table definitions (SQLAlchemy Core). Alembic migrations mirror these."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Column,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from hub.db.types import UtcDateTime

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "pk": "pk_%(table_name)s",
    }
)

work_orders = Table(
    "work_orders",
    metadata,
    Column("order_id", String(64), primary_key=True),
    Column("status", String(20), nullable=False, index=True),
    Column("version", Integer, nullable=False),
    Column("technician_id", String(64), index=True),
    Column("details", JSON, nullable=False),
    Column("technician", JSON),
    Column("appointment_start", UtcDateTime()),
    Column("appointment_end", UtcDateTime()),
    Column("check_in", JSON),
    Column("completed_at", UtcDateTime()),
    Column("archived_at", UtcDateTime()),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
)

flow_log = Table(
    "flow_log",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("order_id", String(64), nullable=False),
    Column("seq", Integer, nullable=False),
    Column("at", UtcDateTime(), nullable=False),
    Column("step", String(32), nullable=False),
    Column("actor", String(100), nullable=False),
    Column("summary", String(500), nullable=False),
    Column("details", JSON, nullable=False),
    UniqueConstraint("order_id", "seq"),
)

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

sms_messages = Table(
    "sms_messages",
    metadata,
    Column("sms_id", String(128), primary_key=True),
    Column("order_id", String(64), index=True),
    Column("purpose", String(64), nullable=False),
    Column("to_phone", String(20), nullable=False),
    Column("body", Text, nullable=False),
    Column("provider", String(16), nullable=False),
    Column("state", String(16), nullable=False),
    Column("provider_message_id", String(64), unique=True),
    Column("delivery_status", String(16)),
    Column("delivery_rank", Integer, nullable=False, default=0),
    Column("error_code", String(32)),
    Column("attempts", Integer, nullable=False, default=0),
    Column("lease_until", UtcDateTime()),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
)

sms_log = Table(
    "sms_log",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("provider_message_id", String(64), nullable=False, unique=True),
    Column("sms_id", String(128), nullable=False, index=True),
    Column("to_masked", String(20), nullable=False),
    Column("body", Text, nullable=False),
    Column("sent_at", UtcDateTime(), nullable=False),
)

support_orders = Table(
    "support_orders",
    metadata,
    Column("order_id", String(64), primary_key=True),
    Column("status", String(20), nullable=False),
    Column("payload", JSON, nullable=False),
    Column("archived_at", UtcDateTime()),
    Column("updated_at", UtcDateTime(), nullable=False),
)

support_flow_log = Table(
    "support_flow_log",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("order_id", String(64), nullable=False, index=True),
    Column("idempotency_key", String(128), nullable=False, unique=True),
    Column("entry", JSON, nullable=False),
    Column("received_at", UtcDateTime(), nullable=False),
)

standin_ledger = Table(
    "standin_ledger",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("system", String(32), nullable=False),
    Column("operation", String(64), nullable=False),
    Column("idempotency_key", String(128), nullable=False, index=True),
    Column("at", UtcDateTime(), nullable=False),
)
