"""Declared publishers, one per routing key, and the relay's publish function over them."""

from __future__ import annotations

from faststream.rabbit import RabbitBroker
from faststream.rabbit.publisher import RabbitPublisher

from hub.messaging.relay import OutboxMessage, Publish
from hub.messaging.topology import ROUTES, Topology


def declare_publishers(broker: RabbitBroker, topology: Topology) -> dict[str, RabbitPublisher]:
    """One declared publisher per routing key, so AsyncAPI lists every message the hub sends.

    Commands are mandatory: an unroutable command is a failure the relay retries and reports.
    Events are facts other systems may or may not subscribe to, so no subscriber is fine.
    """
    publishers: dict[str, RabbitPublisher] = {}
    for model, routing_key in ROUTES.items():
        publishers[routing_key] = broker.publisher(
            exchange=topology.bus,
            routing_key=routing_key,
            persist=True,
            mandatory=topology.is_command(routing_key),
            schema=model,
            title=f"{topology.bus.name}:{routing_key}",
            description=model.__doc__,
        )
    return publishers


def publish_via(publishers: dict[str, RabbitPublisher]) -> Publish:
    """The relay's publish: the row's own id as `message_id`, its type, persistent."""

    async def publish(message: OutboxMessage) -> None:
        await publishers[message.routing_key].publish(
            message.body.encode(),
            message_id=message.id,
            correlation_id=message.correlation_id,
            content_type="application/json",
            message_type=message.message_type,
        )

    return publish
