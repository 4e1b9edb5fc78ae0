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

from adapters.sms.log_sender import LogSmsSender
from adapters.support.embedded import EmbeddedWorkOrderSystem
from adapters.support.http_client import HttpWorkOrderSystem
from consumers.notifications import notification_router
from consumers.support_sync import support_sync_router
from consumers.work_orders import work_order_router
from hub.config import Settings, SmsProvider
from hub.db.engine import Database
from hub.db.uow import Clock, UnitOfWorkFactory, utc_now
from hub.errors import HubError
from hub.handlers.sms import SmsService
from hub.handlers.support_sync import SupportSync
from hub.messaging.declare import declare_topology
from hub.messaging.failures import FailurePolicy, failure_middleware
from hub.messaging.processing import MessageProcessor
from hub.messaging.relay import OutboxMessage, OutboxRelay
from hub.messaging.scheduler import TimerScheduler
from hub.messaging.topology import MESSAGE_TYPES, ROUTES, Topology
from hub.metrics import Metrics
from hub.ports import SmsSender, WorkOrderSystem

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
    consumers: bool
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
        await self.db.dispose()
        log.info("hub stopped")


def bootstrap(
    settings: Settings,
    *,
    consumers: bool = True,
    sms_sender: SmsSender | None = None,
    work_order_system: WorkOrderSystem | None = None,
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
    publishers = _declare_publishers(broker, topology)
    relay = OutboxRelay(
        db,
        _publish_via(publishers),
        metrics=metrics,
        batch_size=settings.relay_batch_size,
        poll_interval_s=settings.relay_poll_interval_s,
        clock=clock,
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
        consumers=consumers,
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


__all__ = ["MESSAGE_TYPES", "Hub", "bootstrap"]
