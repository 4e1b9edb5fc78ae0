"""on-site fixes: reissue links, resource changes, exception reports, inventory stand-in

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26 07:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import hub.db.types

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def _utc(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, hub.db.types.UtcDateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    with op.batch_alter_table("work_orders", schema=None) as batch_op:
        batch_op.add_column(sa.Column("reissued_from", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("reissued_as", sa.String(length=64), nullable=True))

    op.create_table(
        "resource_changes",
        sa.Column("change_id", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("order_id", sa.String(length=64), nullable=False),
        sa.Column("technician_id", sa.String(length=64), nullable=False),
        sa.Column("target", sa.JSON(), nullable=False),
        sa.Column("new_order_id", sa.String(length=64), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("active_order_id", sa.String(length=64), nullable=True),
        sa.Column("previous", sa.JSON(), nullable=True),
        sa.Column("resources", sa.JSON(), nullable=True),
        sa.Column("code", sa.String(length=32), nullable=True),
        sa.Column("reason", sa.String(length=500), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.String(length=500), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        _utc("created_at"),
        _utc("updated_at"),
        _utc("finished_at", nullable=True),
        sa.PrimaryKeyConstraint("change_id", name=op.f("pk_resource_changes")),
        sa.UniqueConstraint(
            "active_order_id", name=op.f("uq_resource_changes_active_order_id")
        ),
    )
    op.create_index(
        op.f("ix_resource_changes_order_id"), "resource_changes", ["order_id"], unique=False
    )
    op.create_index(
        op.f("ix_resource_changes_state"), "resource_changes", ["state"], unique=False
    )

    op.create_table(
        "exception_reports",
        sa.Column("report_id", sa.String(length=64), nullable=False),
        sa.Column("order_id", sa.String(length=64), nullable=False),
        sa.Column("technician_id", sa.String(length=64), nullable=False),
        sa.Column("technician_phone", sa.String(length=20), nullable=False),
        sa.Column("type", sa.String(length=32), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("photos", sa.JSON(), nullable=False),
        sa.Column("responsible", sa.JSON(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        _utc("reported_at"),
        _utc("resolved_at", nullable=True),
        sa.Column("resolved_by", sa.String(length=200), nullable=True),
        sa.Column("resolution", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("report_id", name=op.f("pk_exception_reports")),
    )
    op.create_index(
        op.f("ix_exception_reports_order_id"), "exception_reports", ["order_id"], unique=False
    )
    op.create_index(
        op.f("ix_exception_reports_state"), "exception_reports", ["state"], unique=False
    )

    op.create_table(
        "inventory_cables",
        sa.Column("cable_id", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("route", sa.String(length=200), nullable=False),
        sa.Column("fiber_count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("cable_id", name=op.f("pk_inventory_cables")),
    )
    op.create_table(
        "inventory_fibers",
        sa.Column("fiber_id", sa.String(length=40), nullable=False),
        sa.Column("cable_id", sa.String(length=40), nullable=False),
        sa.Column("fiber_no", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("order_id", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("fiber_id", name=op.f("pk_inventory_fibers")),
        sa.UniqueConstraint(
            "cable_id", "fiber_no", name=op.f("uq_inventory_fibers_cable_id_fiber_no")
        ),
        sa.UniqueConstraint("order_id", name=op.f("uq_inventory_fibers_order_id")),
    )
    op.create_table(
        "inventory_boxes",
        sa.Column("box_id", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("address", sa.String(length=200), nullable=False),
        sa.Column("lat", sa.Float(), nullable=False),
        sa.Column("lon", sa.Float(), nullable=False),
        sa.Column("cable_id", sa.String(length=40), nullable=False),
        sa.Column("port_count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("box_id", name=op.f("pk_inventory_boxes")),
    )
    op.create_table(
        "inventory_ports",
        sa.Column("box_id", sa.String(length=40), nullable=False),
        sa.Column("port", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("order_id", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("box_id", "port", name=op.f("pk_inventory_ports")),
        sa.UniqueConstraint("order_id", name=op.f("uq_inventory_ports_order_id")),
    )
    op.create_table(
        "inventory_assignments",
        sa.Column("order_id", sa.String(length=64), nullable=False),
        sa.Column("cable_id", sa.String(length=40), nullable=False),
        sa.Column("fiber_id", sa.String(length=40), nullable=False),
        sa.Column("fiber_no", sa.Integer(), nullable=False),
        sa.Column("box_id", sa.String(length=40), nullable=False),
        sa.Column("port", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("successor", sa.String(length=64), nullable=True),
        _utc("updated_at"),
        sa.PrimaryKeyConstraint("order_id", name=op.f("pk_inventory_assignments")),
    )
    op.create_table(
        "inventory_operations",
        sa.Column("idempotency_key", sa.String(length=128), nullable=False),
        sa.Column("operation", sa.String(length=32), nullable=False),
        sa.Column("order_id", sa.String(length=64), nullable=False),
        sa.Column("request", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=True),
        sa.Column("detail", sa.String(length=500), nullable=True),
        sa.Column("result", sa.JSON(), nullable=True),
        _utc("at"),
        _utc("updated_at"),
        sa.PrimaryKeyConstraint("idempotency_key", name=op.f("pk_inventory_operations")),
    )
    op.create_index(
        op.f("ix_inventory_operations_order_id"),
        "inventory_operations",
        ["order_id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_inventory_operations_order_id"), table_name="inventory_operations")
    op.drop_table("inventory_operations")
    op.drop_table("inventory_assignments")
    op.drop_table("inventory_ports")
    op.drop_table("inventory_boxes")
    op.drop_table("inventory_fibers")
    op.drop_table("inventory_cables")
    op.drop_index(op.f("ix_exception_reports_state"), table_name="exception_reports")
    op.drop_index(op.f("ix_exception_reports_order_id"), table_name="exception_reports")
    op.drop_table("exception_reports")
    op.drop_index(op.f("ix_resource_changes_state"), table_name="resource_changes")
    op.drop_index(op.f("ix_resource_changes_order_id"), table_name="resource_changes")
    op.drop_table("resource_changes")
    with op.batch_alter_table("work_orders", schema=None) as batch_op:
        batch_op.drop_column("reissued_as")
        batch_op.drop_column("reissued_from")
