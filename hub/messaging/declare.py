"""Declare what no subscriber declares: exchanges, parking queues and retry wait queues."""

from __future__ import annotations

from collections.abc import Sequence

from faststream.rabbit import RabbitBroker

from hub.messaging.cluster import connect_first
from hub.messaging.subscriptions import ALL_CONSUMERS
from hub.messaging.topology import Topology


async def declare_topology(broker: RabbitBroker, topology: Topology) -> None:
    """Idempotent: safe on every start of every process."""
    await broker.declare_exchange(topology.bus)
    dlx = await broker.declare_exchange(topology.dlx)
    retry = await broker.declare_exchange(topology.retry)
    for consumer in ALL_CONSUMERS:
        parking = topology.parking_queue(consumer)
        queue = await broker.declare_queue(parking)
        await queue.bind(dlx, routing_key=parking.routing_key)
    for delay in topology.retry_delays_ms:
        wait = topology.retry_queue(delay)
        queue = await broker.declare_queue(wait)
        await queue.bind(retry, routing_key="", arguments=wait.bind_arguments)


async def delete_topology(amqp_urls: Sequence[str], topology: Topology) -> int:
    """Delete every queue and exchange of `topology` (a finished demo or benchmark run).

    Quorum queues left behind cost the broker file handles; enough of them stall it (README,
    "Operating RabbitMQ"). Uses a connection of its own; returns how many were deleted.
    """
    queues = [topology.queue_name(c) for c in ALL_CONSUMERS]
    queues += [topology.parking_queue(c).name for c in ALL_CONSUMERS]
    queues += [topology.retry_queue(d).name for d in topology.retry_delays_ms]
    exchanges = [topology.bus.name, topology.dlx.name, topology.retry.name]
    connection = await connect_first(amqp_urls, attempt_timeout_s=10)
    async with connection:
        channel = await connection.channel()
        for name in queues:
            await channel.queue_delete(name)
        for name in exchanges:
            await channel.exchange_delete(name)
    return len(queues) + len(exchanges)
