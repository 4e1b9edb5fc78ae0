"""The composition root: the only place that picks concrete adapters and wires the hub.

`bootstrap(settings)` builds a `Hub`: the wired parts of one process, nothing started. The
running process is `hub.runtime.Runtime`; the web app gets its use cases and query services
from `web_services(hub)`. Tests pass their own adapters, clock or metrics.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import timedelta

from faststream.rabbit import RabbitBroker
from faststream.rabbit.publisher import RabbitPublisher

from consumers import include_all
from hub.bootstrap.adapters import Adapters, Closer, choose_adapters
from hub.config import Settings
from hub.content_store import ContentStore
from hub.db.engine import Database
from hub.db.sms_quota import SmsQuotaPolicy
from hub.db.uow import UnitOfWorkFactory, utc_now
from hub.db.users import DbUserStore
from hub.domain.acceptance import AcceptancePolicy, AcceptanceRule
from hub.handlers.billing import BillingService
from hub.handlers.close_out import CloseOut
from hub.handlers.email import EmailService
from hub.handlers.exception_directory import DirectoryService
from hub.handlers.resource_change import ResourceChangeService
from hub.handlers.screenshots import ScreenshotUploads
from hub.handlers.sms import SmsService, redacted_command
from hub.handlers.support_sync import SupportSync
from hub.handlers.table import CommandTable, UseCases, command_table
from hub.messaging.broker import make_broker
from hub.messaging.failures import FailurePolicy
from hub.messaging.processing import MessageProcessor
from hub.messaging.publishers import declare_publishers, publish_via
from hub.messaging.relay import OutboxRelay
from hub.messaging.scheduler import TimerScheduler
from hub.messaging.topology import Topology, message_type
from hub.metrics import Metrics
from hub.ports import Billing, Clock, Mailer, ResourceInventory, SmsSender, WorkOrderSystem
from hub.reports.pool import RenderPool
from hub.reports.service import ReportService, screenshot_store
from hub.signing.secret import signing_secret
from hub.signing.service import SigningService
from schemas.v1 import SendSms


@dataclass
class Hub:
    """The wired parts of one hub process (started and stopped by `hub.runtime.Runtime`)."""

    settings: Settings
    topology: Topology
    db: Database
    uow: UnitOfWorkFactory
    metrics: Metrics
    broker: RabbitBroker
    publishers: dict[str, RabbitPublisher]
    relay: OutboxRelay
    scheduler: TimerScheduler
    processor: MessageProcessor
    commands: CommandTable
    adapters: Adapters
    resource_changes: ResourceChangeService
    reports: ReportService
    signing: SigningService
    screenshots: ScreenshotUploads
    directory: DirectoryService
    policy: AcceptancePolicy
    consumers: bool
    closers: list[Closer] = field(default_factory=list)

    async def aclose(self) -> None:
        """Release what wiring opened: adapter clients, stand-in storage, render pool, database.

        `Runtime.stop` calls it; call it yourself for a hub that was never started.
        """
        closers, self.closers = self.closers, []
        for closer in closers:
            await closer.aclose()
        await self.reports.close()
        await self.db.dispose()

    # The ports, by the names the rest of the hub (and its tests) know them by.
    @property
    def users(self) -> DbUserStore:
        """The embedded user store (`hub users`): API tokens by their hash."""
        return DbUserStore(self.db)

    @property
    def sms_sender(self) -> SmsSender:
        return self.adapters.sms

    @property
    def work_order_system(self) -> WorkOrderSystem:
        return self.adapters.support

    @property
    def inventory(self) -> ResourceInventory:
        return self.adapters.inventory

    @property
    def billing(self) -> Billing:
        return self.adapters.billing

    @property
    def mailer(self) -> Mailer:
        return self.adapters.mailer


def bootstrap(
    settings: Settings,
    *,
    consumers: bool = True,
    renders: bool | None = None,
    sms_sender: SmsSender | None = None,
    work_order_system: WorkOrderSystem | None = None,
    inventory: ResourceInventory | None = None,
    billing: Billing | None = None,
    mailer: Mailer | None = None,
    clock: Clock = utc_now,
    metrics: Metrics | None = None,
) -> Hub:
    """Wire a hub from settings; tests pass their own adapters, clock or metrics.

    `renders`: whether this process renders reports (default: where consumers run).
    """
    metrics = metrics or Metrics()
    topology = Topology(
        prefix=settings.queue_prefix,
        delivery_limit=settings.delivery_limit,
        retry_delays_ms=tuple(settings.retry_delays_ms),
    )
    db = Database(settings.resolved_database_url, pool_size=settings.db_pool_size)
    sms_policy = SmsQuotaPolicy(
        limits=settings.sms_limits,
        key=hashlib.sha256(b"sms-quota\n" + signing_secret(settings)).digest(),
        timezone=settings.report_timezone,
        on_refused=lambda limit: metrics.sms_limited.labels(limit).inc(),
    )
    uow = UnitOfWorkFactory(
        db,
        exchange=topology.bus.name,
        clock=clock,
        sms_policy=sms_policy,
        appointment_policy=settings.appointment_policy,
    )
    adapters = choose_adapters(
        settings,
        sms=sms_sender,
        support=work_order_system,
        inventory=inventory,
        billing=billing,
        mailer=mailer,
    )
    policy = FailurePolicy(
        topology, metrics=metrics, transient_attempts=settings.transient_attempts
    )
    broker = make_broker(
        settings.amqp_urls,
        policy=policy,
        metrics=metrics,
        prefetch_count=settings.prefetch_count,
        graceful_timeout_s=settings.graceful_timeout_s,
        attempt_timeout_s=settings.broker_attempt_timeout_s,
        heartbeat_s=settings.broker_heartbeat_s,
    )
    processor = MessageProcessor(uow, metrics=metrics)
    # An attempt may make two calls (a lookup, then the real one) before it records its result.
    lease = timedelta(seconds=2 * settings.http_timeout_s + 5)
    reports = _reports(settings, uow, clock, renders=consumers if renders is None else renders)
    signing = SigningService(settings, uow=uow, processor=processor, reports=reports)
    changes = ResourceChangeService(uow, adapters.inventory, watchdog=lease)
    acceptance = acceptance_policy(settings)
    use_cases = UseCases(
        processor=processor,
        sms=SmsService(uow, adapters.sms, lease=lease, metrics=metrics, sealer=signing.sealer),
        support=SupportSync(adapters.support),
        changes=changes,
        reports=reports,
        close_out=CloseOut(
            processor, adapters.support, store=reports.store, radius_m=settings.check_in_radius_m
        ),
        emails=EmailService(
            uow, adapters.mailer, store=reports.store, sender=settings.smtp_from, lease=lease
        ),
        billing=BillingService(uow, adapters.billing, store=reports.store, lease=lease),
        signing=signing,
        policy=acceptance,
        store=reports.store,
        radius_m=settings.check_in_radius_m,
        clock=settings.clock_window,
        public_url=settings.public_url,
        results_per_order=settings.results_per_order,
        call_sample_pct=settings.call_review_sample_pct,
    )
    commands = command_table(use_cases)
    if consumers:
        include_all(broker, topology, commands)
    publishers = declare_publishers(broker, topology)
    relay = OutboxRelay(
        db,
        publish_via(publishers),
        metrics=metrics,
        batch_size=settings.relay_batch_size,
        lanes=settings.relay_lanes,
        poll_interval_s=settings.relay_poll_interval_s,
        clock=clock,
        redactors={message_type(SendSms): redacted_command},
    )
    uow.on_outbox_commit = relay.wake
    return Hub(
        settings=settings,
        topology=topology,
        db=db,
        uow=uow,
        metrics=metrics,
        broker=broker,
        publishers=publishers,
        relay=relay,
        scheduler=TimerScheduler(
            uow, metrics=metrics, poll_interval_s=settings.timer_poll_interval_s
        ),
        processor=processor,
        commands=commands,
        adapters=adapters,
        resource_changes=changes,
        reports=reports,
        signing=signing,
        screenshots=ScreenshotUploads(
            uow, _pictures(settings), per_order=settings.screenshots_per_order
        ),
        directory=DirectoryService(uow),
        policy=acceptance,
        consumers=consumers,
        closers=adapters.closers,
    )


def _reports(
    settings: Settings, uow: UnitOfWorkFactory, clock: Clock, *, renders: bool
) -> ReportService:
    """The report service; its render pool only where consumers run (workers spawn lazily, on
    the first render). Without consumers (`hub web`) nothing renders: no render process."""
    pool = RenderPool(
        workers=settings.report_workers,
        timeout_s=settings.report_render_timeout_s,
        memory_mb=settings.report_worker_memory_mb,
        enabled=renders,
        max_rss_mb=settings.report_worker_max_rss_mb,
    )
    return ReportService(
        uow,
        pool,
        data_dir=settings.data_dir,
        lang=settings.report_lang.value,
        timezone=settings.report_timezone,
        radius_m=settings.check_in_radius_m,
        clock=clock,
    )


def _pictures(settings: Settings) -> ContentStore:
    return screenshot_store(settings.data_dir)


def acceptance_policy(settings: Settings) -> AcceptancePolicy:
    """Test thresholds from settings: the defaults, and per-product overrides."""
    default = AcceptanceRule(
        down_ratio=settings.acceptance_speed_ratio,
        up_ratio=settings.acceptance_speed_ratio,
        max_loss_pct=settings.acceptance_max_loss_pct,
        max_rtt_avg_ms=settings.acceptance_max_rtt_avg_ms,
        max_jitter_ms=settings.acceptance_max_jitter_ms,
    )
    by_product = {
        product: AcceptanceRule(**rule.model_dump())
        for product, rule in settings.acceptance_by_product.items()
    }
    return AcceptancePolicy(default=default, by_product=by_product)
