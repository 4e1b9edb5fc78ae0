"""The embedded user store: who may call the hub, by the hash of their token."""

from __future__ import annotations

from sqlalchemy import Column, String, Table

from hub.db.tables.schema import metadata
from hub.db.types import UtcDateTime

api_users = Table(  # the embedded user store: who may call the hub, by the hash of their token
    "api_users",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("role", String(32), nullable=False),
    Column("technician_id", String(64)),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("expires_at", UtcDateTime(), nullable=False),
    Column("revoked_at", UtcDateTime()),
    Column("last_used_at", UtcDateTime()),
)
