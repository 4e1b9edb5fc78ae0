"""Declare what no subscriber declares: exchanges, parking queues and retry wait queues."""

from __future__ import annotations

import asyncio

import structlog
from aio_pika.abc import AbstractConnection
from aio_pika.exceptions import ChannelNotFoundEntity, ChannelPreconditionFailed
from faststream.rabbit import RabbitBroker, RabbitQueue

from hub.messaging.cluster import connect_first
from hub.messaging.subscriptions import ALL_CONSUMERS
from hub.messaging.topology import Topology

log = structlog.get_logger(__name__)


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


async def delete_topology(amqp_urls: tuple[str, ...], topology: Topology) -> int:
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


async def replace_classic_wait_queues(
    amqp_urls: tuple[str, ...],
    topology: Topology,
    *,
    drain_timeout_s: float = 60.0,
    attempt_timeout_s: float = 10.0,
) -> list[str]:
    """Delete the classic retry wait queues an older hub declared, so they come back as quorum.

    Redeclaring a queue as another type is refused (PRECONDITION_FAILED) and would stop the
    start. A classic wait queue empties itself (its messages leave after the queue's TTL), so
    one that still holds messages is waited for. Uses a connection of its own (a refused
    declare closes its channel); returns the names deleted.
    """
    replaced = []
    connection = await connect_first(amqp_urls, attempt_timeout_s=attempt_timeout_s)
    async with connection:
        for delay in topology.retry_delays_ms:
            wait = topology.retry_queue(delay)
            if await _is_classic(connection, wait):
                await _delete_when_empty(connection, wait.name, timeout_s=drain_timeout_s)
                replaced.append(wait.name)
                log.warning("classic retry wait queue replaced by a quorum queue", queue=wait.name)
    return replaced


async def _is_classic(connection: AbstractConnection, wait: RabbitQueue) -> bool:
    """Whether `wait` exists with other arguments than ours (an older hub's classic queue)."""
    channel = await connection.channel()
    try:
        await channel.declare_queue(wait.name, passive=True)
    except ChannelNotFoundEntity:
        return False  # not declared yet
    channel = await connection.channel()
    try:
        await channel.declare_queue(wait.name, durable=True, arguments=dict(wait.arguments or {}))
    except ChannelPreconditionFailed:
        return True
    await channel.close()
    return False


async def _delete_when_empty(
    connection: AbstractConnection, name: str, *, timeout_s: float
) -> None:
    deadline = asyncio.get_running_loop().time() + timeout_s
    while True:
        channel = await connection.channel()
        try:
            await channel.queue_delete(name, if_empty=True)
        except ChannelPreconditionFailed:  # not empty yet: its TTL sends them back soon
            if asyncio.get_running_loop().time() > deadline:
                raise
            await asyncio.sleep(1.0)
            continue
        await channel.close()
        return
