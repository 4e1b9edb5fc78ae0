"""The in-memory tables behind the fake unit of work, one dict (or list) per table.

Rows are immutable (frozen dataclasses, pydantic models never mutated), so a transaction's
working copy is a shallow copy of every table, and a commit swaps the copies in: a reader
holding the old dicts keeps a consistent snapshot, a rollback just drops the copies.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import datetime
from typing import Any, NamedTuple, TypeVar

from pydantic import BaseModel

from hub.domain.appointment import AppointmentChange, Visit
from hub.domain.call_review import CheckedCall
from hub.domain.exception_directory import DirectoryEntry
from hub.domain.exception_report import ExceptionReport
from hub.domain.resource_change import ResourceChange
from hub.domain.signing import SigningLink
from hub.domain.visit_link import VisitLink
from hub.domain.work_order import WorkOrder
from hub.ports import (
    AuditEntry,
    EffectState,
    ReportRecord,
    ResultRecord,
    ScreenshotRecord,
    SignatureRecord,
    Timer,
)
from schemas.v1 import FlowLogEntry

M = TypeVar("M", bound=BaseModel)


class OutboxMessage(NamedTuple):
    """One message the hub published: the model, its correlation id and its message id."""

    message: BaseModel
    correlation_id: str | None
    message_id: str


@dataclass(frozen=True, slots=True)
class SmsRow:
    """An outgoing SMS as `hub.db.sms` stores it (text blanked once sent or failed)."""

    sms_id: str
    order_id: str | None
    purpose: str
    to_masked: str
    body: str
    provider: str
    state: str  # sending | sent | failed
    attempts: int
    lease_until: datetime | None
    created_at: datetime
    provider_message_id: str | None = None
    delivery_status: str | None = None
    delivery_rank: int = 0
    error_code: str | None = None


@dataclass(frozen=True, slots=True)
class EffectRow:
    """An e-mail or a billing start as `hub.db.side_effects` stores it."""

    key: str
    state: EffectState
    attempts: int
    lease_until: datetime | None
    created_at: datetime
    result: str | None = None
    error_code: str | None = None
    values: dict[str, Any] = field(default_factory=dict)  # replaced, never mutated


@dataclass(frozen=True, slots=True)
class ScreenshotRow:
    record: ScreenshotRecord
    technician_id: str
    uploaded_at: datetime


@dataclass(frozen=True, slots=True)
class SessionRow:
    link_id: str
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class SignatureRow:
    """The order's signature, or a claim on it (`claim_id`, `claimed_until`)."""

    record: SignatureRecord
    claim_id: str | None
    claimed_until: datetime | None


@dataclass(frozen=True, slots=True)
class AuditRow:
    order_id: str
    entry: AuditEntry


@dataclass
class FakeStore:
    """Every table of the hub's schema the ports reach, in memory."""

    orders: dict[str, WorkOrder] = field(default_factory=dict)
    flow_log: dict[tuple[str, int], FlowLogEntry] = field(default_factory=dict)
    outbox: list[OutboxMessage] = field(default_factory=list)
    inbox: dict[tuple[str, str], datetime] = field(default_factory=dict)
    timers: dict[str, Timer] = field(default_factory=dict)
    sms: dict[str, SmsRow] = field(default_factory=dict)
    emails: dict[str, EffectRow] = field(default_factory=dict)
    billing: dict[str, EffectRow] = field(default_factory=dict)
    changes: dict[str, ResourceChange] = field(default_factory=dict)
    exceptions: dict[str, ExceptionReport] = field(default_factory=dict)
    directory: dict[tuple[str, str], DirectoryEntry] = field(default_factory=dict)
    sms_quota: dict[tuple[str, str], int] = field(default_factory=dict)
    results: dict[tuple[str, str], ResultRecord] = field(default_factory=dict)
    screenshots: dict[tuple[str, str], ScreenshotRow] = field(default_factory=dict)
    reports: dict[tuple[str, int], ReportRecord] = field(default_factory=dict)
    links: dict[str, SigningLink] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)  # token digest → link id
    sessions: dict[str, SessionRow] = field(default_factory=dict)
    signatures: dict[str, SignatureRow] = field(default_factory=dict)
    audit: list[AuditRow] = field(default_factory=list)
    appointment_history: dict[tuple[str, int], AppointmentChange] = field(default_factory=dict)
    visits: dict[tuple[str, int], Visit] = field(default_factory=dict)
    calls: dict[str, CheckedCall] = field(default_factory=dict)
    visit_links: dict[str, tuple[VisitLink, str]] = field(default_factory=dict)  # id → link, digest

    def copy(self) -> FakeStore:
        """A working copy for one transaction (tables copied, rows shared: they are immutable)."""
        return FakeStore(**{f.name: _copied(getattr(self, f.name)) for f in fields(self)})

    def snapshot(self) -> FakeStore:
        """A read view: the current tables themselves (a commit replaces, never mutates, them)."""
        return FakeStore(**{f.name: getattr(self, f.name) for f in fields(self)})

    def take(self, working: FakeStore) -> None:
        """Commit: `working`'s tables become the store's."""
        for f in fields(self):
            setattr(self, f.name, getattr(working, f.name))

    # --- what tests ask ---------------------------------------------------------------------
    def published(self, kind: type[M]) -> list[M]:
        """The committed outbox messages of one type, oldest first."""
        return [m.message for m in self.outbox if isinstance(m.message, kind)]

    def published_types(self) -> list[str]:
        return [type(m.message).__name__ for m in self.outbox]


def _copied(table: Any) -> Any:
    if isinstance(table, dict):
        return dict(table)
    if isinstance(table, list):
        return list(table)
    raise TypeError(f"unknown table type {type(table).__name__}")  # pragma: no cover
