"""the embedded stand-ins leave the hub's schema: their tables live in their own storage

Each embedded stand-in (work-order system, inventory, billing) and local provider (SMS platform,
mailbox) now creates its own tables in a file or schema of its own (`adapters/standin_storage.py`),
so these tables leave the hub's schema. Their rows are a stand-in's, not the hub's: they are not
copied. A downgrade recreates the tables empty.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03 09:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import hub.db.types

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

# Dependants before what they would depend on (none reference each other today).
STANDIN_TABLES = (
    "support_orders",
    "support_flow_log",
    "support_attachments",
    "standin_ledger",
    "billing_accounts",
    "inventory_cables",
    "inventory_fibers",
    "inventory_boxes",
    "inventory_ports",
    "inventory_assignments",
    "inventory_operations",
    "sms_log",
    "email_log",
)


def upgrade() -> None:
    for table in STANDIN_TABLES:
        op.drop_table(table)


def _utc(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, hub.db.types.UtcDateTime(timezone=True), nullable=nullable)


def _id() -> sa.Column:
    return sa.Column("id", sa.Integer(), autoincrement=True, nullable=False)


def _str(name: str, length: int, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.String(length=length), nullable=nullable)


def _index(table: str, column: str) -> None:
    op.create_index(op.f(f"ix_{table}_{column}"), table, [column], unique=False)


def downgrade() -> None:
    _support()
    _inventory()
    op.create_table(
        "standin_ledger",
        _id(),
        _str("system", 32),
        _str("operation", 64),
        _str("idempotency_key", 128),
        _utc("at"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_standin_ledger")),
    )
    _index("standin_ledger", "idempotency_key")
    op.create_table(
        "billing_accounts",
        _str("reference", 64),
        _str("order_id", 64),
        _str("idempotency_key", 128),
        _str("product", 200),
        sa.Column("bandwidth_mbps", sa.Integer(), nullable=False),
        _str("report_sha256", 64),
        _utc("started_at"),
        sa.PrimaryKeyConstraint("reference", name=op.f("pk_billing_accounts")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_billing_accounts_idempotency_key")),
    )
    _index("billing_accounts", "order_id")
    op.create_table(
        "sms_log",
        _id(),
        _str("provider_message_id", 64),
        _str("sms_id", 128),
        _str("to_masked", 20),
        sa.Column("body", sa.Text(), nullable=False),
        _utc("sent_at"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sms_log")),
        sa.UniqueConstraint("provider_message_id", name=op.f("uq_sms_log_provider_message_id")),
    )
    _index("sms_log", "sms_id")
    op.create_table(
        "email_log",
        _id(),
        _str("email_id", 128),
        _str("message_id", 200),
        _str("to_masked", 254),
        _str("subject", 500),
        _str("attachment_sha256", 64, nullable=True),
        _utc("sent_at"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_email_log")),
        sa.UniqueConstraint("message_id", name=op.f("uq_email_log_message_id")),
    )
    _index("email_log", "email_id")


def _support() -> None:
    op.create_table(
        "support_orders",
        _str("order_id", 64),
        _str("status", 20),
        sa.Column("payload", sa.JSON(), nullable=False),
        _utc("archived_at", nullable=True),
        _utc("updated_at"),
        _utc("completion_reported_at", nullable=True),
        sa.PrimaryKeyConstraint("order_id", name=op.f("pk_support_orders")),
    )
    op.create_table(
        "support_flow_log",
        _id(),
        _str("order_id", 64),
        _str("idempotency_key", 128),
        sa.Column("entry", sa.JSON(), nullable=False),
        _utc("received_at"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_support_flow_log")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_support_flow_log_idempotency_key")),
    )
    _index("support_flow_log", "order_id")
    op.create_table(
        "support_attachments",
        _id(),
        _str("order_id", 64),
        _str("idempotency_key", 128),
        _str("filename", 200),
        _str("sha256", 64),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        _utc("received_at"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_support_attachments")),
        sa.UniqueConstraint(
            "idempotency_key", name=op.f("uq_support_attachments_idempotency_key")
        ),
    )
    _index("support_attachments", "order_id")


def _inventory() -> None:
    op.create_table(
        "inventory_cables",
        _str("cable_id", 40),
        _str("name", 200),
        _str("route", 200),
        sa.Column("fiber_count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("cable_id", name=op.f("pk_inventory_cables")),
    )
    op.create_table(
        "inventory_fibers",
        _str("fiber_id", 40),
        _str("cable_id", 40),
        sa.Column("fiber_no", sa.Integer(), nullable=False),
        _str("state", 12),
        _str("order_id", 64, nullable=True),
        sa.PrimaryKeyConstraint("fiber_id", name=op.f("pk_inventory_fibers")),
        sa.UniqueConstraint(
            "cable_id", "fiber_no", name=op.f("uq_inventory_fibers_cable_id_fiber_no")
        ),
        sa.UniqueConstraint("order_id", name=op.f("uq_inventory_fibers_order_id")),
    )
    op.create_table(
        "inventory_boxes",
        _str("box_id", 40),
        _str("name", 200),
        _str("address", 200),
        sa.Column("lat", sa.Float(), nullable=False),
        sa.Column("lon", sa.Float(), nullable=False),
        _str("cable_id", 40),
        sa.Column("port_count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("box_id", name=op.f("pk_inventory_boxes")),
    )
    op.create_table(
        "inventory_ports",
        _str("box_id", 40),
        sa.Column("port", sa.Integer(), nullable=False),
        _str("state", 12),
        _str("order_id", 64, nullable=True),
        sa.PrimaryKeyConstraint("box_id", "port", name=op.f("pk_inventory_ports")),
        sa.UniqueConstraint("order_id", name=op.f("uq_inventory_ports_order_id")),
    )
    op.create_table(
        "inventory_assignments",
        _str("order_id", 64),
        _str("cable_id", 40),
        _str("fiber_id", 40),
        sa.Column("fiber_no", sa.Integer(), nullable=False),
        _str("box_id", 40),
        sa.Column("port", sa.Integer(), nullable=False),
        _str("status", 12),
        _str("successor", 64, nullable=True),
        _utc("updated_at"),
        sa.PrimaryKeyConstraint("order_id", name=op.f("pk_inventory_assignments")),
    )
    op.create_table(
        "inventory_operations",
        _str("idempotency_key", 128),
        _str("operation", 32),
        _str("order_id", 64),
        sa.Column("request", sa.JSON(), nullable=False),
        _str("status", 12),
        _str("code", 32, nullable=True),
        _str("detail", 500, nullable=True),
        sa.Column("result", sa.JSON(), nullable=True),
        _utc("at"),
        _utc("updated_at"),
        sa.PrimaryKeyConstraint("idempotency_key", name=op.f("pk_inventory_operations")),
    )
    _index("inventory_operations", "order_id")
