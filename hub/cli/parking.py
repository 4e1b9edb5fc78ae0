"""Parking queues over a plain AMQP connection: depth, peek, replay to the original queue, purge.

Peeking and replaying hold the messages they read unacknowledged until the end, so each
`basic.get` returns the next message, and whatever is not moved goes back with a requeue.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import asdict, dataclass, field
from typing import Any

import aio_pika
from aio_pika.abc import AbstractConnection, AbstractIncomingMessage, AbstractQueue, DeliveryMode
from aio_pika.exceptions import ChannelNotFoundEntity, DeliveryError

from hub.messaging.cluster import connect_first
from hub.messaging.subscriptions import ALL_CONSUMERS
from hub.messaging.topology import Topology

# Headers that describe a past failure, not the message: the replayed copy starts afresh.
OPS_CONNECT_TIMEOUT_S = 10.0
FAILURE_HEADER_PREFIXES = ("x-error-", "x-retry-", "x-death", "x-first-death-", "x-last-death-")
FAILURE_HEADERS = frozenset({"x-original-queue", "x-parked-at", "x-delivery-count"})


@dataclass(frozen=True, slots=True)
class ParkedMessage:
    """What a person needs to decide about one parked message (never its body)."""

    message_id: str | None
    error_type: str | None
    error_message: str | None
    original_queue: str | None
    parked_at: str | None
    death_reason: str | None = None
    death_count: int | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class ReplayResult:
    """How a replay went: moved back, and what was left parked (with why)."""

    moved: int = 0
    left: list[str] = field(default_factory=list)


@asynccontextmanager
async def amqp_connection(urls: tuple[str, ...]) -> AsyncIterator[AbstractConnection]:
    """A plain connection for ops commands (not the hub's broker), to the first node answering."""
    connection = await connect_first(urls, attempt_timeout_s=OPS_CONNECT_TIMEOUT_S)
    async with connection:
        yield connection


class ParkingQueues:
    """The parking queue of each consumer of one topology."""

    def __init__(self, connection: AbstractConnection, topology: Topology) -> None:
        self._connection = connection
        self._topology = topology

    def name(self, consumer: str) -> str:
        return self._topology.parking_queue(consumer).name

    async def depth(self, consumer: str) -> int | None:
        """Messages waiting in a consumer's parking queue; None if the queue does not exist."""
        try:
            async with self._connection.channel() as channel:
                queue = await channel.declare_queue(self.name(consumer), passive=True)
        except ChannelNotFoundEntity:
            return None
        return _message_count(queue)

    async def depths(self, consumers: tuple[str, ...] = ALL_CONSUMERS) -> dict[str, int | None]:
        return {consumer: await self.depth(consumer) for consumer in consumers}

    async def peek(self, consumer: str, *, limit: int) -> list[ParkedMessage]:
        """The first `limit` parked messages, all put back afterwards."""
        async with self._connection.channel() as channel:
            queue = await channel.declare_queue(self.name(consumer), passive=True)
            held = await _take(queue, limit)
            try:
                return [describe(message) for message in held]
            finally:
                for message in held:
                    await message.nack(requeue=True)

    async def replay(self, consumer: str, *, limit: int) -> ReplayResult:
        """Move up to `limit` messages back to their original queue, confirmed, then ack them."""
        result = ReplayResult()
        async with self._connection.channel(on_return_raises=True) as channel:
            queue = await channel.declare_queue(self.name(consumer), passive=True)
            # Only what is parked now: a replayed message that fails again is parked behind these.
            budget = min(limit, _message_count(queue))
            kept: list[AbstractIncomingMessage] = []
            try:
                for message in await _take(queue, budget):
                    target = original_queue(message.headers)
                    if target is None:
                        kept.append(message)
                        result.left.append(f"{message.message_id}: no original queue recorded")
                        continue
                    try:
                        await channel.default_exchange.publish(
                            replayed(message), routing_key=target, mandatory=True
                        )
                    except DeliveryError:
                        kept.append(message)
                        result.left.append(f"{message.message_id}: queue {target} does not exist")
                        continue
                    await message.ack()
                    result.moved += 1
            finally:
                for message in kept:
                    await message.nack(requeue=True)
        return result

    async def purge(self, consumer: str) -> int:
        """Delete every message in a consumer's parking queue; returns how many."""
        async with self._connection.channel() as channel:
            queue = await channel.declare_queue(self.name(consumer), passive=True)
            purged = await queue.purge()
        return int(purged.message_count or 0) if purged else 0


def describe(message: AbstractIncomingMessage) -> ParkedMessage:
    headers = message.headers or {}
    death = _first_death(headers)
    count = death.get("count")
    return ParkedMessage(
        message_id=message.message_id,
        error_type=_text(headers.get("x-error-type")),
        error_message=_text(headers.get("x-error-message")),
        original_queue=original_queue(headers),
        parked_at=_text(headers.get("x-parked-at")),
        death_reason=_text(death.get("reason")),
        death_count=int(count) if isinstance(count, int) else None,
    )


def original_queue(headers: Mapping[str, Any] | None) -> str | None:
    """Where the message came from: our header, else the broker's latest x-death entry."""
    headers = headers or {}
    return _text(headers.get("x-original-queue")) or _text(_first_death(headers).get("queue"))


def replayed(message: AbstractIncomingMessage) -> aio_pika.Message:
    """A persistent copy of a parked message: same id, body and type; failure headers dropped."""
    headers = {
        key: value
        for key, value in (message.headers or {}).items()
        if key not in FAILURE_HEADERS and not key.startswith(FAILURE_HEADER_PREFIXES)
    }
    return aio_pika.Message(
        message.body,
        headers=headers,
        content_type=message.content_type,
        content_encoding=message.content_encoding,
        correlation_id=message.correlation_id,
        message_id=message.message_id,
        type=message.type,
        timestamp=message.timestamp,
        app_id=message.app_id,
        delivery_mode=DeliveryMode.PERSISTENT,
    )


async def _take(queue: AbstractQueue, limit: int) -> list[AbstractIncomingMessage]:
    held: list[AbstractIncomingMessage] = []
    while len(held) < limit:
        message = await queue.get(no_ack=False, fail=False)
        if message is None:
            break
        held.append(message)
    return held


def _message_count(queue: AbstractQueue) -> int:
    return int(queue.declaration_result.message_count or 0)


def _first_death(headers: Mapping[str, Any]) -> Mapping[str, Any]:
    deaths = headers.get("x-death")
    if isinstance(deaths, list) and deaths and isinstance(deaths[0], Mapping):
        return deaths[0]
    return {}


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bytes | bytearray):
        return bytes(value).decode(errors="replace")
    return str(value)
