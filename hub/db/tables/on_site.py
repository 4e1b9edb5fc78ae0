"""On-site fixes (issue 3): resource changes (sagas), exception reports, who acts on them."""

from __future__ import annotations

from sqlalchemy import JSON, Column, Integer, String, Table, Text

from hub.db.tables.schema import metadata
from hub.db.types import UtcDateTime

resource_changes = Table(  # one row per fiber swap / box change saga
    "resource_changes",
    metadata,
    Column("change_id", String(64), primary_key=True),
    Column("kind", String(16), nullable=False),
    Column("order_id", String(64), nullable=False, index=True),
    Column("technician_id", String(64), nullable=False),
    Column("target", JSON, nullable=False),
    Column("new_order_id", String(64), nullable=False),
    Column("state", String(16), nullable=False, index=True),
    # Set while the change is not finished: at most one change in flight per order.
    Column("active_order_id", String(64), unique=True),
    Column("previous", JSON),
    Column("resources", JSON),
    Column("code", String(32)),
    Column("reason", String(500)),
    Column("attempts", Integer, nullable=False, default=0),
    Column("last_error", String(500)),
    Column("version", Integer, nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
    Column("finished_at", UtcDateTime()),
)

exception_reports = Table(
    "exception_reports",
    metadata,
    Column("report_id", String(64), primary_key=True),
    Column("order_id", String(64), nullable=False, index=True),
    Column("technician_id", String(64), nullable=False),
    Column("technician_phone", String(20), nullable=False),
    Column("type", String(32), nullable=False),
    Column("description", Text, nullable=False),
    Column("photos", JSON, nullable=False),
    Column("responsible", JSON, nullable=False),
    Column("state", String(16), nullable=False, index=True),
    Column("reported_at", UtcDateTime(), nullable=False),
    Column("resolved_at", UtcDateTime()),
    Column("resolved_by", String(200)),
    Column("resolution", Text),
)

exception_directory = Table(  # who must act on which exception type in which district
    "exception_directory",
    metadata,
    Column("exception_type", String(32), primary_key=True),
    Column("district", String(32), primary_key=True),
    Column("role", String(32), nullable=False),
    Column("name", String(200), nullable=False),
    Column("phone", String(20), nullable=False),
    Column("updated_by", String(100), nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
)
