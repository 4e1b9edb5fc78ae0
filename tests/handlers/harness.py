"""The hub's real use cases wired to the fakes (`tests/fakes`), with a message pump for tests.

`FakeHub.run(command)` runs a command as its consumer would; `deliver()` hands every message
the hub published (the fake outbox) to the consumers subscribed to it, until none is left, as
the relay and the broker would; `fire_timers()` fires the timers that are due on the fake clock.
No database, no broker, no WeasyPrint.
"""

from __future__ import annotations

import base64
import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from pydantic import BaseModel, SecretStr

from hub.config import Settings
from hub.content_store import ContentStore
from hub.domain.acceptance import AcceptancePolicy, AcceptanceRule
from hub.domain.clock import ClockWindow
from hub.domain.resource_change import ResourceChange
from hub.domain.work_order import WorkOrder
from hub.handlers.billing import BillingService
from hub.handlers.close_out import CloseOut
from hub.handlers.email import EmailService
from hub.handlers.resource_change import ResourceChangeService
from hub.handlers.sms import SmsService
from hub.handlers.support_sync import SupportSync
from hub.handlers.table import CommandTable, UseCases, command_table
from hub.messaging.processing import MessageProcessor
from hub.messaging.scheduler import TimerScheduler
from hub.messaging.subscriptions import SUBSCRIPTIONS
from hub.metrics import Metrics
from hub.signing.service import SigningService
from schemas.v1 import CreateWorkOrder, DispatchWorkOrder, ResourceAssignment
from tests import factories
from tests.delivery_factories import signature_png
from tests.fakes import FakeClock, FakeStore, FakeUnitOfWorkFactory
from tests.fakes.inventory import FakeInventory
from tests.fakes.reports import FakeReports
from tests.fakes.systems import FakeBilling, FakeMailer, FakeSmsSender, FakeWorkOrderSystem

LEASE = timedelta(seconds=25)  # bootstrap's: two calls of the default HTTP timeout, plus 5 s
PUBLIC_URL = "https://hub.example.cn"
RADIUS_M = 500.0
LINE = ResourceAssignment(cable_id="C001", fiber_id="C001-F001", fiber_no=1, box_id="B001", port=1)


def signature_data_url() -> str:
    """What the signing page's pad posts: a drawn signature as a PNG data URL."""
    return "data:image/png;base64," + base64.b64encode(signature_png()).decode()


@dataclass
class FakeHub:
    """The use cases over fakes, and the fakes themselves for tests to look at."""

    clock: FakeClock
    uow: FakeUnitOfWorkFactory
    sms: FakeSmsSender
    support: FakeWorkOrderSystem
    inventory: FakeInventory
    billing: FakeBilling
    mailer: FakeMailer
    reports: FakeReports
    store: ContentStore
    metrics: Metrics
    processor: MessageProcessor
    use_cases: UseCases
    commands: CommandTable
    scheduler: TimerScheduler
    delivered: set[str] = field(default_factory=set)

    @property
    def tables(self) -> FakeStore:
        """What is committed: orders, outbox, timers, SMS rows... (see `FakeStore`)."""
        return self.uow.store

    def order(self, order_id: str) -> WorkOrder:
        """The committed order (KeyError if there is none)."""
        return self.tables.orders[order_id]

    def change(self, change_id: str) -> ResourceChange:
        """The committed resource change (KeyError if there is none)."""
        return self.tables.changes[change_id]

    async def run(self, command: BaseModel, *, message_id: str | None = None) -> bool:
        """Run a command as its consumer would; False if the message id was seen before."""
        return await self.commands.run(command, message_id=message_id or uuid.uuid4().hex)

    async def deliver(self, *only: type[BaseModel]) -> int:
        """Hand the published messages (of `only` these types) to their consumers, until none
        is left; returns how many. A consumer that raises leaves its message undelivered."""
        count = 0
        while True:
            pending = [
                m
                for m in self.tables.outbox
                if m.message_id not in self.delivered and (not only or isinstance(m.message, only))
            ]
            if not pending:
                return count
            for sent in pending:
                for sub in SUBSCRIPTIONS:
                    if sub.message is type(sent.message):
                        await self.commands.handle(sub.consumer)(sent.message, sent.message_id)
                self.delivered.add(sent.message_id)
                count += 1

    async def fire_timers(self) -> int:
        """Fire the timers due by the fake clock (their messages go to the outbox)."""
        return await self.scheduler.fire_due()

    # --- orders in a given state, through the real commands ------------------------------------
    async def created(self, order_id: str = "WO-1") -> CreateWorkOrder:
        cmd = factories.create_order(order_id).model_copy(update={"resources": LINE})
        await self.run(cmd)
        self.inventory.assign(order_id, LINE)
        return cmd

    def dispatch(self, order_id: str, *, hours: float = 4) -> DispatchWorkOrder:
        start = self.clock()
        return DispatchWorkOrder(
            order_id=order_id,
            technician=factories.technician(),
            appointment_start=start,
            appointment_end=start + timedelta(hours=hours),
        )

    async def dispatched(self, order_id: str = "WO-1") -> None:
        await self.created(order_id)
        await self.run(self.dispatch(order_id))

    async def checked_in(self, order_id: str = "WO-1") -> None:
        await self.dispatched(order_id)
        await self.run(factories.check_in(order_id))


def fake_hub(tmp_path: Path) -> FakeHub:
    """Wire the real use cases to fresh fakes (data under `tmp_path`)."""
    clock = FakeClock()
    uow = FakeUnitOfWorkFactory(clock=clock)
    sms, support, billing, mailer = (
        FakeSmsSender(),
        FakeWorkOrderSystem(),
        FakeBilling(),
        FakeMailer(),
    )
    inventory = _inventory()
    store = ContentStore(tmp_path / "reports", suffix=".pdf")
    reports = FakeReports(uow, store, radius_m=RADIUS_M)
    metrics = Metrics()
    processor = MessageProcessor(uow, metrics=metrics)
    settings = Settings(data_dir=tmp_path, signing_secret=SecretStr("s" * 32))
    signing = SigningService(settings, uow=uow, processor=processor, reports=reports)
    use_cases = UseCases(
        processor=processor,
        sms=SmsService(uow, sms, lease=LEASE, metrics=metrics, sealer=signing.sealer),
        support=SupportSync(support),
        changes=ResourceChangeService(uow, inventory, watchdog=LEASE),
        # The table only asks it for `render_if_changed` (the `ReportSource` half).
        reports=reports,
        close_out=CloseOut(processor, support, store=store, radius_m=RADIUS_M),
        emails=EmailService(uow, mailer, store=store, sender="hub@example.com", lease=LEASE),
        billing=BillingService(uow, billing, store=store, lease=LEASE),
        signing=signing,
        policy=AcceptancePolicy(default=AcceptanceRule()),
        store=store,
        radius_m=RADIUS_M,
        clock=ClockWindow(),
        public_url=PUBLIC_URL,
    )
    return FakeHub(
        clock=clock,
        uow=uow,
        sms=sms,
        support=support,
        inventory=inventory,
        billing=billing,
        mailer=mailer,
        reports=reports,
        store=store,
        metrics=metrics,
        processor=processor,
        use_cases=use_cases,
        commands=command_table(use_cases),
        scheduler=TimerScheduler(uow, metrics=metrics, poll_interval_s=1.0),
    )


def _inventory() -> FakeInventory:
    """Cable C001 (12 fibers) ending in boxes B001 and B002 (8 ports each), near the site."""
    inventory = FakeInventory()
    inventory.add_cable("C001")
    inventory.add_box("B001", "C001", at=factories.SITE)
    inventory.add_box("B002", "C001", at=factories.SITE)
    return inventory
