"""SMS: each text the hub sends, and today's count per scope (order, phone, day) for the limits."""

from __future__ import annotations

from sqlalchemy import Column, Integer, String, Table, Text

from hub.db.tables.schema import metadata
from hub.db.types import UtcDateTime

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

sms_quota = Table(  # today's SMS per scope (order:<id>, phone:<hmac>, day), for the limits
    "sms_quota",
    metadata,
    Column("scope", String(100), primary_key=True),
    Column("day", String(10), primary_key=True),
    Column("count", Integer, nullable=False),
)
