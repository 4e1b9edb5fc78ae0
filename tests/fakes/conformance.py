"""Typed assignments that make mypy check every fake against its Protocol (`hub.ports`).

Nothing here runs in a test; `mypy tests/fakes --strict` fails if a fake drifts from its port.
"""

from __future__ import annotations

from hub import ports
from tests.fakes.delivery import FakeMeasurements, FakeReportVersions, FakeScreenshots
from tests.fakes.effects import FakeEffectRecords, FakeSmsRecords
from tests.fakes.messaging import FakeInbox, FakeOutbox, FakeTimers, ReadOnlyOutbox
from tests.fakes.orders import (
    FakeExceptionReports,
    FakeFlowLog,
    FakeResourceChanges,
    FakeWorkOrders,
)
from tests.fakes.signing import FakeSigningStore
from tests.fakes.store import FakeStore
from tests.fakes.uow import FakeUnitOfWork, FakeUnitOfWorkFactory


def storage_conforms(factory: FakeUnitOfWorkFactory, tables: FakeStore) -> None:
    """The unit of work, its factory and every repository."""
    _factory: ports.UnitOfWorkFactory = factory
    _uow: ports.UnitOfWork = FakeUnitOfWork(factory)
    _clock: ports.Clock = factory.clock
    now = factory.clock()
    _orders: ports.WorkOrders = FakeWorkOrders(tables)
    _flow: ports.FlowLog = FakeFlowLog(tables)
    _outbox: ports.Outbox = FakeOutbox(tables)
    _read_outbox: ports.Outbox = ReadOnlyOutbox()
    _inbox: ports.Inbox = FakeInbox(tables, now=now)
    _timers: ports.Timers = FakeTimers(tables, now=now)
    _sms: ports.SmsRecords = FakeSmsRecords(tables, now=now)
    _emails: ports.EffectRecords = FakeEffectRecords(tables.emails, now=now)
    _changes: ports.ResourceChanges = FakeResourceChanges(tables)
    _exceptions: ports.ExceptionReports = FakeExceptionReports(tables)
    _results: ports.Measurements = FakeMeasurements(tables)
    _shots: ports.Screenshots = FakeScreenshots(tables, now=now)
    _reports: ports.Reports = FakeReportVersions(tables)
    _signing: ports.SigningStore = FakeSigningStore(tables, now=now)
