"""Every consumer of the hub parks what it cannot read, with a reason, and goes on.

R8 (`tests/chaos/test_schema_fuzzing.py`) fuzzes the seven work-order and SMS commands with
hundreds of bodies each. This covers the breadth instead: every queue the hub consumes (the
on-site, report, signing, close-out, billing and e-mail contracts included) gets the same five
unreadable bodies, and each must reach that queue's own parking queue with the error type, a
readable message and the queue it came from; nothing is retried, and the hub keeps working.
"""

from __future__ import annotations

import asyncio
from collections import Counter

import aio_pika
import pytest

from hub.bootstrap import Hub
from tests import factories
from tests.helpers import eventually, publish
from tests.on_site_harness import status_of

pytestmark = pytest.mark.integration

JSON = "application/json"
BAD_BODIES: dict[str, tuple[bytes, str]] = {
    "not-json": (b"{this is not json", JSON),
    "not-an-object": (b"[1, 2, 3]", JSON),
    "no-fields": (b"{}", JSON),
    "wrong-types": (b'{"order_id": 42, "technician_id": [], "sms_id": {"a": 1}}', JSON),
    "not-utf8": (b'{"order_id": "\xff\xfe"}', JSON),
}
MAX_ERROR_BYTES = 1024


def consumed_queues(hub: Hub) -> list[str]:
    return sorted(subscriber.queue.name for subscriber in hub.broker.subscribers)


async def test_every_consumer_parks_unreadable_bodies_with_a_reason_and_the_hub_goes_on(
    hub: Hub,
) -> None:
    queues = consumed_queues(hub)
    assert len(queues) >= 25, queues  # the lifecycle, on-site, delivery and signing consumers
    parked: dict[str, aio_pika.abc.AbstractIncomingMessage] = {}

    async def on_parked(message: aio_pika.abc.AbstractIncomingMessage) -> None:
        parked[message.message_id or ""] = message

    connection = await aio_pika.connect(hub.settings.amqp_url)
    async with connection:
        listen = await connection.channel()
        for queue in queues:
            parking = hub.topology.parking_queue(hub.topology.consumer_of(queue)).name
            await (await listen.get_queue(parking, ensure=False)).consume(on_parked, no_ack=True)
        send = await connection.channel(publisher_confirms=True)
        sent = {f"bad:{queue}:{kind}": queue for queue in queues for kind in BAD_BODIES}
        await asyncio.gather(
            *(
                send.default_exchange.publish(
                    aio_pika.Message(
                        body,
                        content_type=content_type,
                        message_id=f"bad:{queue}:{kind}",
                        delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
                    ),
                    routing_key=queue,
                    mandatory=True,
                )
                for queue in queues
                for kind, (body, content_type) in BAD_BODIES.items()
            )
        )

        async def all_parked() -> bool:
            return sent.keys() <= parked.keys()

        await eventually(all_parked, timeout=30, interval=0.2)

    for message_id, queue in sent.items():
        headers = parked[message_id].headers or {}
        error = str(headers.get("x-error-message", ""))
        assert headers.get("x-original-queue") == queue, (message_id, headers)
        assert headers.get("x-error-type"), (message_id, headers)
        assert error and len(error.encode()) <= MAX_ERROR_BYTES, (message_id, error)
        assert "\n" not in error, (message_id, error)
        assert "x-retry-attempt" not in headers, f"{message_id} was retried before parking"

    kinds = Counter(str((parked[m].headers or {}).get("x-error-type")) for m in sent)
    print(f"{len(sent)} bad bodies to {len(queues)} consumers, all parked: {dict(kinds)}")

    await publish(hub, factories.create_order("WO-AFTER-BAD"))

    async def still_working() -> bool:
        return await status_of(hub, "WO-AFTER-BAD") is not None

    await eventually(still_working, timeout=15)
