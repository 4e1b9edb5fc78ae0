"""delivery: test results, screenshots, reports, e-mail, billing, support attachments

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26 08:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import hub.db.types

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def _utc(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, hub.db.types.UtcDateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    with op.batch_alter_table("work_orders", schema=None) as batch_op:
        batch_op.add_column(sa.Column("signed_report", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("billing_reference", sa.String(length=64), nullable=True))
    with op.batch_alter_table("support_orders", schema=None) as batch_op:
        batch_op.add_column(_utc("completion_reported_at", nullable=True))

    op.create_table(
        "test_results",
        sa.Column("order_id", sa.String(length=64), nullable=False),
        sa.Column("test_id", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("technician_id", sa.String(length=64), nullable=False),
        _utc("measured_at"),
        sa.Column("measurement", sa.JSON(), nullable=False),
        sa.Column("thresholds", sa.JSON(), nullable=False),
        sa.Column("passed", sa.Boolean(), nullable=False),
        sa.Column("failed_checks", sa.JSON(), nullable=False),
        sa.Column("screenshots", sa.JSON(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        _utc("recorded_at"),
        sa.PrimaryKeyConstraint("order_id", "test_id", name=op.f("pk_test_results")),
    )
    op.create_table(
        "screenshots",
        sa.Column("order_id", sa.String(length=64), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("content_type", sa.String(length=32), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("technician_id", sa.String(length=64), nullable=False),
        _utc("uploaded_at"),
        sa.PrimaryKeyConstraint("order_id", "sha256", name=op.f("pk_screenshots")),
    )
    op.create_table(
        "reports",
        sa.Column("order_id", sa.String(length=64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("data_hash", sa.String(length=64), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("lang", sa.String(length=8), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        _utc("created_at"),
        sa.PrimaryKeyConstraint("order_id", "version", name=op.f("pk_reports")),
    )
    op.create_table(
        "email_messages",
        sa.Column("email_id", sa.String(length=128), nullable=False),
        sa.Column("order_id", sa.String(length=64), nullable=True),
        sa.Column("recipient", sa.String(length=254), nullable=False),
        sa.Column("provider", sa.String(length=16), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        _utc("lease_until", nullable=True),
        sa.Column("provider_message_id", sa.String(length=200), nullable=True),
        sa.Column("possible_duplicate", sa.Boolean(), nullable=False),
        sa.Column("error_code", sa.String(length=32), nullable=True),
        _utc("created_at"),
        _utc("updated_at"),
        sa.PrimaryKeyConstraint("email_id", name=op.f("pk_email_messages")),
    )
    with op.batch_alter_table("email_messages", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_email_messages_order_id"), ["order_id"], unique=False)
    op.create_table(
        "email_log",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("email_id", sa.String(length=128), nullable=False),
        sa.Column("message_id", sa.String(length=200), nullable=False),
        sa.Column("to_masked", sa.String(length=254), nullable=False),
        sa.Column("subject", sa.String(length=500), nullable=False),
        sa.Column("attachment_sha256", sa.String(length=64), nullable=True),
        _utc("sent_at"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_email_log")),
        sa.UniqueConstraint("message_id", name=op.f("uq_email_log_message_id")),
    )
    with op.batch_alter_table("email_log", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_email_log_email_id"), ["email_id"], unique=False)
    op.create_table(
        "billing_starts",
        sa.Column("order_id", sa.String(length=64), nullable=False),
        sa.Column("idempotency_key", sa.String(length=128), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        _utc("lease_until", nullable=True),
        sa.Column("reference", sa.String(length=64), nullable=True),
        sa.Column("error_code", sa.String(length=32), nullable=True),
        _utc("created_at"),
        _utc("updated_at"),
        sa.PrimaryKeyConstraint("order_id", name=op.f("pk_billing_starts")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_billing_starts_idempotency_key")),
    )
    op.create_table(
        "billing_accounts",
        sa.Column("reference", sa.String(length=64), nullable=False),
        sa.Column("order_id", sa.String(length=64), nullable=False),
        sa.Column("idempotency_key", sa.String(length=128), nullable=False),
        sa.Column("product", sa.String(length=200), nullable=False),
        sa.Column("bandwidth_mbps", sa.Integer(), nullable=False),
        sa.Column("report_sha256", sa.String(length=64), nullable=False),
        _utc("started_at"),
        sa.PrimaryKeyConstraint("reference", name=op.f("pk_billing_accounts")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_billing_accounts_idempotency_key")),
    )
    with op.batch_alter_table("billing_accounts", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_billing_accounts_order_id"), ["order_id"], unique=False
        )
    op.create_table(
        "support_attachments",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("order_id", sa.String(length=64), nullable=False),
        sa.Column("idempotency_key", sa.String(length=128), nullable=False),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        _utc("received_at"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_support_attachments")),
        sa.UniqueConstraint(
            "idempotency_key", name=op.f("uq_support_attachments_idempotency_key")
        ),
    )
    with op.batch_alter_table("support_attachments", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_support_attachments_order_id"), ["order_id"], unique=False
        )


def downgrade() -> None:
    for table, index in (
        ("support_attachments", "ix_support_attachments_order_id"),
        ("billing_accounts", "ix_billing_accounts_order_id"),
        ("email_log", "ix_email_log_email_id"),
        ("email_messages", "ix_email_messages_order_id"),
    ):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(batch_op.f(index))
    for table in (
        "support_attachments",
        "billing_accounts",
        "billing_starts",
        "email_log",
        "email_messages",
        "reports",
        "screenshots",
        "test_results",
    ):
        op.drop_table(table)
    with op.batch_alter_table("support_orders", schema=None) as batch_op:
        batch_op.drop_column("completion_reported_at")
    with op.batch_alter_table("work_orders", schema=None) as batch_op:
        batch_op.drop_column("billing_reference")
        batch_op.drop_column("signed_report")
