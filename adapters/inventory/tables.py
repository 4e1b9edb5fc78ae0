"""The resource inventory stand-in's own tables (综资): cables, fibers, boxes, ports, assignments.

A fiber or port has at most one holder (unique order_id); taking one is a conditional update.
"""

from __future__ import annotations

from sqlalchemy import JSON, Column, Float, Integer, String, Table, UniqueConstraint

from adapters.embedded_standin import ledger_table
from adapters.standin_storage import UtcDateTime, standin_metadata

metadata = standin_metadata()

inventory_cables = Table(
    "inventory_cables",
    metadata,
    Column("cable_id", String(40), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("route", String(200), nullable=False),
    Column("fiber_count", Integer, nullable=False),
)

inventory_fibers = Table(
    "inventory_fibers",
    metadata,
    Column("fiber_id", String(40), primary_key=True),
    Column("cable_id", String(40), nullable=False),
    Column("fiber_no", Integer, nullable=False),
    Column("state", String(12), nullable=False),
    Column("order_id", String(64), unique=True),
    UniqueConstraint("cable_id", "fiber_no"),
)

inventory_boxes = Table(
    "inventory_boxes",
    metadata,
    Column("box_id", String(40), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("address", String(200), nullable=False),
    Column("lat", Float, nullable=False),
    Column("lon", Float, nullable=False),
    Column("cable_id", String(40), nullable=False),
    Column("port_count", Integer, nullable=False),
)

inventory_ports = Table(
    "inventory_ports",
    metadata,
    Column("box_id", String(40), primary_key=True),
    Column("port", Integer, primary_key=True),
    Column("state", String(12), nullable=False),
    Column("order_id", String(64), unique=True),
)

inventory_assignments = Table(
    "inventory_assignments",
    metadata,
    Column("order_id", String(64), primary_key=True),
    Column("cable_id", String(40), nullable=False),
    Column("fiber_id", String(40), nullable=False),
    Column("fiber_no", Integer, nullable=False),
    Column("box_id", String(40), nullable=False),
    Column("port", Integer, nullable=False),
    Column("status", String(12), nullable=False),  # active | superseded | released
    Column("successor", String(64)),
    Column("updated_at", UtcDateTime(), nullable=False),
)

inventory_operations = Table(  # one row per idempotency key: the first answer, replayed
    "inventory_operations",
    metadata,
    Column("idempotency_key", String(128), primary_key=True),
    Column("operation", String(32), nullable=False),
    Column("order_id", String(64), nullable=False, index=True),
    Column("request", JSON, nullable=False),
    Column("status", String(12), nullable=False),  # pending | applied | refused | reverted
    Column("code", String(32)),
    Column("detail", String(500)),
    Column("result", JSON),
    Column("at", UtcDateTime(), nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
)

standin_ledger = ledger_table(metadata)
