"""The unit of work on SQLAlchemy (`hub.ports.UnitOfWork`): one transaction, its repositories
and the outbox; reads get the same repositories on a connection without the writer lock."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from datetime import UTC, datetime
from types import TracebackType

from pydantic import BaseModel
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from hub.db.appointments import AppointmentRepository
from hub.db.call_checks import CallCheckRepository
from hub.db.engine import Database
from hub.db.errors import is_unique_violation
from hub.db.exception_reports import ExceptionDirectoryRepository, ExceptionReportRepository
from hub.db.inbox import Inbox
from hub.db.measurements import ResultsRepository, ScreenshotRepository
from hub.db.outbox import OutboxWriter
from hub.db.reports import ReportRepository
from hub.db.resource_changes import ResourceChangeRepository
from hub.db.side_effects import BillingRepository, EmailRepository
from hub.db.signing import SigningRepository
from hub.db.sms import SmsRepository
from hub.db.sms_quota import SmsQuotaPolicy, SmsQuotaRepository
from hub.db.timers import TimerRepository
from hub.db.visit_links import VisitLinkRepository
from hub.db.work_orders import FlowLogRepository, WorkOrderRepository
from hub.domain.appointment import AppointmentPolicy
from hub.errors import ConcurrencyConflict
from hub.ports.storage import Clock


def utc_now() -> datetime:
    return datetime.now(UTC)


class UnitOfWork:
    """`async with uow:` opens a write transaction; it rolls back unless `commit()` was called.

    A unique key taken by a concurrent writer leaves the block as `ConcurrencyConflict`.
    """

    orders: WorkOrderRepository
    appointments: AppointmentRepository
    calls: CallCheckRepository
    visit_links: VisitLinkRepository
    flow_log: FlowLogRepository
    outbox: OutboxWriter | _ReadOnlyOutbox
    inbox: Inbox
    timers: TimerRepository
    sms: SmsRepository
    sms_quota: SmsQuotaRepository
    changes: ResourceChangeRepository
    exceptions: ExceptionReportRepository
    directory: ExceptionDirectoryRepository
    results: ResultsRepository
    screenshots: ScreenshotRepository
    reports: ReportRepository
    emails: EmailRepository
    billing: BillingRepository
    signing: SigningRepository

    def __init__(
        self,
        db: Database,
        *,
        exchange: str,
        clock: Clock = utc_now,
        on_outbox_commit: Callable[[], None] | None = None,
        sms_policy: SmsQuotaPolicy | None = None,
        appointment_policy: AppointmentPolicy | None = None,
    ) -> None:
        self._db = db
        self.appointment_policy = appointment_policy or AppointmentPolicy()
        self._exchange = exchange
        self._sms_policy = sms_policy or SmsQuotaPolicy()
        self._clock = clock
        self._on_outbox_commit = on_outbox_commit
        self._conn: AsyncConnection | None = None
        self._stack = AsyncExitStack()
        self._committed = False
        self.now = clock()

    async def __aenter__(self) -> UnitOfWork:
        self._stack = AsyncExitStack()
        self._conn = await self._stack.enter_async_context(self._db.write())
        self._bind(self._conn)
        return self

    def _bind(self, conn: AsyncConnection) -> None:
        self.now = self._clock()
        db, now = self._db, self.now
        self.orders = WorkOrderRepository(conn)
        self.appointments = AppointmentRepository(conn)
        self.calls = CallCheckRepository(conn)
        self.visit_links = VisitLinkRepository(conn, now=now)
        self.flow_log = FlowLogRepository(conn, zone=self.appointment_policy.zone)
        self.outbox = OutboxWriter(conn, exchange=self._exchange, now=now)
        self.inbox = Inbox(conn, now=now)
        self.timers = TimerRepository(conn, db, now=now)
        self.sms = SmsRepository(conn, now=now)
        self.sms_quota = SmsQuotaRepository(conn, self._sms_policy, now=now)
        self.changes = ResourceChangeRepository(conn)
        self.exceptions = ExceptionReportRepository(conn)
        self.directory = ExceptionDirectoryRepository(conn)
        self.results = ResultsRepository(conn, now=now)
        self.screenshots = ScreenshotRepository(conn, db, now=now)
        self.reports = ReportRepository(conn, db)
        self.emails = EmailRepository(conn, now=now)
        self.billing = BillingRepository(conn, now=now)
        self.signing = SigningRepository(conn, db, now=now)

    async def commit(self) -> None:
        assert self._conn is not None, "commit() outside `async with`"
        await self.flow_log.flush()
        await self.appointments.flush()
        await self.timers.flush()
        await self.outbox.flush()
        await self.sms_quota.flush()  # last: it locks the SMS-limit rows until the commit
        await self._conn.commit()
        self._committed = True

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            if self._conn is not None and not self._committed:
                await self._conn.rollback()
        finally:
            self._conn = None
            await self._stack.aclose()
        if self._committed and self.outbox.added and self._on_outbox_commit is not None:
            self._on_outbox_commit()
        if isinstance(exc, IntegrityError) and is_unique_violation(exc):
            raise ConcurrencyConflict(f"a concurrent writer took the same key: {exc.orig}") from exc


class _ReadOnlyOutbox:
    """The outbox of a read: nothing may be published from a read."""

    added = 0

    async def add(
        self,
        message: BaseModel,
        *,
        correlation_id: str | None = None,
        message_id: str | None = None,
    ) -> str:
        raise RuntimeError("a read-only unit of work cannot publish messages")

    async def flush(self) -> None:
        """Nothing to write: a read adds no messages."""


class ReadOnlyUnitOfWork(UnitOfWork):
    """The repositories on a plain connection (no writer lock, no BEGIN IMMEDIATE)."""

    async def __aenter__(self) -> ReadOnlyUnitOfWork:
        self._stack = AsyncExitStack()
        self._conn = await self._stack.enter_async_context(self._db.read())
        self._bind(self._conn)
        self.outbox = _ReadOnlyOutbox()
        return self

    async def commit(self) -> None:
        raise RuntimeError("a read-only unit of work cannot commit")


class UnitOfWorkFactory:
    """Makes units of work bound to one database, bus exchange, clock and SMS limits."""

    def __init__(
        self,
        db: Database,
        *,
        exchange: str,
        clock: Clock = utc_now,
        sms_policy: SmsQuotaPolicy | None = None,
        appointment_policy: AppointmentPolicy | None = None,
    ) -> None:
        self.db = db
        self.exchange = exchange
        self.clock = clock
        self.sms_policy = sms_policy or SmsQuotaPolicy()
        self.appointment_policy = appointment_policy or AppointmentPolicy()
        self.on_outbox_commit: Callable[[], None] | None = None

    def __call__(self) -> UnitOfWork:
        return UnitOfWork(
            self.db,
            exchange=self.exchange,
            clock=self.clock,
            on_outbox_commit=self.on_outbox_commit,
            sms_policy=self.sms_policy,
            appointment_policy=self.appointment_policy,
        )

    @asynccontextmanager
    async def read(self) -> AsyncIterator[UnitOfWork]:
        read = ReadOnlyUnitOfWork(
            self.db,
            exchange=self.exchange,
            clock=self.clock,
            sms_policy=self.sms_policy,
            appointment_policy=self.appointment_policy,
        )
        async with read as uow:
            yield uow
