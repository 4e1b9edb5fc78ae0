"""The one subscriber helper: a consumer's quorum queue → its handle in the command table.

Every subscriber is the same thin step: the typed message in (FastStream validates it against
the contract; an invalid one is parked by the failure policy), one handle call with the
delivery's message id, an explicit ack policy (ack on success, the failure policy settles the
rest). The queue, its title and description come from `hub.messaging.subscriptions`.
"""

from __future__ import annotations

from typing import Any

from faststream import AckPolicy
from faststream.rabbit import RabbitRouter

from hub.handlers.table import CommandTable
from hub.messaging.broker import delivery_message_id
from hub.messaging.subscriptions import subscription
from hub.messaging.topology import Topology

MIRROR_NOTE = "Mirror to the support system: "


def flow_router(topology: Topology, table: CommandTable, *consumers: str) -> RabbitRouter:
    """A router with one subscriber per named consumer."""
    router = RabbitRouter()
    for consumer in consumers:
        subscribe(router, topology, table, consumer)
    return router


def subscribe(router: RabbitRouter, topology: Topology, table: CommandTable, consumer: str) -> None:
    """Subscribe `consumer`'s queue on `router`, handing each message to its table entry."""
    sub = subscription(consumer)
    handle = table.handle(consumer)

    async def on_message(body: Any) -> None:
        await handle(body, delivery_message_id())

    # FastStream reads the message model from the annotation: the contract of this consumer.
    on_message.__annotations__ = {"body": sub.message, "return": None}
    on_message.__name__ = on_message.__qualname__ = consumer.replace(".", "_")
    description = sub.message.__doc__ or ""
    router.subscriber(
        topology.work_queue(consumer, sub.routing_key),
        topology.bus,
        ack_policy=AckPolicy.REJECT_ON_ERROR,
        title=f"{topology.queue_name(consumer)}:{sub.message.__name__}",
        description=f"{MIRROR_NOTE}{description}" if sub.mirror else description,
    )(on_message)
