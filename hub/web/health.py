"""Probes of what the hub depends on: the database, the broker and the depth of its queues."""

from __future__ import annotations

import asyncio

import aio_pika
import structlog
from aio_pika.abc import AbstractChannel, AbstractConnection
from pydantic import BaseModel, Field
from sqlalchemy import text

from hub.bootstrap import Hub
from hub.db.work_orders import WorkOrderRepository
from hub.domain.work_order import Status
from hub.messaging.declare import ALL_CONSUMERS

log = structlog.get_logger(__name__)

PROBE_TIMEOUT_S = 2.0
OK = "ok"


class QueueDepth(BaseModel):
    messages: int
    consumers: int


class ConsumerQueues(BaseModel):
    """One consumer's work queue and parking queue; counts are null if the queue is missing."""

    consumer: str
    queue: str
    messages: int | None = Field(description="Messages waiting in the work queue")
    consumers: int | None = Field(description="Processes consuming the work queue")
    parking_queue: str
    parked: int | None = Field(description="Messages waiting for a person (`hub dlq`)")


class RetryQueue(BaseModel):
    queue: str
    delay_ms: int
    messages: int | None


class OpsSummary(BaseModel):
    """What an operator checks first: order flow, outbox backlog and queue health."""

    database: str = Field(description="`ok`, or why the database could not be read")
    broker: str = Field(description="`ok`, or why the queue depths could not be read")
    orders_by_status: dict[str, int]
    outbox_backlog: int | None = Field(description="Outbox rows not yet confirmed by the broker")
    consumers: list[ConsumerQueues]
    retry_queues: list[RetryQueue]


async def check_database(hub: Hub) -> str:
    """`ok` if `SELECT 1` answers within the probe timeout."""
    try:
        async with asyncio.timeout(PROBE_TIMEOUT_S), hub.db.read() as conn:
            await conn.execute(text("SELECT 1"))
    except Exception as exc:
        log.warning("database probe failed", error=repr(exc))
        return _reason(exc)
    return OK


async def check_broker(hub: Hub) -> str:
    """`ok` if the hub's broker connection is up."""
    try:
        up = await hub.broker.ping(timeout=PROBE_TIMEOUT_S)
    except Exception as exc:
        log.warning("broker probe failed", error=repr(exc))
        return _reason(exc)
    return OK if up else "unreachable"


async def collect_summary(hub: Hub) -> OpsSummary:
    """Order counts, outbox backlog and queue depths, each part failing on its own."""
    topo = hub.topology
    names = [topo.queue_name(c) for c in ALL_CONSUMERS]
    names += [topo.parking_queue(c).name for c in ALL_CONSUMERS]
    names += [topo.retry_queue(d).name for d in topo.retry_delays_ms]
    (database, counts, backlog), (broker, depths) = await asyncio.gather(
        _database_part(hub), _broker_part(hub.settings.amqp_url, names)
    )

    def count(name: str, attr: str) -> int | None:
        depth = depths.get(name)
        return None if depth is None else int(getattr(depth, attr))

    consumers = [
        ConsumerQueues(
            consumer=c,
            queue=topo.queue_name(c),
            messages=count(topo.queue_name(c), "messages"),
            consumers=count(topo.queue_name(c), "consumers"),
            parking_queue=topo.parking_queue(c).name,
            parked=count(topo.parking_queue(c).name, "messages"),
        )
        for c in ALL_CONSUMERS
    ]
    retries = [
        RetryQueue(
            queue=topo.retry_queue(d).name,
            delay_ms=d,
            messages=count(topo.retry_queue(d).name, "messages"),
        )
        for d in topo.retry_delays_ms
    ]
    return OpsSummary(
        database=database,
        broker=broker,
        orders_by_status=counts,
        outbox_backlog=backlog,
        consumers=consumers,
        retry_queues=retries,
    )


async def _database_part(hub: Hub) -> tuple[str, dict[str, int], int | None]:
    try:
        async with asyncio.timeout(PROBE_TIMEOUT_S):
            async with hub.db.read() as conn:
                by_status = await WorkOrderRepository(conn).count_by_status()
            backlog = await hub.relay.backlog()
    except Exception as exc:
        log.warning("ops summary: database unavailable", error=repr(exc))
        return _reason(exc), {s.value: 0 for s in Status}, None
    return OK, {s.value: by_status.get(s.value, 0) for s in Status}, backlog


async def _broker_part(url: str, names: list[str]) -> tuple[str, dict[str, QueueDepth]]:
    try:
        async with asyncio.timeout(PROBE_TIMEOUT_S * 2):
            return OK, await queue_depths(url, names)
    except Exception as exc:
        log.warning("ops summary: broker unavailable", error=repr(exc))
        return _reason(exc), {}


async def queue_depths(url: str, names: list[str]) -> dict[str, QueueDepth]:
    """Depth of each existing queue via passive declares on a short-lived connection.

    A passive declare of a missing queue closes its channel, so a fresh one is opened then;
    missing queues are left out of the result. The hub's own channels are never touched.
    """
    depths: dict[str, QueueDepth] = {}
    connection: AbstractConnection = await aio_pika.connect(url, timeout=PROBE_TIMEOUT_S)
    async with connection:
        channel: AbstractChannel = await connection.channel()
        for name in names:
            try:
                queue = await channel.declare_queue(name, passive=True)
            except aio_pika.exceptions.ChannelClosed:
                channel = await connection.channel()
                continue
            declared = queue.declaration_result
            depths[name] = QueueDepth(
                messages=declared.message_count or 0, consumers=declared.consumer_count or 0
            )
    return depths


def _reason(exc: BaseException) -> str:
    if isinstance(exc, TimeoutError):
        return "timed out"
    return f"unreachable ({type(exc).__name__})"
