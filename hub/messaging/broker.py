"""The hub's RabbitMQ broker: confirmed channels, the failure policy, metrics, our parser."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

import structlog
from aio_pika import IncomingMessage
from faststream.message import StreamMessage
from faststream.rabbit import Channel, RabbitBroker
from faststream.rabbit.prometheus import RabbitPrometheusMiddleware

from hub.messaging.failures import FailurePolicy, failure_middleware
from hub.metrics import Metrics


async def keep_amqp_message_id(
    message: IncomingMessage, parse: Callable[[IncomingMessage], Awaitable[StreamMessage[Any]]]
) -> StreamMessage[Any]:
    """Broker parser: the delivery's own message id, never one FastStream makes up.

    FastStream gives a delivery without a message id a random one, so the inbox would dedupe on
    a new key per redelivery; the hub refuses such messages instead (`InvalidMessage`).
    """
    parsed = await parse(message)
    parsed.message_id = message.message_id or ""
    return parsed


def make_broker(
    url: str,
    *,
    policy: FailurePolicy,
    metrics: Metrics,
    prefetch_count: int,
    graceful_timeout_s: float,
) -> RabbitBroker:
    """A broker whose publishes are confirmed and whose failed handlers the policy settles."""
    broker = RabbitBroker(
        url,
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
