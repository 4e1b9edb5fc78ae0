"""sms_quota: today's SMS counts per order, per phone (HMAC) and for the hub

Revision ID: 0007
Revises: 0004
Create Date: 2026-12-03 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
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


def downgrade() -> None:
    op.drop_table("sms_quota")
