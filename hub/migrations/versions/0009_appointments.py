"""appointments: booking trail, acceptance, punctuality (issue 10)

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04 03:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import hub.db.types

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("work_orders") as batch:
        batch.add_column(sa.Column("appointment", sa.JSON(), nullable=True))
        batch.add_column(
            sa.Column("accepted_at", hub.db.types.UtcDateTime(timezone=True), nullable=True)
        )
        batch.add_column(
            sa.Column("acceptance_overdue", sa.Boolean(), nullable=False, server_default="0")
        )
        batch.add_column(
            sa.Column("reschedule_flagged", sa.Boolean(), nullable=False, server_default="0")
        )
        batch.add_column(
            sa.Column("customer_request_pending", sa.Boolean(), nullable=False, server_default="0")
        )
        batch.add_column(sa.Column("punctuality", sa.String(length=16), nullable=True))
        batch.add_column(
            sa.Column("minutes_late", sa.Integer(), nullable=False, server_default="0")
        )
    op.create_table(
        "appointment_history",
        sa.Column("order_id", sa.String(length=64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("at", hub.db.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("window_start", hub.db.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("window_end", hub.db.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("by", sa.String(length=100), nullable=False),
        sa.Column("contact", sa.JSON(), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("requested_by", sa.String(length=16), nullable=True),
        sa.Column("reason", sa.String(length=32), nullable=True),
        sa.Column("reason_text", sa.String(length=200), nullable=False, server_default=""),
        sa.Column("reschedules", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("call_id", sa.String(length=64), nullable=True),
        sa.Column("recording_ref", sa.String(length=200), nullable=True),
        sa.PrimaryKeyConstraint("order_id", "version", name=op.f("pk_appointment_history")),
    )
    op.create_table(
        "appointment_visits",
        sa.Column("order_id", sa.String(length=64), nullable=False),
        sa.Column("window_version", sa.Integer(), nullable=False),
        sa.Column("technician_id", sa.String(length=64), nullable=False),
        sa.Column("team", sa.String(length=200), nullable=True),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("window_start", hub.db.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("window_end", hub.db.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("minutes_late", sa.Integer(), nullable=False),
        sa.Column("checked_in_at", hub.db.types.UtcDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("order_id", "window_version", name=op.f("pk_appointment_visits")),
    )
    op.create_index(
        "ix_appointment_visits_month", "appointment_visits", ["month", "technician_id"]
    )


def downgrade() -> None:
    op.drop_index("ix_appointment_visits_month", table_name="appointment_visits")
    op.drop_table("appointment_visits")
    op.drop_table("appointment_history")
    with op.batch_alter_table("work_orders") as batch:
        for column in (
            "minutes_late",
            "punctuality",
            "customer_request_pending",
            "reschedule_flagged",
            "acceptance_overdue",
            "accepted_at",
            "appointment",
        ):
            batch.drop_column(column)
