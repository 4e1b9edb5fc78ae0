"""Typed assignments that make mypy check every fake against its Protocol (`hub.ports`).

Nothing here runs in a test; `mypy tests/fakes --strict` fails if a fake drifts from its port.
"""

from __future__ import annotations

from hub import ports
from hub.signing.reports import ReportSource
from tests.fakes.delivery import FakeMeasurements, FakeReportVersions, FakeScreenshots
from tests.fakes.effects import FakeEffectRecords, FakeSmsRecords
from tests.fakes.inventory import FakeInventory
from tests.fakes.messaging import FakeInbox, FakeOutbox, FakeTimers, ReadOnlyOutbox
from tests.fakes.orders import (
    FakeExceptionReports,
    FakeFlowLog,
    FakeResourceChanges,
    FakeWorkOrders,
)
from tests.fakes.reports import FakeReports
from tests.fakes.signing import FakeSigningStore
from tests.fakes.store import FakeStore
from tests.fakes.systems import (
    FakeBilling,
    FakeMailer,
    FakeSmsSender,
    FakeWorkOrderSystem,
)
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


def systems_conform(
    *,
    sms: FakeSmsSender,
    support: FakeWorkOrderSystem,
    inventory: FakeInventory,
    billing: FakeBilling,
    mailer: FakeMailer,
    reports: FakeReports,
) -> None:
    """The external systems and the report source signing uses."""
    _sms: ports.SmsSender = sms
    _support: ports.WorkOrderSystem = support
    _inventory: ports.ResourceInventory = inventory
    _billing: ports.Billing = billing
    _mailer: ports.Mailer = mailer
    _reports: ReportSource = reports
