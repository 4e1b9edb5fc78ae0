"""The unit of work: one transaction, the repositories that use it, and the outbox."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AsyncExitStack
from datetime import UTC, datetime
from types import TracebackType

from sqlalchemy.ext.asyncio import AsyncConnection

from hub.db.engine import Database
from hub.db.exception_reports import ExceptionReportRepository
from hub.db.measurements import ResultsRepository, ScreenshotRepository
from hub.db.reports import ReportRepository
from hub.db.resource_changes import ResourceChangeRepository
from hub.db.side_effects import BillingRepository, EmailRepository
from hub.db.signing import SigningRepository
from hub.db.sms import SmsRepository
from hub.db.work_orders import FlowLogRepository, WorkOrderRepository
from hub.messaging.inbox import Inbox
from hub.messaging.outbox import OutboxWriter
from hub.messaging.timers import TimerRepository
from hub.messaging.topology import Topology

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


class UnitOfWork:
    """`async with uow:` opens a write transaction; it rolls back unless `commit()` was called."""

    orders: WorkOrderRepository
    flow_log: FlowLogRepository
    outbox: OutboxWriter
    inbox: Inbox
    timers: TimerRepository
    sms: SmsRepository
    changes: ResourceChangeRepository
    exceptions: ExceptionReportRepository
    results: ResultsRepository
    screenshots: ScreenshotRepository
    reports: ReportRepository
    emails: EmailRepository
    billing: BillingRepository
    signing: SigningRepository

    def __init__(
        self,
        db: Database,
        topology: Topology,
        *,
        clock: Clock = utc_now,
        on_outbox_commit: Callable[[], None] | None = None,
    ) -> None:
        self._db = db
        self._topology = topology
        self._clock = clock
        self._on_outbox_commit = on_outbox_commit
        self._conn: AsyncConnection | None = None
        self._stack = AsyncExitStack()
        self._committed = False
        self.now = clock()

    async def __aenter__(self) -> UnitOfWork:
        self._stack = AsyncExitStack()
        self._conn = await self._stack.enter_async_context(self._db.write())
        self.now = self._clock()
        conn = self._conn
        self.orders = WorkOrderRepository(conn)
        self.flow_log = FlowLogRepository(conn)
        self.outbox = OutboxWriter(conn, self._topology, now=self.now)
        self.inbox = Inbox(conn, self._db, now=self.now)
        self.timers = TimerRepository(conn, self._db, now=self.now)
        self.sms = SmsRepository(conn, now=self.now)
        self.changes = ResourceChangeRepository(conn)
        self.exceptions = ExceptionReportRepository(conn)
        self.results = ResultsRepository(conn, now=self.now)
        self.screenshots = ScreenshotRepository(conn, self._db, now=self.now)
        self.reports = ReportRepository(conn, self._db)
        self.emails = EmailRepository(conn, now=self.now)
        self.billing = BillingRepository(conn, now=self.now)
        self.signing = SigningRepository(conn, self._db, now=self.now)
        return self

    async def commit(self) -> None:
        assert self._conn is not None, "commit() outside `async with`"
        await self.outbox.flush()
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


class UnitOfWorkFactory:
    """Makes units of work bound to one database, topology and clock."""

    def __init__(self, db: Database, topology: Topology, *, clock: Clock = utc_now) -> None:
        self.db = db
        self.topology = topology
        self.clock = clock
        self.on_outbox_commit: Callable[[], None] | None = None

    def __call__(self) -> UnitOfWork:
        return UnitOfWork(
            self.db, self.topology, clock=self.clock, on_outbox_commit=self.on_outbox_commit
        )
