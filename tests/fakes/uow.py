"""The fake unit of work: one transaction over the in-memory `FakeStore`.

Like `hub.db.uow` on SQLite: one writer at a time (an asyncio lock, as `Database.write_lock`),
reads never wait and see the last commit, and a block left without `commit()` leaves nothing
behind, whatever it wrote. A write unit opened inside another in the same task would wait for
itself on SQLite; here it fails at once. Faults: `crash_on_commit(after=n)` (the process dies
at the commit after the next n: `SimulatedCrash`), `conflict_next_commits` (another writer
committed first: `ConcurrencyConflict`, as a lost optimistic lock).
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from types import TracebackType
from typing import Self

from hub.domain.appointment import AppointmentPolicy
from hub.domain.notifications import SmsLimits
from hub.errors import ConcurrencyConflict
from hub.ports import Clock
from tests.fakes.appointments import FakeAppointments
from tests.fakes.call_checks import FakeCallChecks
from tests.fakes.clock import FakeClock
from tests.fakes.delivery import FakeMeasurements, FakeReportVersions, FakeScreenshots
from tests.fakes.effects import FakeEffectRecords, FakeSmsQuota, FakeSmsRecords
from tests.fakes.messaging import FakeInbox, FakeOutbox, FakeTimers, ReadOnlyOutbox
from tests.fakes.orders import (
    FakeExceptionDirectory,
    FakeExceptionReports,
    FakeFlowLog,
    FakeResourceChanges,
    FakeWorkOrders,
)
from tests.fakes.signing import FakeSigningStore
from tests.fakes.store import FakeStore
from tests.fakes.visit_links import FakeVisitLinks

WRITER_WAIT_S = 5.0  # SQLite's busy timeout in `hub.db.engine`


class SimulatedCrash(Exception):
    """Injected: the process died at this point; nothing after it ran."""


class FakeUnitOfWork:
    """`hub.ports.UnitOfWork` in memory; `committed`/`commits` record what it committed."""

    orders: FakeWorkOrders
    appointments: FakeAppointments
    calls: FakeCallChecks
    visit_links: FakeVisitLinks
    flow_log: FakeFlowLog
    outbox: FakeOutbox | ReadOnlyOutbox
    inbox: FakeInbox
    timers: FakeTimers
    sms: FakeSmsRecords
    sms_quota: FakeSmsQuota
    changes: FakeResourceChanges
    exceptions: FakeExceptionReports
    directory: FakeExceptionDirectory
    results: FakeMeasurements
    screenshots: FakeScreenshots
    reports: FakeReportVersions
    emails: FakeEffectRecords
    billing: FakeEffectRecords
    signing: FakeSigningStore

    def __init__(self, factory: FakeUnitOfWorkFactory, *, read_only: bool = False) -> None:
        self._factory = factory
        self._read_only = read_only
        self._working: FakeStore | None = None
        self.now: datetime = factory.clock()
        self.appointment_policy = factory.appointment_policy
        self.committed = False
        self.commits = 0

    async def __aenter__(self) -> Self:
        if not self._read_only:
            await self._factory.acquire_writer()
        self.now = self._factory.clock()
        self._begin()
        return self

    async def commit(self) -> None:
        if self._read_only:
            raise RuntimeError("a read-only unit of work cannot commit")
        assert self._working is not None, "commit() outside `async with`"
        self._factory.inject_commit_fault()
        ids = Counter(m.message_id for m in self._working.outbox)
        taken = [i for i, n in ids.items() if n > 1]
        if taken:  # the outbox primary key
            raise ConcurrencyConflict(f"a concurrent writer took the same key: outbox {taken}")
        self._factory.store.take(self._working)
        self.committed = True
        self.commits += 1
        self._factory.commits += 1
        self._begin()  # like a connection after COMMIT: later writes need another commit

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._working = None  # rollback: the working copy is dropped
        if not self._read_only:
            self._factory.release_writer()

    def _begin(self) -> None:
        store = self._factory.store
        self._working = store.snapshot() if self._read_only else store.copy()
        self._bind(self._working, self.now)

    def _bind(self, t: FakeStore, now: datetime) -> None:
        self.orders = FakeWorkOrders(t)
        self.appointments = FakeAppointments(t)
        self.calls = FakeCallChecks(t)
        self.visit_links = FakeVisitLinks(t)
        self.flow_log = FakeFlowLog(t, zone=self.appointment_policy.zone)
        self.outbox = ReadOnlyOutbox() if self._read_only else FakeOutbox(t)
        self.inbox = FakeInbox(t, now=now)
        self.timers = FakeTimers(t, now=now)
        self.sms = FakeSmsRecords(t, now=now)
        self.sms_quota = FakeSmsQuota(t, now=now, limits=self._factory.sms_limits)
        self.changes = FakeResourceChanges(t)
        self.exceptions = FakeExceptionReports(t)
        self.directory = FakeExceptionDirectory(t)
        self.results = FakeMeasurements(t)
        self.screenshots = FakeScreenshots(t, now=now)
        self.reports = FakeReportVersions(t)
        self.emails = FakeEffectRecords(t.emails, now=now)
        self.billing = FakeEffectRecords(t.billing, now=now, unique=("idempotency_key",))
        self.signing = FakeSigningStore(t, now=now)


class FakeUnitOfWorkFactory:
    """`hub.ports.UnitOfWorkFactory` over one shared `FakeStore` and a test clock."""

    def __init__(
        self,
        *,
        clock: Clock | None = None,
        store: FakeStore | None = None,
        sms_limits: SmsLimits | None = None,
        appointment_policy: AppointmentPolicy | None = None,
    ) -> None:
        self.clock: Clock = clock or FakeClock()
        self.appointment_policy = appointment_policy or AppointmentPolicy()
        self.store = store or FakeStore()
        self.sms_limits = sms_limits or SmsLimits()
        self.commits = 0
        self.conflict_next_commits = 0
        self._crash_countdown: int | None = None
        self._writer = asyncio.Lock()
        self._holder: asyncio.Task[object] | None = None

    def __call__(self) -> FakeUnitOfWork:
        return FakeUnitOfWork(self)

    @asynccontextmanager
    async def read(self) -> AsyncIterator[FakeUnitOfWork]:
        """A read-only unit (its outbox refuses messages; it never commits)."""
        async with FakeUnitOfWork(self, read_only=True) as uow:
            yield uow

    async def acquire_writer(self) -> None:
        task = asyncio.current_task()
        if task is not None and task is self._holder:
            raise RuntimeError(
                "a write unit of work was opened inside another in the same task; "
                "on SQLite it would wait for itself"
            )
        try:
            await asyncio.wait_for(self._writer.acquire(), WRITER_WAIT_S)
        except TimeoutError as exc:
            raise RuntimeError("the writer lock was held too long (database is locked)") from exc
        self._holder = task

    def release_writer(self) -> None:
        self._holder = None
        self._writer.release()

    def crash_on_commit(self, *, after: int = 0) -> None:
        """Let `after` commits through, then die at the next one."""
        self._crash_countdown = after

    def inject_commit_fault(self) -> None:
        if self._crash_countdown is not None:
            if self._crash_countdown == 0:
                self._crash_countdown = None
                raise SimulatedCrash("the process died at this commit (injected)")
            self._crash_countdown -= 1
        if self.conflict_next_commits > 0:
            self.conflict_next_commits -= 1
            raise ConcurrencyConflict("another writer committed first (injected)")
