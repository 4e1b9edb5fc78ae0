"""What happens to a message whose handler failed: park it, retry it later, or redeliver it.

permanent (invalid, domain error, 4xx)  ─▶ parking queue now, with x-error-* headers
transient (timeouts, 5xx, lock lost)    ─▶ retry queue (delay tiers), parked after N attempts
anything else (a bug, a crash)          ─▶ nack + requeue; on the last allowed delivery,
                                           parked with headers (the broker's delivery limit
                                           and DLX remain the safety net, e.g. for kill -9)
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from functools import partial
from typing import Any

import pydantic
import structlog
from faststream import BaseMiddleware
from faststream.exceptions import HandlerException, NackMessage
from faststream.message import StreamMessage
from faststream.rabbit import RabbitBroker

from hub.errors import PERMANENT_ERRORS, TRANSIENT_ERRORS, NotFound
from hub.messaging.pii import describe_error
from hub.messaging.topology import RETRY_TIER_HEADER, Topology
from hub.metrics import Metrics

log = structlog.get_logger(__name__)

NOT_FOUND_ATTEMPTS = 3

INVALID_MESSAGE_ERRORS: tuple[type[Exception], ...] = (
    pydantic.ValidationError,
    json.JSONDecodeError,
    UnicodeDecodeError,
    RecursionError,  # a body nested too deep to decode: the same on every redelivery
)


class FailurePolicy:
    """Settles failed deliveries; needs the broker to publish to parking and retry queues."""

    def __init__(self, topology: Topology, *, metrics: Metrics, transient_attempts: int) -> None:
        self.topology = topology
        self.metrics = metrics
        self.transient_attempts = transient_attempts
        self.broker: RabbitBroker | None = None

    async def settle(self, exc: Exception, msg: StreamMessage[Any], *, queue: str) -> None:
        """Park or schedule a retry (then return: the delivery is acked), or raise NackMessage."""
        headers = dict(msg.headers or {})
        attempt = int(headers.get("x-retry-attempt", 0)) + 1
        if isinstance(exc, NotFound) and attempt < NOT_FOUND_ATTEMPTS:
            # The order's create may still be waiting in its own queue: look again shortly.
            await self._retry_later(msg, queue=queue, attempt=attempt)
        elif isinstance(exc, INVALID_MESSAGE_ERRORS + PERMANENT_ERRORS):
            await self.park(msg, queue=queue, exc=exc)
        elif isinstance(exc, TRANSIENT_ERRORS):
            if attempt >= self.transient_attempts:
                await self.park(msg, queue=queue, exc=exc)
            else:
                await self._retry_later(msg, queue=queue, attempt=attempt)
        else:
            redeliveries = int(headers.get("x-delivery-count", 0))
            if redeliveries >= self.topology.delivery_limit:
                await self.park(msg, queue=queue, exc=exc)
            else:
                log.warning(
                    "handler failed; redelivering",
                    consumer=self.topology.consumer_of(queue),
                    error_type=type(exc).__name__,
                    delivery=redeliveries + 1,
                )
                raise NackMessage(requeue=True) from exc

    def redelivered(self, queue: str) -> None:
        """Count a delivery the broker flagged as redelivered: its first try died or was nacked."""
        consumer = self.topology.consumer_of(queue)
        self.metrics.redeliveries.labels(consumer).inc()
        log.info("message redelivered", consumer=consumer)

    async def park(self, msg: StreamMessage[Any], *, queue: str, exc: BaseException) -> None:
        """Move the message to its consumer's parking queue, with the reason in headers."""
        consumer = self.topology.consumer_of(queue)
        error_type = type(exc).__name__
        headers = {
            **_plain_headers(msg.headers),
            "x-error-type": error_type,
            "x-error-message": describe_error(exc),
            "x-original-queue": queue,
            "x-parked-at": datetime.now(UTC).isoformat(),
        }
        await self._broker().publish(
            msg.body,
            routing_key=self.topology.parking_queue(consumer).name,
            headers=headers,
            message_id=msg.message_id or None,
            correlation_id=msg.correlation_id or None,
            content_type=msg.content_type or None,
            persist=True,
            mandatory=True,
        )
        self.metrics.messages_parked.labels(consumer, error_type).inc()
        log.warning("message parked", consumer=consumer, error_type=error_type)

    async def _retry_later(self, msg: StreamMessage[Any], *, queue: str, attempt: int) -> None:
        self.metrics.retries_scheduled.labels(self.topology.consumer_of(queue)).inc()
        delays = self.topology.retry_delays_ms
        delay = delays[min(attempt, len(delays)) - 1]
        headers = {
            **_plain_headers(msg.headers),
            "x-retry-attempt": attempt,
            RETRY_TIER_HEADER: str(delay),
        }
        await self._broker().publish(
            msg.body,
            exchange=self.topology.retry,
            routing_key=queue,
            headers=headers,
            message_id=msg.message_id or None,
            correlation_id=msg.correlation_id or None,
            content_type=msg.content_type or None,
            persist=True,
            mandatory=True,
        )

    def _broker(self) -> RabbitBroker:
        if self.broker is None:  # pragma: no cover - wiring error
            raise RuntimeError("FailurePolicy used before a broker was attached")
        return self.broker


class FailureMiddleware(BaseMiddleware):
    """Broker middleware that hands every handler exception to the `FailurePolicy`."""

    def __init__(self, msg: Any, /, *, context: Any, policy: FailurePolicy) -> None:
        super().__init__(msg, context=context)
        self.policy = policy

    async def consume_scope(self, call_next: Callable[..., Any], msg: StreamMessage[Any]) -> Any:
        if getattr(msg.raw_message, "redelivered", False):
            self.policy.redelivered(self.context.get_local("handler_").queue.name)
        try:
            return await call_next(msg)
        except HandlerException:
            raise
        except Exception as exc:
            subscriber = self.context.get_local("handler_")
            await self.policy.settle(exc, msg, queue=subscriber.queue.name)
            return None


def failure_middleware(policy: FailurePolicy) -> Callable[..., FailureMiddleware]:
    """The middleware factory to give `RabbitBroker(middlewares=[...])`."""
    return partial(FailureMiddleware, policy=policy)


def _plain_headers(headers: Any) -> dict[str, Any]:
    # The quorum queue's delivery counter belongs to the old delivery, not the new message.
    return {k: v for k, v in dict(headers or {}).items() if k != "x-delivery-count"}
