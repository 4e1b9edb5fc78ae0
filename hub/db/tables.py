"""The hub's table definitions (SQLAlchemy Core). Alembic migrations mirror these.

The embedded stand-ins' tables are not here: each stand-in keeps its own (`adapters/*/tables.py`,
`adapters/standin_storage.py`), so the hub's schema holds only the hub's tables.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from hub.db.types import UtcDateTime

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "pk": "pk_%(table_name)s",
    }
)

work_orders = Table(
    "work_orders",
    metadata,
    Column("order_id", String(64), primary_key=True),
    Column("status", String(20), nullable=False, index=True),
    Column("version", Integer, nullable=False),
    Column("technician_id", String(64), index=True),
    Column("details", JSON, nullable=False),
    Column("technician", JSON),
    Column("appointment_start", UtcDateTime()),
    Column("appointment_end", UtcDateTime()),
    Column("check_in", JSON),
    Column("completed_at", UtcDateTime()),
    Column("archived_at", UtcDateTime()),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
    Column("signed_report", JSON),  # issue 4: the report the customer signed
    Column("billing_reference", String(64)),  # issue 4: set once billing started (起租)
    Column("reissued_from", String(64)),  # issue 3: the archived order this one replaces
    Column("reissued_as", String(64)),  # issue 3: the order that replaced this one
    Column("appointment", JSON),  # issue 10: who booked the window, reschedules, confirmation
    Column("accepted_at", UtcDateTime()),  # issue 10: 接单
    Column("acceptance_overdue", Boolean, nullable=False, server_default="0"),
    Column("reschedule_flagged", Boolean, nullable=False, server_default="0"),
    Column("customer_request_pending", Boolean, nullable=False, server_default="0"),
    Column("punctuality", String(16)),  # issue 10: on_time | late | missed
    Column("minutes_late", Integer, nullable=False, server_default="0"),
)

appointment_history = Table(
    "appointment_history",
    metadata,
    Column("order_id", String(64), primary_key=True),
    Column("version", Integer, primary_key=True),
    Column("at", UtcDateTime(), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("window_start", UtcDateTime(), nullable=False),
    Column("window_end", UtcDateTime(), nullable=False),
    Column("by", String(100), nullable=False),
    Column("contact", JSON, nullable=False),
    Column("channel", String(16), nullable=False),
    Column("requested_by", String(16)),
    Column("reason", String(32)),
    Column("reason_text", String(200), nullable=False, server_default=""),
    Column("reschedules", Integer, nullable=False, server_default="0"),
    Column("call_id", String(64)),
    Column("recording_ref", String(200)),
)

call_checks = Table(
    "call_checks",
    metadata,
    Column("call_id", String(64), primary_key=True),
    Column("order_id", String(64), nullable=False, index=True),
    Column("call_kind", String(16), nullable=False),
    Column("recorded_at", UtcDateTime(), nullable=False),
    Column("checked_at", UtcDateTime(), nullable=False),
    Column("booked_start", UtcDateTime(), nullable=False),
    Column("booked_end", UtcDateTime(), nullable=False),
    Column("segments", JSON, nullable=False),
    Column("verdict", JSON, nullable=False),
    Column("passed", Boolean, nullable=False),
    Column("state", String(16), nullable=False, index=True),
    Column("reviewer", String(100)),
    Column("review_passed", Boolean),
    Column("review_note", String(500)),
    Column("reviewed_at", UtcDateTime()),
)

visit_links = Table(
    "visit_links",
    metadata,
    Column("link_id", String(64), primary_key=True),
    Column("order_id", String(64), nullable=False),
    Column("window_version", Integer, nullable=False),
    Column("token_sha256", String(64), nullable=False, unique=True),
    Column("to_masked", String(32), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("expires_at", UtcDateTime(), nullable=False),
    Column("revoked_at", UtcDateTime()),
    UniqueConstraint("order_id", "window_version"),
)

appointment_visits = Table(
    "appointment_visits",
    metadata,
    Column("order_id", String(64), primary_key=True),
    Column("window_version", Integer, primary_key=True),
    Column("technician_id", String(64), nullable=False),
    Column("team", String(200)),
    Column("month", String(7), nullable=False),
    Column("window_start", UtcDateTime(), nullable=False),
    Column("window_end", UtcDateTime(), nullable=False),
    Column("outcome", String(16), nullable=False),
    Column("minutes_late", Integer, nullable=False),
    Column("checked_in_at", UtcDateTime()),
    Index("ix_appointment_visits_month", "month", "technician_id"),
)

flow_log = Table(
    "flow_log",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("order_id", String(64), nullable=False),
    Column("seq", Integer, nullable=False),
    Column("at", UtcDateTime(), nullable=False),
    Column("step", String(32), nullable=False),
    Column("actor", String(100), nullable=False),
    Column("summary", String(500), nullable=False),
    Column("details", JSON, nullable=False),
    UniqueConstraint("order_id", "seq"),
)

outbox = Table(
    "outbox",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("exchange", String(200), nullable=False),
    Column("routing_key", String(200), nullable=False),
    Column("message_type", String(100), nullable=False),
    Column("body", Text, nullable=False),
    Column("headers", JSON, nullable=False),
    Column("correlation_id", String(100)),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("sent_at", UtcDateTime()),
    Column("available_at", UtcDateTime(), nullable=False),
    Column("attempts", Integer, nullable=False, default=0),
    Column("last_error", String(500)),
    Index("ix_outbox_pending", "sent_at", "available_at"),
)

inbox = Table(
    "inbox",
    metadata,
    Column("consumer", String(100), primary_key=True),
    Column("message_id", String(100), primary_key=True),
    Column("received_at", UtcDateTime(), nullable=False),
)

timers = Table(
    "timers",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("kind", String(64), nullable=False),
    Column("order_id", String(64), index=True),
    Column("due_at", UtcDateTime(), nullable=False),
    Column("status", String(16), nullable=False),
    Column("message_type", String(100), nullable=False),
    Column("body", Text, nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("fired_at", UtcDateTime()),
    Index("ix_timers_due", "status", "due_at"),
)

sms_messages = Table(
    "sms_messages",
    metadata,
    Column("sms_id", String(128), primary_key=True),
    Column("order_id", String(64), index=True),
    Column("purpose", String(64), nullable=False),
    Column("to_phone", String(20), nullable=False),
    Column("body", Text, nullable=False),
    Column("provider", String(16), nullable=False),
    Column("state", String(16), nullable=False),
    Column("provider_message_id", String(64), unique=True),
    Column("delivery_status", String(16)),
    Column("delivery_rank", Integer, nullable=False, default=0),
    Column("error_code", String(32)),
    Column("attempts", Integer, nullable=False, default=0),
    Column("lease_until", UtcDateTime()),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
)


sms_quota = Table(  # today's SMS per scope (order:<id>, phone:<hmac>, day), for the limits
    "sms_quota",
    metadata,
    Column("scope", String(100), primary_key=True),
    Column("day", String(10), primary_key=True),
    Column("count", Integer, nullable=False),
)


# --- delivery (issue 4): test results, screenshots, reports, e-mail, billing ---------------------

test_results = Table(
    "test_results",
    metadata,
    Column("order_id", String(64), primary_key=True),
    Column("test_id", String(64), primary_key=True),
    Column("kind", String(8), nullable=False),
    Column("seq", Integer, nullable=False),  # the order version its event produced
    Column("technician_id", String(64), nullable=False),
    Column("measured_at", UtcDateTime(), nullable=False),
    Column("measurement", JSON, nullable=False),
    Column("thresholds", JSON, nullable=False),
    Column("passed", Boolean, nullable=False),
    Column("failed_checks", JSON, nullable=False),
    Column("screenshots", JSON, nullable=False),
    Column("note", Text, nullable=False),
    Column("recorded_at", UtcDateTime(), nullable=False),
)

screenshots = Table(
    "screenshots",
    metadata,
    Column("order_id", String(64), primary_key=True),
    Column("sha256", String(64), primary_key=True),
    Column("content_type", String(32), nullable=False),
    Column("size_bytes", Integer, nullable=False),
    Column("width", Integer, nullable=False),
    Column("height", Integer, nullable=False),
    Column("technician_id", String(64), nullable=False),
    Column("uploaded_at", UtcDateTime(), nullable=False),
)

reports = Table(
    "reports",
    metadata,
    Column("order_id", String(64), primary_key=True),
    Column("version", Integer, primary_key=True),
    Column("data_hash", String(64), nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("lang", String(8), nullable=False),
    Column("data", JSON, nullable=False),  # exactly what was rendered; the signed copy reuses it
    Column("size_bytes", Integer, nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
)

email_messages = Table(
    "email_messages",
    metadata,
    Column("email_id", String(128), primary_key=True),
    Column("order_id", String(64), index=True),
    Column("recipient", String(254), nullable=False),
    Column("provider", String(16), nullable=False),
    Column("state", String(16), nullable=False),
    Column("attempts", Integer, nullable=False, default=0),
    Column("lease_until", UtcDateTime()),
    Column("provider_message_id", String(200)),
    Column("possible_duplicate", Boolean, nullable=False, default=False),
    Column("error_code", String(32)),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
)


billing_starts = Table(
    "billing_starts",
    metadata,
    Column("order_id", String(64), primary_key=True),
    Column("idempotency_key", String(128), nullable=False, unique=True),
    Column("state", String(16), nullable=False),
    Column("attempts", Integer, nullable=False, default=0),
    Column("lease_until", UtcDateTime()),
    Column("reference", String(64)),
    Column("error_code", String(32)),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
)


# Signing (issue 4): links hold no token, only SHA-256 digests; codes are HMACs.
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


# --- on-site fixes (issue 3): resource changes (sagas) and exception reports ---------------------

resource_changes = Table(  # one row per fiber swap / box change saga
    "resource_changes",
    metadata,
    Column("change_id", String(64), primary_key=True),
    Column("kind", String(16), nullable=False),
    Column("order_id", String(64), nullable=False, index=True),
    Column("technician_id", String(64), nullable=False),
    Column("target", JSON, nullable=False),
    Column("new_order_id", String(64), nullable=False),
    Column("state", String(16), nullable=False, index=True),
    # Set while the change is not finished: at most one change in flight per order.
    Column("active_order_id", String(64), unique=True),
    Column("previous", JSON),
    Column("resources", JSON),
    Column("code", String(32)),
    Column("reason", String(500)),
    Column("attempts", Integer, nullable=False, default=0),
    Column("last_error", String(500)),
    Column("version", Integer, nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
    Column("finished_at", UtcDateTime()),
)

exception_reports = Table(
    "exception_reports",
    metadata,
    Column("report_id", String(64), primary_key=True),
    Column("order_id", String(64), nullable=False, index=True),
    Column("technician_id", String(64), nullable=False),
    Column("technician_phone", String(20), nullable=False),
    Column("type", String(32), nullable=False),
    Column("description", Text, nullable=False),
    Column("photos", JSON, nullable=False),
    Column("responsible", JSON, nullable=False),
    Column("state", String(16), nullable=False, index=True),
    Column("reported_at", UtcDateTime(), nullable=False),
    Column("resolved_at", UtcDateTime()),
    Column("resolved_by", String(200)),
    Column("resolution", Text),
)

exception_directory = Table(  # who must act on which exception type in which district
    "exception_directory",
    metadata,
    Column("exception_type", String(32), primary_key=True),
    Column("district", String(32), primary_key=True),
    Column("role", String(32), nullable=False),
    Column("name", String(200), nullable=False),
    Column("phone", String(20), nullable=False),
    Column("updated_by", String(100), nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
)

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
