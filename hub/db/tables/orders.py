"""Work orders and their flow log (流水)."""

from __future__ import annotations

from sqlalchemy import JSON, Boolean, Column, Integer, String, Table, UniqueConstraint

from hub.db.tables.schema import metadata
from hub.db.types import UtcDateTime

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
    Column("signed_report", JSON),  # issue 4: the report the customer signed
    Column("billing_reference", String(64)),  # issue 4: set once billing started (起租)
    Column("reissued_from", String(64)),  # issue 3: the archived order this one replaces
    Column("reissued_as", String(64)),  # issue 3: the order that replaced this one
    Column("appointment", JSON),  # issue 10: who booked the window, reschedules, confirmation
    Column("accepted_at", UtcDateTime()),  # issue 10: 接单
    Column("acceptance_overdue", Boolean, nullable=False, server_default="0"),
    Column("reschedule_flagged", Boolean, nullable=False, server_default="0"),
    Column("customer_request_pending", Boolean, nullable=False, server_default="0"),
    Column("punctuality", String(16)),  # issue 10: on_time | late | missed
    Column("minutes_late", Integer, nullable=False, server_default="0"),
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
