"""Delivery (issue 4): test results, screenshots and the rendered reports."""

from __future__ import annotations

from sqlalchemy import JSON, Boolean, Column, Integer, String, Table, Text

from hub.db.tables.schema import metadata
from hub.db.types import UtcDateTime

test_results = Table(
    "test_results",
    metadata,
    Column("order_id", String(64), primary_key=True),
    Column("test_id", String(64), primary_key=True),
    Column("kind", String(8), nullable=False),
    Column("seq", Integer, nullable=False),  # the order version its event produced
    Column("technician_id", String(64), nullable=False),
    Column("measured_at", UtcDateTime(), nullable=False),
    Column("measurement", JSON, nullable=False),
    Column("thresholds", JSON, nullable=False),
    Column("passed", Boolean, nullable=False),
    Column("failed_checks", JSON, nullable=False),
    Column("screenshots", JSON, nullable=False),
    Column("note", Text, nullable=False),
    Column("recorded_at", UtcDateTime(), nullable=False),
)

screenshots = Table(
    "screenshots",
    metadata,
    Column("order_id", String(64), primary_key=True),
    Column("sha256", String(64), primary_key=True),
    Column("content_type", String(32), nullable=False),
    Column("size_bytes", Integer, nullable=False),
    Column("width", Integer, nullable=False),
    Column("height", Integer, nullable=False),
    Column("technician_id", String(64), nullable=False),
    Column("uploaded_at", UtcDateTime(), nullable=False),
)

reports = Table(
    "reports",
    metadata,
    Column("order_id", String(64), primary_key=True),
    Column("version", Integer, primary_key=True),
    Column("data_hash", String(64), nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("lang", String(8), nullable=False),
    Column("data", JSON, nullable=False),  # exactly what was rendered; the signed copy reuses it
    Column("size_bytes", Integer, nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
)
