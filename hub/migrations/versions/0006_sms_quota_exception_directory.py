"""sms_quota (today's SMS counts per order, phone HMAC and hub) and exception_directory

Revision ID: 0006
Revises: 0004
Create Date: 2026-12-03 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import hub.db.types

revision = "0006"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sms_quota",
        sa.Column("scope", sa.String(length=100), nullable=False),
        sa.Column("day", sa.String(length=10), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("scope", "day", name=op.f("pk_sms_quota")),
    )
    op.create_table(
        "exception_directory",
        sa.Column("exception_type", sa.String(length=32), nullable=False),
        sa.Column("district", sa.String(length=32), nullable=False),
        sa.Column("role", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("phone", sa.String(length=20), nullable=False),
        sa.Column("updated_by", sa.String(length=100), nullable=False),
        sa.Column("updated_at", hub.db.types.UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint(
            "exception_type", "district", name=op.f("pk_exception_directory")
        ),
    )


def downgrade() -> None:
    op.drop_table("exception_directory")
    op.drop_table("sms_quota")
