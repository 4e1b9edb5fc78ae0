"""The work-order system stand-in's own tables (客保): orders, flow logs, attachments, ledger."""

from __future__ import annotations

from sqlalchemy import JSON, Column, Integer, LargeBinary, String, Table

from adapters.embedded_standin import ledger_table
from adapters.standin_storage import UtcDateTime, standin_metadata

metadata = standin_metadata()

support_orders = Table(
    "support_orders",
    metadata,
    Column("order_id", String(64), primary_key=True),
    Column("status", String(20), nullable=False),
    Column("payload", JSON, nullable=False),
    Column("archived_at", UtcDateTime()),
    Column("updated_at", UtcDateTime(), nullable=False),
    Column("completion_reported_at", UtcDateTime()),  # 报竣
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

support_attachments = Table(
    "support_attachments",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("order_id", String(64), nullable=False, index=True),
    Column("idempotency_key", String(128), nullable=False, unique=True),
    Column("filename", String(200), nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("size_bytes", Integer, nullable=False),
    Column("content", LargeBinary, nullable=False),
    Column("received_at", UtcDateTime(), nullable=False),
)

standin_ledger = ledger_table(metadata)
