"""call_checks, visit_links: checked booking calls and their reviews, the customers' visit
links (issue 10)

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-04 03:50:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import hub.db.types

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "call_checks",
        sa.Column("call_id", sa.String(length=64), nullable=False),
        sa.Column("order_id", sa.String(length=64), nullable=False),
        sa.Column("call_kind", sa.String(length=16), nullable=False),
        sa.Column("recorded_at", hub.db.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("checked_at", hub.db.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("booked_start", hub.db.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("booked_end", hub.db.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("segments", sa.JSON(), nullable=False),
        sa.Column("verdict", sa.JSON(), nullable=False),
        sa.Column("passed", sa.Boolean(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("reviewer", sa.String(length=100), nullable=True),
        sa.Column("review_passed", sa.Boolean(), nullable=True),
        sa.Column("review_note", sa.String(length=500), nullable=True),
        sa.Column("reviewed_at", hub.db.types.UtcDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("call_id", name=op.f("pk_call_checks")),
    )
    op.create_index("ix_call_checks_order_id", "call_checks", ["order_id"])
    op.create_index("ix_call_checks_state", "call_checks", ["state"])
    op.create_table(
        "visit_links",
        sa.Column("link_id", sa.String(length=64), nullable=False),
        sa.Column("order_id", sa.String(length=64), nullable=False),
        sa.Column("window_version", sa.Integer(), nullable=False),
        sa.Column("token_sha256", sa.String(length=64), nullable=False),
        sa.Column("to_masked", sa.String(length=32), nullable=False),
        sa.Column("created_at", hub.db.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", hub.db.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", hub.db.types.UtcDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("link_id", name=op.f("pk_visit_links")),
        sa.UniqueConstraint("token_sha256", name=op.f("uq_visit_links_token_sha256")),
        sa.UniqueConstraint(
            "order_id", "window_version", name=op.f("uq_visit_links_order_id_window_version")
        ),
    )


def downgrade() -> None:
    op.drop_table("visit_links")
    op.drop_index("ix_call_checks_state", table_name="call_checks")
    op.drop_index("ix_call_checks_order_id", table_name="call_checks")
    op.drop_table("call_checks")
