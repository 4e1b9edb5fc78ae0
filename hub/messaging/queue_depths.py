"""Depth of the hub's queues, read with passive declares on a short-lived connection."""

from __future__ import annotations

import aio_pika
from aio_pika.abc import AbstractChannel

from hub.messaging.cluster import connect_first
from hub.ports.records import QueueDepth

PROBE_TIMEOUT_S = 2.0


async def queue_depths(urls: tuple[str, ...], names: list[str]) -> dict[str, QueueDepth]:
    """Depth of each existing queue; missing queues are left out of the result.

    A passive declare of a missing queue closes its channel, so a fresh one is opened then.
    The hub's own channels are never touched.
    """
    depths: dict[str, QueueDepth] = {}
    connection = await connect_first(urls, attempt_timeout_s=PROBE_TIMEOUT_S)
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
