"""Ports: what the hub needs from the outside, as Protocols.

* `hub.ports.systems` — the external systems (SMS platform, work-order system, inventory,
  billing, mail); adapters implement them, and map their libraries' errors to
  `TransientAdapterError` / `PermanentAdapterError` (see `hub.errors`).
* `hub.ports.storage` — the unit of work and its repositories; `hub.db` implements them,
  `tests/fakes` in memory.
* `hub.ports.records` — the records those repositories hand back.
* `hub.ports.counts` — the hub's records counted for operators (`/ops/counts.json`); `hub.db`
  implements it.

Only `hub/bootstrap.py` chooses the implementations.
"""

from hub.ports.records import (
    FIRST_PAGE,
    AuditEntry,
    EffectRecord,
    EffectState,
    Page,
    ReportRecord,
    ResultRecord,
    ScreenshotRecord,
    SignatureRecord,
    Timer,
    TimerStatus,
)
from hub.ports.storage import (
    Appointments,
    CallChecks,
    Clock,
    EffectRecords,
    ExceptionDirectory,
    ExceptionReports,
    FlowLog,
    Grouping,
    Inbox,
    Measurements,
    Outbox,
    Reports,
    ResourceChanges,
    Screenshots,
    SigningStore,
    SmsQuota,
    SmsRecords,
    Timers,
    UnitOfWork,
    UnitOfWorkFactory,
    VisitLinks,
    WorkOrders,
)
from hub.ports.systems import Billing, Mailer, ResourceInventory, SmsSender, WorkOrderSystem

__all__ = [
    "FIRST_PAGE",
    "Appointments",
    "AuditEntry",
    "Billing",
    "CallChecks",
    "Clock",
    "EffectRecord",
    "EffectRecords",
    "EffectState",
    "ExceptionDirectory",
    "ExceptionReports",
    "FlowLog",
    "Grouping",
    "Inbox",
    "Mailer",
    "Measurements",
    "Outbox",
    "Page",
    "ReportRecord",
    "Reports",
    "ResourceChanges",
    "ResourceInventory",
    "ResultRecord",
    "ScreenshotRecord",
    "Screenshots",
    "SignatureRecord",
    "SigningStore",
    "SmsQuota",
    "SmsRecords",
    "SmsSender",
    "Timer",
    "TimerStatus",
    "Timers",
    "UnitOfWork",
    "UnitOfWorkFactory",
    "VisitLinks",
    "WorkOrderSystem",
    "WorkOrders",
]
