"""The unit of work and the repositories it carries, as Protocols.

Handlers and query services see only these; `hub.db` implements them on SQLAlchemy (SQLite or
PostgreSQL) and `tests/fakes` in memory. A unit of work is one transaction: `async with uow:`
rolls back unless `commit()` was called; the outbox rows it collected are written in the same
transaction. Implementations map their foreign errors: a lost optimistic lock or a concurrent
insert of the same key is `ConcurrencyConflict`, never a driver exception.
"""

from __future__ import annotations

import builtins
from collections.abc import Callable, Collection, Sequence
from contextlib import AbstractAsyncContextManager
from datetime import datetime, timedelta
from types import TracebackType
from typing import Any, Literal, Protocol, Self

from pydantic import BaseModel

from hub.domain.appointment import (
    AppointmentChange,
    AppointmentPolicy,
    PunctualityFigure,
    Visit,
)
from hub.domain.call_review import Agreement, CheckedCall, ReviewState
from hub.domain.exception_directory import DirectoryEntry
from hub.domain.exception_report import ExceptionReport, ReportState
from hub.domain.notifications import Limit
from hub.domain.resource_change import ResourceChange
from hub.domain.signing import Channel, SigningLink
from hub.domain.visit_link import VisitLink
from hub.domain.work_order import Status, WorkOrder
from hub.ports.records import (
    FIRST_PAGE,
    AuditEntry,
    EffectRecord,
    Page,
    ReportRecord,
    ResultRecord,
    ScreenshotRecord,
    SignatureRecord,
    Timer,
    TimerStatus,
)
from schemas.v1 import (
    FlowLogEntry,
    PingResultRecorded,
    SpeedTestRecorded,
    WorkOrderEvent,
)

Clock = Callable[[], datetime]
Grouping = Literal["technician", "team"]


class WorkOrders(Protocol):
    """Work orders with optimistic locking: a save whose version moved is a conflict."""

    async def find(self, order_id: str) -> WorkOrder | None: ...
    async def preload(self, order_ids: Collection[str]) -> None:
        """Read these orders ahead of the handlers of a group that will `find` them."""
        ...

    async def get(self, order_id: str) -> WorkOrder:
        """The order, or `NotFound`."""
        ...

    async def add(self, order: WorkOrder, *, now: datetime) -> None: ...
    async def save(self, order: WorkOrder, *, expected_version: int, now: datetime) -> None:
        """Store `order` if the stored one is still at `expected_version`, else conflict."""
        ...

    async def list_for_technician(
        self, technician_id: str, *, statuses: Collection[Status], page: Page = FIRST_PAGE
    ) -> list[WorkOrder]:
        """Orders dispatched to a technician in the given statuses, by appointment start."""
        ...

    async def needing_attention(self, *, page: Page = FIRST_PAGE) -> list[WorkOrder]:
        """Open orders not accepted in time, moved too often, or with a customer's request."""
        ...

    async def count_by_status(self) -> dict[str, int]: ...


class Appointments(Protocol):
    """Each order's appointment history and the visits that fell due (履约)."""

    async def record(self, change: AppointmentChange) -> None:
        """Append a history line; the same (order, version) twice is a conflict (raised here,
        or by the commit where lines are written together at commit)."""
        ...

    async def history(self, order_id: str) -> list[AppointmentChange]:
        """The order's lines, oldest first."""
        ...

    async def record_visit(self, visit: Visit) -> None:
        """Store how a window was kept, replacing what was stored for that window (a window
        found missed may be kept late later)."""
        ...

    async def punctuality(self, *, month: str, by: Grouping) -> list[PunctualityFigure]:
        """履约率 per technician or team in a month (`2026-12`), by key."""
        ...


class CallChecks(Protocol):
    """Checked booking calls and their spot-check reviews (抽查)."""

    async def find(self, call_id: str) -> CheckedCall | None: ...
    async def add(self, call: CheckedCall) -> None:
        """Store a checked call; the same call id twice is a conflict."""
        ...

    async def save_review(self, call: CheckedCall) -> None:
        """Store the call's review (state and verdict)."""
        ...

    async def list(
        self, *, state: ReviewState | None = None, page: Page = FIRST_PAGE
    ) -> builtins.list[CheckedCall]:
        """Calls in `state` (any if None), oldest call first."""
        ...

    async def agreement(self) -> Agreement:
        """The checker against the reviewers, over every reviewed call."""
        ...


class VisitLinks(Protocol):
    """The customers' visit links (only token digests are stored)."""

    async def add(self, link: VisitLink, *, token_sha256: str) -> None:
        """Store a link; a second link for the same (order, window version) is a conflict."""
        ...

    async def by_token(self, token_sha256: str) -> VisitLink | None: ...
    async def for_order(self, order_id: str) -> builtins.list[VisitLink]: ...
    async def revoke(self, link_ids: builtins.list[str]) -> None: ...


class FlowLog(Protocol):
    """Each order's flow log (流水): one numbered line per event."""

    async def append(self, event: WorkOrderEvent) -> FlowLogEntry: ...
    async def list(self, order_id: str) -> list[FlowLogEntry]: ...


class Outbox(Protocol):
    """Messages to publish once the transaction commits."""

    @property
    def added(self) -> int:
        """How many messages were added."""
        ...

    async def add(
        self,
        message: BaseModel,
        *,
        correlation_id: str | None = None,
        message_id: str | None = None,
    ) -> str:
        """Queue `message`; its id (given, or new) becomes the AMQP `message_id`."""
        ...


class Inbox(Protocol):
    """Message ids already processed, per consumer."""

    async def claim(self, consumer: str, message_id: str) -> bool:
        """True the first time `consumer` sees `message_id` (done first in a transaction)."""
        ...

    async def claim_many(self, keys: Sequence[tuple[str, str]]) -> builtins.list[bool]:
        """`claim` for each (consumer, message id) at once, in the order given (a group of
        deliveries in one transaction); a key given twice is claimed by its first place only."""
        ...


class Timers(Protocol):
    """Durable timers: messages that fire through the outbox when due."""

    async def schedule(
        self, *, kind: str, due_at: datetime, message: BaseModel, order_id: str | None = None
    ) -> str: ...
    async def cancel_pending(self, *kinds: str, order_id: str) -> int:
        """Cancel the order's pending timers of these kinds; how many were pending."""

    async def has_pending(self, *, kind: str, order_id: str) -> bool:
        """Whether a timer of `kind` waits for the order."""
        ...

    async def list(self, *, status: TimerStatus | None = None, limit: int = 100) -> list[Timer]: ...
    async def get(self, timer_id: str) -> Timer: ...
    async def move(self, timer_id: str, due_at: datetime) -> Timer: ...
    async def cancel(self, timer_id: str) -> Timer: ...
    async def claim_due(self, limit: int) -> builtins.list[Timer]:
        """Pending timers due by now, marked fired (no other scheduler gets them)."""
        ...


class EffectRecords(Protocol):
    """Attempts at one kind of external side effect, keyed by its business key.

    An attempt takes a lease; its result or failure is written afterwards; a row left pending
    by a crash is reconciled (looked up at the provider) before it is tried again.
    """

    async def find(self, key: str) -> EffectRecord | None: ...
    async def start_attempt(
        self, key: str, *, seen: EffectRecord | None, lease: timedelta, **values: Any
    ) -> None:
        """Count an attempt and take the lease.

        `seen` is what `find` answered in this transaction: None makes this the first attempt
        (a concurrent first insert is a conflict); a record is taken only while its lease is
        free (another attempt that took it meanwhile is a conflict).
        """
        ...

    async def mark_done(self, key: str, result: str, **values: Any) -> None: ...
    async def release_lease(self, key: str) -> None: ...
    async def mark_failed(self, key: str, error_code: str) -> None: ...


class SmsRecords(EffectRecords, Protocol):
    """Outgoing SMS (key: the `sms_id`); `start_attempt` takes `command=` and `provider=`."""

    async def record_delivery_status(
        self, provider_message_id: str, status: str, *, sms_id: str | None = None
    ) -> bool:
        """Store a provider's delivery status monotonically; True if it changed anything."""
        ...


class SmsQuota(Protocol):
    """Today's SMS counts against the limits (per order, per number, for the hub)."""

    async def take(self, *, order_id: str | None, phone: str) -> Limit | None:
        """Count one SMS; the limit it would exceed instead (then nothing is counted)."""
        ...


class ResourceChanges(Protocol):
    """Fiber swaps and box changes (sagas); at most one in flight per order."""

    async def find(self, change_id: str) -> ResourceChange | None: ...
    async def get(self, change_id: str) -> ResourceChange: ...
    async def active_for(self, order_id: str) -> ResourceChange | None: ...
    async def add(self, change: ResourceChange) -> None:
        """Record a new change; another change of the order in flight is a conflict."""
        ...

    async def save(self, change: ResourceChange, *, expected_version: int) -> None: ...
    async def list_for_order(self, order_id: str) -> list[ResourceChange]: ...
    async def count_by_kind_and_state(self, *, since: datetime | None = None) -> dict[str, int]: ...


class ExceptionReports(Protocol):
    """Exception reports (异常上报) and their resolution."""

    async def find(self, report_id: str) -> ExceptionReport | None: ...
    async def get(self, report_id: str) -> ExceptionReport: ...
    async def add(self, report: ExceptionReport) -> None: ...
    async def save_resolution(self, report: ExceptionReport) -> None: ...
    async def list(
        self,
        *,
        state: ReportState | None = None,
        order_id: str | None = None,
        page: Page = FIRST_PAGE,
    ) -> list[ExceptionReport]: ...


class ExceptionDirectory(Protocol):
    """Who is responsible for which exception type in which district."""

    async def entries(self) -> builtins.list[DirectoryEntry]: ...
    async def put(self, entry: DirectoryEntry) -> None:
        """Add or replace the entry for its (type, district)."""
        ...

    async def remove(self, exception_type: str, district: str) -> bool: ...


class Measurements(Protocol):
    """Ping and speed test results by (order, test id)."""

    async def add(self, event: PingResultRecorded | SpeedTestRecorded, *, note: str) -> None: ...
    async def find(self, order_id: str, test_id: str) -> ResultRecord | None: ...
    async def list(self, order_id: str) -> list[ResultRecord]: ...


class Screenshots(Protocol):
    """Uploaded test pictures of an order (the bytes live in the content store)."""

    async def add(self, record: ScreenshotRecord, *, technician_id: str) -> None: ...
    async def list(self, order_id: str) -> list[ScreenshotRecord]: ...


class Reports(Protocol):
    """Rendered report versions; versions count up from 1 and are never rewritten."""

    async def latest(self, order_id: str) -> ReportRecord | None: ...
    async def find(self, order_id: str, version: int) -> ReportRecord | None: ...
    async def latest_version(self, order_id: str) -> int | None: ...
    async def add(self, record: ReportRecord) -> bool:
        """Store a new version; False if another writer took that version number."""
        ...


class SigningStore(Protocol):
    """Signing links (only token digests), codes, sessions, the signature and its audit."""

    async def link_by_token(self, token_sha256: str) -> SigningLink | None: ...
    async def link(self, link_id: str, *, for_update: bool = False) -> SigningLink | None: ...
    async def links_for(self, order_id: str, *, channel: Channel) -> list[SigningLink]: ...
    async def add_link(self, link: SigningLink, *, token_sha256: str) -> None:
        """Store a link; the same (order, version, channel, issue no) twice is a conflict."""
        ...

    async def add_token(self, link_id: str, token_sha256: str) -> None: ...
    async def revoke(self, link_ids: builtins.list[str]) -> None: ...
    async def save_code(self, link: SigningLink) -> None: ...
    async def claim_code_try(self, link_id: str) -> bool:
        """Count one code try atomically; False once the tries are used up."""
        ...

    async def code_verified(self, link_id: str) -> None: ...
    async def set_reminders_sent(self, link_id: str, count: int) -> None: ...
    async def mark_signed(self, link: SigningLink, *, expires_at: datetime) -> None: ...
    async def add_session(
        self, session_sha256: str, link_id: str, *, expires_at: datetime
    ) -> None: ...
    async def session_valid(self, session_sha256: str, link_id: str) -> bool: ...
    async def claim_signature(
        self, record: SignatureRecord, *, claim_id: str, until: datetime | None
    ) -> str:
        """`claimed`, `busy` (another claim holds it) or `signed` (already signed).

        A claim `until` None never expires: its render is a durable outbox command."""
        ...

    async def release_signature(self, order_id: str, claim_id: str) -> None: ...
    async def finish_signature(
        self,
        order_id: str,
        claim_id: str,
        *,
        signed_sha256: str,
        signed_path: str,
        signed_at: datetime | None = None,
    ) -> bool:
        """Turn the claim into the signature (signed at `signed_at`, default now)."""
        ...

    async def signature(self, order_id: str) -> SignatureRecord | None: ...
    async def signature_by_hash(self, signed_sha256: str) -> SignatureRecord | None: ...
    async def audit(self, order_id: str, entry: AuditEntry) -> None: ...
    async def audit_lines(self, lines: Sequence[tuple[str, AuditEntry]]) -> None:
        """Several audit lines (order id, entry) in one statement."""
        ...

    async def audit_trail(self, order_id: str) -> list[AuditEntry]: ...


class UnitOfWork(Protocol):
    """One transaction and the repositories bound to it; rolls back unless committed."""

    @property
    def now(self) -> datetime: ...
    @property
    def appointment_policy(self) -> AppointmentPolicy:
        """The booking rules, and the zone people read times in (flow log, SMS)."""
        ...

    @property
    def orders(self) -> WorkOrders: ...
    @property
    def appointments(self) -> Appointments: ...
    @property
    def calls(self) -> CallChecks: ...
    @property
    def visit_links(self) -> VisitLinks: ...
    @property
    def flow_log(self) -> FlowLog: ...
    @property
    def outbox(self) -> Outbox: ...
    @property
    def inbox(self) -> Inbox: ...
    @property
    def timers(self) -> Timers: ...
    @property
    def sms(self) -> SmsRecords: ...
    @property
    def sms_quota(self) -> SmsQuota: ...
    @property
    def changes(self) -> ResourceChanges: ...
    @property
    def exceptions(self) -> ExceptionReports: ...
    @property
    def directory(self) -> ExceptionDirectory: ...
    @property
    def results(self) -> Measurements: ...
    @property
    def screenshots(self) -> Screenshots: ...
    @property
    def reports(self) -> Reports: ...
    @property
    def emails(self) -> EffectRecords: ...
    @property
    def billing(self) -> EffectRecords: ...
    @property
    def signing(self) -> SigningStore: ...

    async def commit(self) -> None: ...
    async def __aenter__(self) -> Self: ...
    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...


class UnitOfWorkFactory(Protocol):
    """Makes units of work: `uow()` to write, `uow.read()` to read without the writer lock."""

    @property
    def clock(self) -> Clock: ...

    def __call__(self) -> UnitOfWork: ...
    def read(self) -> AbstractAsyncContextManager[UnitOfWork]:
        """A read-only unit (its outbox refuses messages; it never commits)."""
        ...
