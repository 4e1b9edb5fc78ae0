"""Appointments (issue 10): the booking trail, visits for 履约率, checked booking calls and the
customers' visit links."""

from __future__ import annotations

from sqlalchemy import JSON, Boolean, Column, Index, Integer, String, Table, UniqueConstraint

from hub.db.tables.schema import metadata
from hub.db.types import UtcDateTime

appointment_history = Table(
    "appointment_history",
    metadata,
    Column("order_id", String(64), primary_key=True),
    Column("version", Integer, primary_key=True),
    Column("at", UtcDateTime(), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("window_start", UtcDateTime(), nullable=False),
    Column("window_end", UtcDateTime(), nullable=False),
    Column("by", String(100), nullable=False),
    Column("contact", JSON, nullable=False),
    Column("channel", String(16), nullable=False),
    Column("requested_by", String(16)),
    Column("reason", String(32)),
    Column("reason_text", String(200), nullable=False, server_default=""),
    Column("reschedules", Integer, nullable=False, server_default="0"),
    Column("call_id", String(64)),
    Column("recording_ref", String(200)),
)

appointment_visits = Table(
    "appointment_visits",
    metadata,
    Column("order_id", String(64), primary_key=True),
    Column("window_version", Integer, primary_key=True),
    Column("technician_id", String(64), nullable=False),
    Column("team", String(200)),
    Column("month", String(7), nullable=False),
    Column("window_start", UtcDateTime(), nullable=False),
    Column("window_end", UtcDateTime(), nullable=False),
    Column("outcome", String(16), nullable=False),
    Column("minutes_late", Integer, nullable=False),
    Column("checked_in_at", UtcDateTime()),
    Index("ix_appointment_visits_month", "month", "technician_id"),
)

call_checks = Table(
    "call_checks",
    metadata,
    Column("call_id", String(64), primary_key=True),
    Column("order_id", String(64), nullable=False, index=True),
    Column("call_kind", String(16), nullable=False),
    Column("recorded_at", UtcDateTime(), nullable=False),
    Column("checked_at", UtcDateTime(), nullable=False),
    Column("booked_start", UtcDateTime(), nullable=False),
    Column("booked_end", UtcDateTime(), nullable=False),
    Column("segments", JSON, nullable=False),
    Column("verdict", JSON, nullable=False),
    Column("passed", Boolean, nullable=False),
    Column("state", String(16), nullable=False, index=True),
    Column("reviewer", String(100)),
    Column("review_passed", Boolean),
    Column("review_note", String(500)),
    Column("reviewed_at", UtcDateTime()),
)


visit_links = Table(
    "visit_links",
    metadata,
    Column("link_id", String(64), primary_key=True),
    Column("order_id", String(64), nullable=False),
    Column("window_version", Integer, nullable=False),
    Column("token_sha256", String(64), nullable=False, unique=True),
    Column("to_masked", String(32), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("expires_at", UtcDateTime(), nullable=False),
    Column("revoked_at", UtcDateTime()),
    UniqueConstraint("order_id", "window_version"),
)
