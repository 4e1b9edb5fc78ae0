"""The composition root: the only place that picks concrete adapters and wires the hub."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from datetime import timedelta
from urllib.parse import urlsplit

import httpx
import structlog
from faststream.rabbit import Channel, RabbitBroker
from faststream.rabbit.prometheus import RabbitPrometheusMiddleware
from faststream.rabbit.publisher import RabbitPublisher

from adapters.billing.embedded import EmbeddedBilling
from adapters.billing.http_client import HttpBilling
from adapters.email.log_sender import LogMailer
from adapters.email.smtp_sender import SmtpMailer
from adapters.inventory.embedded import EmbeddedInventory
from adapters.inventory.http_client import HttpResourceInventory
from adapters.inventory.seed import shanghai_seed
from adapters.sms.log_sender import LogSmsSender
from adapters.support.embedded import EmbeddedWorkOrderSystem
from adapters.support.http_client import HttpWorkOrderSystem
from consumers.box_change import box_change_router
from consumers.delivery import delivery_router
from consumers.exception_reports import exception_report_router
from consumers.fiber_swap import fiber_swap_router
from consumers.notifications import notification_router
from consumers.signing import signing_router
from consumers.support_sync import support_sync_router
from consumers.work_orders import work_order_router
from hub.config import EmailMode, Settings, SmsProvider
from hub.db.engine import Database
from hub.db.uow import Clock, UnitOfWorkFactory, utc_now
from hub.domain.acceptance import AcceptancePolicy, AcceptanceRule
from hub.errors import HubError
from hub.handlers.billing import BillingService
from hub.handlers.close_out import CloseOut
from hub.handlers.delivery_service import Delivery
from hub.handlers.email import EmailService
from hub.handlers.resource_change import ResourceChangeService
from hub.handlers.sms import SmsService, redacted_command
from hub.handlers.support_sync import SupportSync
from hub.messaging.declare import declare_topology
from hub.messaging.failures import FailurePolicy, failure_middleware
from hub.messaging.processing import MessageProcessor, keep_amqp_message_id
from hub.messaging.relay import OutboxMessage, OutboxRelay
from hub.messaging.scheduler import TimerScheduler
from hub.messaging.topology import MESSAGE_TYPES, ROUTES, Topology, message_type
from hub.metrics import Metrics
from hub.ports import Billing, Mailer, ResourceInventory, SmsSender, WorkOrderSystem
from hub.reports.pool import RenderPool
from hub.reports.service import ReportService
from hub.signing.service import SigningService
from schemas.v1 import SendSms

log = structlog.get_logger(__name__)


@dataclass
class Hub:
    """Everything one hub process needs, wired; `start()`/`stop()` run its background work."""

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
    sms_sender: SmsSender
    work_order_system: WorkOrderSystem
    inventory: ResourceInventory
    resource_changes: ResourceChangeService
    consumers: bool
    reports: ReportService
    signing: SigningService
    billing: Billing
    mailer: Mailer
    delivery: Delivery
    _stop: asyncio.Event = field(default_factory=asyncio.Event)
    _tasks: list[asyncio.Task[None]] = field(default_factory=list)
    _closers: list[object] = field(default_factory=list)

    async def start(self) -> None:
        """Connect, declare the topology, start consuming (worker role) and relaying."""
        self._stop.clear()
        try:
            await asyncio.wait_for(self.broker.connect(), self.settings.connect_timeout_s)
        except TimeoutError as exc:
            raise BrokerUnavailable(
                f"RabbitMQ at {_without_password(self.settings.amqp_url)} did not answer within "
                f"{self.settings.connect_timeout_s:.0f}s (HUB_CONNECT_TIMEOUT_S)"
            ) from exc
        except OSError as exc:
            raise BrokerUnavailable(
                f"cannot connect to RabbitMQ at {_without_password(self.settings.amqp_url)}: {exc}"
            ) from exc
        await declare_topology(self.broker, self.topology)
        await self.broker.start()
        self._tasks = [
            asyncio.create_task(self.relay.run(self._stop), name="outbox-relay"),
            asyncio.create_task(self.scheduler.run(self._stop), name="timer-scheduler"),
        ]
        log.info("hub started", consumers=self.consumers, prefix=self.topology.prefix)

    async def stop(self) -> None:
        """Stop consuming, let in-flight handlers finish, flush the outbox once, disconnect."""
        await self.broker.stop()  # waits up to graceful_timeout for in-flight handlers
        self._stop.set()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks = []
        for closer in self._closers:
            await closer.aclose()  # type: ignore[attr-defined]
        await self.reports.close()
        await self.db.dispose()
        log.info("hub stopped")


def bootstrap(
    settings: Settings,
    *,
    consumers: bool = True,
    sms_sender: SmsSender | None = None,
    work_order_system: WorkOrderSystem | None = None,
    inventory: ResourceInventory | None = None,
    billing: Billing | None = None,
    mailer: Mailer | None = None,
    clock: Clock = utc_now,
    metrics: Metrics | None = None,
) -> Hub:
    """Wire a hub from settings; tests pass their own adapters, clock or metrics."""
    metrics = metrics or Metrics()
    topology = Topology(
        prefix=settings.queue_prefix,
        delivery_limit=settings.delivery_limit,
        retry_delays_ms=tuple(settings.retry_delays_ms),
    )
    db = Database(settings.resolved_database_url)
    uow = UnitOfWorkFactory(db, topology, clock=clock)
    policy = FailurePolicy(
        topology, metrics=metrics, transient_attempts=settings.transient_attempts
    )
    broker = RabbitBroker(
        settings.amqp_url,
        default_channel=Channel(
            prefetch_count=settings.prefetch_count,
            publisher_confirms=True,
            on_return_raises=True,
        ),
        graceful_timeout=settings.graceful_timeout_s,
        parser=keep_amqp_message_id,
        middlewares=[
            failure_middleware(policy),
            RabbitPrometheusMiddleware(registry=metrics.registry, app_name="hub"),
        ],
        logger=structlog.get_logger("faststream"),
        log_level=logging.DEBUG,  # per-message "Received/Processed" lines drown the console
    )
    policy.broker = broker
    closers: list[object] = []
    sms_sender = sms_sender or _sms_sender(settings, db, closers)
    work_order_system = work_order_system or _work_order_system(settings, db, closers)
    processor = MessageProcessor(uow, metrics=metrics)
    inventory = inventory or _inventory(settings, db, closers)
    resource_changes = ResourceChangeService(
        # An HTTP-driven change not finished by then is resumed by a worker.
        uow,
        inventory,
        watchdog=timedelta(seconds=2 * settings.http_timeout_s + 5),
    )
    reports = ReportService(
        uow,
        RenderPool(
            workers=settings.report_workers,
            timeout_s=settings.report_render_timeout_s,
            memory_mb=settings.report_worker_memory_mb,
        ),
        data_dir=settings.data_dir,
        lang=settings.report_lang.value,
        timezone=settings.report_timezone,
        radius_m=settings.check_in_radius_m,
        clock=clock,
    )
    signing = SigningService(settings, uow=uow, processor=processor, reports=reports)
    billing = billing or _billing(settings, db, closers)
    mailer = mailer or _mailer(settings, db)
    delivery = _delivery(
        settings,
        uow,
        processor,
        reports=reports,
        support=work_order_system,
        billing=billing,
        mailer=mailer,
    )
    if consumers:
        sms = SmsService(
            uow,
            sms_sender,
            # One attempt may make two provider calls (lookup, then send).
            lease=timedelta(seconds=2 * settings.http_timeout_s + 5),
            metrics=metrics,
        )
        broker.include_router(
            work_order_router(topology, processor, radius_m=settings.check_in_radius_m)
        )
        broker.include_router(notification_router(topology, sms))
        broker.include_router(support_sync_router(topology, SupportSync(work_order_system)))
        broker.include_router(fiber_swap_router(topology, resource_changes))
        broker.include_router(exception_report_router(topology, processor))
        broker.include_router(
            box_change_router(
                topology, resource_changes, processor, radius_m=settings.check_in_radius_m
            )
        )
        broker.include_router(signing_router(topology, signing))
        broker.include_router(delivery_router(topology, delivery))
    publishers = _declare_publishers(broker, topology)
    relay = OutboxRelay(
        db,
        _publish_via(publishers),
        metrics=metrics,
        batch_size=settings.relay_batch_size,
        poll_interval_s=settings.relay_poll_interval_s,
        clock=clock,
        redactors={message_type(SendSms): redacted_command},
    )
    uow.on_outbox_commit = relay.wake
    scheduler = TimerScheduler(uow, metrics=metrics, poll_interval_s=settings.timer_poll_interval_s)
    return Hub(
        settings=settings,
        topology=topology,
        db=db,
        uow=uow,
        metrics=metrics,
        broker=broker,
        publishers=publishers,
        relay=relay,
        scheduler=scheduler,
        processor=processor,
        sms_sender=sms_sender,
        work_order_system=work_order_system,
        inventory=inventory,
        resource_changes=resource_changes,
        consumers=consumers,
        reports=reports,
        signing=signing,
        billing=billing,
        mailer=mailer,
        delivery=delivery,
        _closers=closers,
    )


class BrokerUnavailable(HubError):
    """The broker could not be reached at start-up."""


def _without_password(url: str) -> str:
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
    return parts._replace(netloc=netloc).geturl()


def _declare_publishers(broker: RabbitBroker, topology: Topology) -> dict[str, RabbitPublisher]:
    """One declared publisher per routing key, so AsyncAPI lists every message the hub sends.

    Commands are mandatory: an unroutable command is a failure the relay retries and reports.
    Events are facts other systems may or may not subscribe to, so no subscriber is fine.
    """
    publishers: dict[str, RabbitPublisher] = {}
    for model, routing_key in ROUTES.items():
        publishers[routing_key] = broker.publisher(
            exchange=topology.bus,
            routing_key=routing_key,
            persist=True,
            mandatory=topology.is_command(routing_key),
            schema=model,
            title=f"{topology.bus.name}:{routing_key}",
            description=model.__doc__,
        )
    return publishers


def _publish_via(publishers: dict[str, RabbitPublisher]):  # type: ignore[no-untyped-def]
    async def publish(message: OutboxMessage) -> None:
        await publishers[message.routing_key].publish(
            message.body.encode(),
            message_id=message.id,
            correlation_id=message.correlation_id,
            content_type="application/json",
            message_type=message.message_type,
        )

    return publish


def _sms_sender(settings: Settings, db: Database, closers: list[object]) -> SmsSender:
    if settings.sms_provider is SmsProvider.TWILIO:
        from adapters.sms.twilio_sender import TwilioSmsSender

        twilio = TwilioSmsSender.from_settings(settings)
        closers.append(twilio)  # its aiohttp session is opened lazily, closed on stop()
        return twilio
    return LogSmsSender(db)


def _work_order_system(settings: Settings, db: Database, closers: list[object]) -> WorkOrderSystem:
    if settings.support_system_url is None:
        return EmbeddedWorkOrderSystem(db)
    client = httpx.AsyncClient(
        base_url=str(settings.support_system_url), timeout=settings.http_timeout_s
    )
    closers.append(client)
    return HttpWorkOrderSystem(client)


def _inventory(settings: Settings, db: Database, closers: list[object]) -> ResourceInventory:
    if settings.inventory_url is None:
        return EmbeddedInventory(db, seed=shanghai_seed() if settings.inventory_seed else None)
    client = httpx.AsyncClient(
        base_url=str(settings.inventory_url), timeout=settings.http_timeout_s
    )
    closers.append(client)
    return HttpResourceInventory(client)


def _billing(settings: Settings, db: Database, closers: list[object]) -> Billing:
    if settings.billing_url is None:
        return EmbeddedBilling(db)
    client = httpx.AsyncClient(base_url=str(settings.billing_url), timeout=settings.http_timeout_s)
    closers.append(client)
    return HttpBilling(client)


def _mailer(settings: Settings, db: Database) -> Mailer:
    if settings.email_mode is EmailMode.SMTP:
        return SmtpMailer(
            host=settings.smtp_host,
            port=settings.smtp_port,
            username=settings.smtp_user,
            password=settings.smtp_password.get_secret_value() if settings.smtp_password else None,
            start_tls=settings.smtp_starttls,
            timeout_s=settings.http_timeout_s,
        )
    return LogMailer(db)


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


def _delivery(
    settings: Settings,
    uow: UnitOfWorkFactory,
    processor: MessageProcessor,
    *,
    reports: ReportService,
    support: WorkOrderSystem,
    billing: Billing,
    mailer: Mailer,
) -> Delivery:
    # An attempt may make two calls (lookup, then the real one) before it records its result.
    lease = timedelta(seconds=2 * settings.http_timeout_s + 5)
    return Delivery(
        processor,
        policy=acceptance_policy(settings),
        reports=reports,
        close_out=CloseOut(
            processor, support, store=reports.store, radius_m=settings.check_in_radius_m
        ),
        emails=EmailService(
            uow, mailer, store=reports.store, sender=settings.smtp_from, lease=lease
        ),
        billing=BillingService(uow, billing, store=reports.store, lease=lease),
    )


__all__ = ["MESSAGE_TYPES", "Hub", "acceptance_policy", "bootstrap"]
