"""Retry wait queues are quorum queues now; an older hub's classic ones are replaced at start."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aio_pika
import pytest

from hub.bootstrap import bootstrap
from hub.config import Settings
from hub.messaging.declare import replace_classic_wait_queues
from hub.runtime import Runtime
from tests import services

pytestmark = pytest.mark.integration


@pytest.fixture
async def own_prefix(settings: Settings, vhost: str) -> AsyncIterator[Settings]:
    """The test's own queue prefix: it declares queues the shared topology must not see."""
    mine = settings.model_copy(update={"queue_prefix": f"{settings.queue_prefix}mig."})
    yield mine
    await services.delete_by_prefix(vhost, mine.queue_prefix)


def _types(vhost: str, prefix: str) -> dict[str, str]:
    out = services.rabbitmqctl(
        "list_queues", "-q", "--no-table-headers", "-p", vhost, "name", "type"
    )
    rows = (line.split() for line in out.splitlines())
    return {name: kind for name, kind in rows if name.startswith(f"{prefix}retry.")}


async def _declare_as_an_older_hub_did(settings: Settings, delay_ms: int) -> None:
    connection = await aio_pika.connect(settings.amqp_urls[0], timeout=10)
    async with connection:
        channel = await connection.channel()
        await channel.declare_queue(
            f"{settings.queue_prefix}retry.{delay_ms}ms",
            durable=True,
            arguments={
                "x-queue-type": "classic",
                "x-message-ttl": delay_ms,
                "x-dead-letter-exchange": "",
            },
        )


async def test_the_hub_starts_over_an_older_hubs_classic_wait_queues_and_makes_them_quorum(
    own_prefix: Settings, vhost: str
) -> None:
    settings = own_prefix
    for delay in settings.retry_delays_ms:
        await _declare_as_an_older_hub_did(settings, delay)
    assert set(_types(vhost, settings.queue_prefix).values()) == {"classic"}

    runtime = Runtime(bootstrap(settings))
    await runtime.start()
    await runtime.stop()

    types = _types(vhost, settings.queue_prefix)
    assert len(types) == len(settings.retry_delays_ms)
    assert set(types.values()) == {"quorum"}


async def test_quorum_wait_queues_are_left_alone(own_prefix: Settings, vhost: str) -> None:
    runtime = Runtime(bootstrap(own_prefix))
    await runtime.start()
    await runtime.stop()
    topology = runtime.hub.topology
    assert await replace_classic_wait_queues(own_prefix.amqp_urls, topology) == []
