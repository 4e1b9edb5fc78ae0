"""Signing (issue 4): links hold no token, only SHA-256 digests; codes are HMACs."""

from __future__ import annotations

from sqlalchemy import JSON, Column, Integer, String, Table, UniqueConstraint

from hub.db.tables.schema import metadata
from hub.db.types import UtcDateTime

signing_links = Table(
    "signing_links",
    metadata,
    Column("link_id", String(32), primary_key=True),
    Column("order_id", String(64), nullable=False, index=True),
    Column("channel", String(16), nullable=False),
    Column("report_version", Integer, nullable=False),
    Column("report_sha256", String(64), nullable=False),
    Column("issue_no", Integer, nullable=False),
    Column("status", String(16), nullable=False),
    Column("to_masked", String(20)),
    Column("expires_at", UtcDateTime(), nullable=False),
    Column("code_digest", String(64)),
    Column("code_expires_at", UtcDateTime()),
    Column("code_no", Integer, nullable=False, default=0),
    Column("code_sends", JSON, nullable=False),
    Column("failed_attempts", Integer, nullable=False, default=0),
    Column("reminders_sent", Integer, nullable=False, default=0),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
    UniqueConstraint("order_id", "report_version", "channel", "issue_no"),
)

signing_tokens = Table(
    "signing_tokens",
    metadata,
    Column("token_sha256", String(64), primary_key=True),
    Column("link_id", String(32), nullable=False, index=True),
    Column("created_at", UtcDateTime(), nullable=False),
)

signing_sessions = Table(
    "signing_sessions",
    metadata,
    Column("session_sha256", String(64), primary_key=True),
    Column("link_id", String(32), nullable=False, index=True),
    Column("verified_at", UtcDateTime(), nullable=False),
    Column("expires_at", UtcDateTime(), nullable=False),
)

signatures = Table(  # one per order, ever: the primary key is the exactly-once guard
    "signatures",
    metadata,
    Column("order_id", String(64), primary_key=True),
    Column("status", String(16), nullable=False),
    Column("claim_id", String(32), nullable=False),
    Column("claimed_until", UtcDateTime()),
    Column("channel", String(16), nullable=False),
    Column("link_id", String(32)),
    Column("report_version", Integer, nullable=False),
    Column("report_sha256", String(64), nullable=False),
    Column("signed_sha256", String(64), index=True),
    Column("signed_path", String(500)),
    Column("signer_name", String(100)),
    Column("signed_at", UtcDateTime()),
    Column("created_at", UtcDateTime(), nullable=False),
)

signing_audit = Table(
    "signing_audit",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("order_id", String(64), nullable=False, index=True),
    Column("link_id", String(32)),
    Column("kind", String(32), nullable=False),
    Column("at", UtcDateTime(), nullable=False),
    Column("ip", String(64)),
    Column("user_agent", String(300)),
    Column("details", JSON, nullable=False),
)
