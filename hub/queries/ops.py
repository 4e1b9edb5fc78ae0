"""What an operator checks first: is the database and broker up, order flow, queue health;
and what the hub has recorded, counted."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import structlog
from pydantic import BaseModel, Field

from hub.domain.work_order import Status
from hub.messaging.subscriptions import ALL_CONSUMERS
from hub.messaging.topology import Topology
from hub.ports.counts import Counts, HubCounts
from hub.ports.records import QueueDepth
from hub.queries.orders import OrderQueries

log = structlog.get_logger(__name__)

PROBE_TIMEOUT_S = 2.0
OK = "ok"


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


@dataclass(frozen=True, slots=True)
class Probes:
    """How to look at the hub's dependencies (wired by the composition root)."""

    database: Callable[[], Awaitable[None]]  # raises if the database does not answer
    broker: Callable[[], Awaitable[bool]]  # the process's own broker connection is up
    outbox_backlog: Callable[[], Awaitable[int]]
    queue_depths: Callable[[list[str]], Awaitable[dict[str, QueueDepth]]]


class OpsQueries:
    """Readiness checks and the ops summary; each part fails on its own, within a timeout."""

    def __init__(
        self,
        probes: Probes,
        orders: OrderQueries,
        *,
        counts: Counts,
        topology: Topology,
        consumers: bool,
    ) -> None:
        self._probes = probes
        self._orders = orders
        self._counts = counts
        self.topology = topology
        self.role = "worker + web" if consumers else "web"

    async def check_database(self) -> str:
        """`ok` if the database answers within the probe timeout."""
        try:
            async with asyncio.timeout(PROBE_TIMEOUT_S):
                await self._probes.database()
        except Exception as exc:
            log.warning("database probe failed", error=repr(exc))
            return reason(exc)
        return OK

    async def check_broker(self) -> str:
        """`ok` if the process's broker connection is up."""
        try:
            async with asyncio.timeout(PROBE_TIMEOUT_S):
                up = await self._probes.broker()
        except Exception as exc:
            log.warning("broker probe failed", error=repr(exc))
            return reason(exc)
        return OK if up else "unreachable"

    async def outbox_backlog(self) -> int:
        return await self._probes.outbox_backlog()

    async def counts(self, *, order_prefix: str = "") -> HubCounts:
        """The hub's records counted, for the orders whose id starts with `order_prefix`."""
        return await self._counts.counts(order_prefix=order_prefix)

    async def summary(self) -> OpsSummary:
        """Order counts, outbox backlog and queue depths."""
        topo = self.topology
        names = [topo.queue_name(c) for c in ALL_CONSUMERS]
        names += [topo.parking_queue(c).name for c in ALL_CONSUMERS]
        names += [topo.retry_queue(d).name for d in topo.retry_delays_ms]
        (database, counts, backlog), (broker, depths) = await asyncio.gather(
            self._database_part(), self._broker_part(names)
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

    async def _database_part(self) -> tuple[str, dict[str, int], int | None]:
        try:
            async with asyncio.timeout(PROBE_TIMEOUT_S):
                by_status = await self._orders.count_by_status()
                backlog = await self._probes.outbox_backlog()
        except Exception as exc:
            log.warning("ops summary: database unavailable", error=repr(exc))
            return reason(exc), {s.value: 0 for s in Status}, None
        return OK, by_status, backlog

    async def _broker_part(self, names: list[str]) -> tuple[str, dict[str, QueueDepth]]:
        try:
            async with asyncio.timeout(PROBE_TIMEOUT_S * 2):
                return OK, await self._probes.queue_depths(names)
        except Exception as exc:
            log.warning("ops summary: broker unavailable", error=repr(exc))
            return reason(exc), {}


def reason(exc: BaseException) -> str:
    """A short, secret-free reason for a failed probe."""
    if isinstance(exc, TimeoutError):
        return "timed out"
    return f"unreachable ({type(exc).__name__})"
