"""The hub's RabbitMQ broker: confirmed channels, the failure policy, metrics, our parser."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from typing import Any

import structlog
from aio_pika import IncomingMessage, RobustConnection
from aio_pika.exceptions import CONNECTION_EXCEPTIONS
from faststream.message import StreamMessage
from faststream.rabbit import Channel, RabbitBroker
from faststream.rabbit.prometheus import RabbitPrometheusMiddleware

from hub.messaging.addresses import AddressRing, shown, with_heartbeat
from hub.messaging.cluster import cluster_connection_class
from hub.messaging.failures import FailurePolicy, failure_middleware
from hub.metrics import Metrics

_MESSAGE_ID: ContextVar[str] = ContextVar("amqp_message_id", default="")


def delivery_message_id() -> str:
    """The AMQP message id of the delivery being handled ("" if it carries none).

    Set by the broker's parser in the task that then runs the handler. Handlers read it here
    rather than asking FastStream for the message (`msg: RabbitMessage`): FastStream resolves
    that parameter in a worker thread, one thread hop per delivery.
    """
    return _MESSAGE_ID.get()


async def keep_amqp_message_id(
    message: IncomingMessage, parse: Callable[[IncomingMessage], Awaitable[StreamMessage[Any]]]
) -> StreamMessage[Any]:
    """Broker parser: the delivery's own message id, never one FastStream makes up.

    FastStream gives a delivery without a message id a random one, so the inbox would dedupe on
    a new key per redelivery; the hub refuses such messages instead (`InvalidMessage`).
    """
    parsed = await parse(message)
    parsed.message_id = message.message_id or ""
    _MESSAGE_ID.set(parsed.message_id)
    return parsed


class ClusterRabbitBroker(RabbitBroker):
    """A RabbitBroker over several addresses: the first that answers, the next when one is lost.

    With one address it behaves as a plain RabbitBroker (aio-pika reconnects to that one).
    """

    def __init__(self, urls: tuple[str, ...], **kwargs: Any) -> None:
        self.addresses = AddressRing(urls)
        super().__init__(self.addresses.current, **kwargs)

    async def _connect(self) -> RobustConnection:
        # fail_fast: each address gets one attempt here; once connected, aio-pika's robust
        # connection retries for ever, moving along the ring (`ClusterConnection`).
        failures: list[str] = []
        for url in self.addresses.from_current():
            self.addresses.select(url)
            self._connection_kwargs.update(
                url=url, connection_class=cluster_connection_class(self.addresses)
            )
            try:
                return await super()._connect()
            except CONNECTION_EXCEPTIONS as exc:
                failures.append(f"{shown(url)}: {exc or type(exc).__name__}")
        raise ConnectionError("no broker address answered: " + "; ".join(failures))

    @property
    def connection(self) -> RobustConnection | None:
        """The robust connection, once connected (FastStream keeps it)."""
        return self._connection

    @property
    def connected_url(self) -> str:
        """The address in use (while reconnecting: the one tried next)."""
        return self.addresses.current


def make_broker(
    urls: tuple[str, ...],
    *,
    policy: FailurePolicy,
    metrics: Metrics,
    prefetch_count: int,
    graceful_timeout_s: float,
    attempt_timeout_s: float,
    heartbeat_s: int,
) -> RabbitBroker:
    """A broker whose publishes are confirmed and whose failed handlers the policy settles.

    `attempt_timeout_s` bounds one connection attempt to one address, at start and on every
    reconnect (aio-pika keeps the first `connect`'s timeout for its reconnects): without it a node
    that accepts connections but never answers held the hub on that address for ever.
    `heartbeat_s` is asked of every address that does not set its own.
    """
    broker = ClusterRabbitBroker(
        tuple(with_heartbeat(url, heartbeat_s) for url in urls),
        timeout=attempt_timeout_s,
        default_channel=Channel(
            prefetch_count=prefetch_count,
            publisher_confirms=True,
            on_return_raises=True,
        ),
        graceful_timeout=graceful_timeout_s,
        parser=keep_amqp_message_id,
        middlewares=[
            failure_middleware(policy),
            RabbitPrometheusMiddleware(registry=metrics.registry, app_name="hub"),
        ],
        logger=structlog.get_logger("faststream"),
        log_level=logging.DEBUG,  # per-message "Received/Processed" lines drown the console
    )
    policy.broker = broker
    return broker
