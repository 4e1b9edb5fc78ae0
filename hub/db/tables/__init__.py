"""The hub's table definitions (SQLAlchemy Core), one module per area; migrations mirror them.

Every table belongs to the one `metadata` (`schema.py`); importing this package defines them all,
so `from hub.db.tables import metadata` sees the whole schema and `from hub.db.tables import X`
works for every table. The embedded stand-ins' tables are not here: each stand-in keeps its own
(`adapters/*/tables.py`, `adapters/standin_storage.py`), so the hub's schema holds only the hub's
tables.
"""

from __future__ import annotations

from hub.db.tables.appointments import (
    appointment_history,
    appointment_visits,
    call_checks,
    visit_links,
)
from hub.db.tables.close_out import billing_starts, email_messages
from hub.db.tables.delivery import reports, screenshots, test_results
from hub.db.tables.messaging import inbox, outbox, timers
from hub.db.tables.on_site import exception_directory, exception_reports, resource_changes
from hub.db.tables.orders import flow_log, work_orders
from hub.db.tables.schema import metadata
from hub.db.tables.signing import (
    signatures,
    signing_audit,
    signing_links,
    signing_sessions,
    signing_tokens,
)
from hub.db.tables.sms import sms_messages, sms_quota
from hub.db.tables.users import api_users

__all__ = [
    "api_users",
    "appointment_history",
    "appointment_visits",
    "billing_starts",
    "call_checks",
    "email_messages",
    "exception_directory",
    "exception_reports",
    "flow_log",
    "inbox",
    "metadata",
    "outbox",
    "reports",
    "resource_changes",
    "screenshots",
    "signatures",
    "signing_audit",
    "signing_links",
    "signing_sessions",
    "signing_tokens",
    "sms_messages",
    "sms_quota",
    "test_results",
    "timers",
    "visit_links",
    "work_orders",
]
