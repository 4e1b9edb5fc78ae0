"""Declare what no subscriber declares: exchanges, parking queues and retry wait queues."""

from __future__ import annotations

from faststream.rabbit import RabbitBroker

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
