"""api_users: the embedded user store (API tokens, stored as SHA-256 hashes)

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03 17:45:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import hub.db.types

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "api_users",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("role", sa.String(length=32), nullable=False),
        sa.Column("technician_id", sa.String(length=64), nullable=True),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", hub.db.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", hub.db.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", hub.db.types.UtcDateTime(timezone=True), nullable=True),
        sa.Column("last_used_at", hub.db.types.UtcDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_api_users")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_api_users_token_hash")),
    )


def downgrade() -> None:
    op.drop_table("api_users")
