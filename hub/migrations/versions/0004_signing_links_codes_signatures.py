"""signing: links (token and code digests only), sessions, signatures, audit trail

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26 09:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import hub.db.types

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def _utc(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, hub.db.types.UtcDateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "signing_links",
        sa.Column("link_id", sa.String(length=32), nullable=False),
        sa.Column("order_id", sa.String(length=64), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("report_version", sa.Integer(), nullable=False),
        sa.Column("report_sha256", sa.String(length=64), nullable=False),
        sa.Column("issue_no", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("to_masked", sa.String(length=20), nullable=True),
        _utc("expires_at"),
        sa.Column("code_digest", sa.String(length=64), nullable=True),
        _utc("code_expires_at", nullable=True),
        sa.Column("code_no", sa.Integer(), nullable=False),
        sa.Column("code_sends", sa.JSON(), nullable=False),
        sa.Column("failed_attempts", sa.Integer(), nullable=False),
        sa.Column("reminders_sent", sa.Integer(), nullable=False),
        _utc("created_at"),
        _utc("updated_at"),
        sa.PrimaryKeyConstraint("link_id", name=op.f("pk_signing_links")),
        sa.UniqueConstraint(
            "order_id",
            "report_version",
            "channel",
            "issue_no",
            name=op.f("uq_signing_links_order_id_report_version_channel_issue_no"),
        ),
    )
    op.create_index(op.f("ix_signing_links_order_id"), "signing_links", ["order_id"])

    op.create_table(
        "signing_tokens",
        sa.Column("token_sha256", sa.String(length=64), nullable=False),
        sa.Column("link_id", sa.String(length=32), nullable=False),
        _utc("created_at"),
        sa.PrimaryKeyConstraint("token_sha256", name=op.f("pk_signing_tokens")),
    )
    op.create_index(op.f("ix_signing_tokens_link_id"), "signing_tokens", ["link_id"])

    op.create_table(
        "signing_sessions",
        sa.Column("session_sha256", sa.String(length=64), nullable=False),
        sa.Column("link_id", sa.String(length=32), nullable=False),
        _utc("verified_at"),
        _utc("expires_at"),
        sa.PrimaryKeyConstraint("session_sha256", name=op.f("pk_signing_sessions")),
    )
    op.create_index(op.f("ix_signing_sessions_link_id"), "signing_sessions", ["link_id"])

    op.create_table(
        "signatures",
        sa.Column("order_id", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("claim_id", sa.String(length=32), nullable=False),
        _utc("claimed_until", nullable=True),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("link_id", sa.String(length=32), nullable=True),
        sa.Column("report_version", sa.Integer(), nullable=False),
        sa.Column("report_sha256", sa.String(length=64), nullable=False),
        sa.Column("signed_sha256", sa.String(length=64), nullable=True),
        sa.Column("signed_path", sa.String(length=500), nullable=True),
        sa.Column("signer_name", sa.String(length=100), nullable=True),
        _utc("signed_at", nullable=True),
        _utc("created_at"),
        sa.PrimaryKeyConstraint("order_id", name=op.f("pk_signatures")),
    )
    op.create_index(op.f("ix_signatures_signed_sha256"), "signatures", ["signed_sha256"])

    op.create_table(
        "signing_audit",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("order_id", sa.String(length=64), nullable=False),
        sa.Column("link_id", sa.String(length=32), nullable=True),
        sa.Column("kind", sa.String(length=32), nullable=False),
        _utc("at"),
        sa.Column("ip", sa.String(length=64), nullable=True),
        sa.Column("user_agent", sa.String(length=300), nullable=True),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_signing_audit")),
    )
    op.create_index(op.f("ix_signing_audit_order_id"), "signing_audit", ["order_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_signing_audit_order_id"), table_name="signing_audit")
    op.drop_table("signing_audit")
    op.drop_index(op.f("ix_signatures_signed_sha256"), table_name="signatures")
    op.drop_table("signatures")
    op.drop_index(op.f("ix_signing_sessions_link_id"), table_name="signing_sessions")
    op.drop_table("signing_sessions")
    op.drop_index(op.f("ix_signing_tokens_link_id"), table_name="signing_tokens")
    op.drop_table("signing_tokens")
    op.drop_index(op.f("ix_signing_links_order_id"), table_name="signing_links")
    op.drop_table("signing_links")
