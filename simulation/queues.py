"""The simulated parties' own queues: one durable quorum queue per reaction, named `sim.*`."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, Protocol, TypeVar, cast

from faststream import AckPolicy
from faststream.rabbit import QueueType, RabbitQueue, RabbitRouter
from pydantic import BaseModel

from hub.messaging.topology import Topology

Handler = TypeVar("Handler", bound=Callable[..., Awaitable[Any]])


class Subscribe(Protocol):
    """A decorator that subscribes a handler and returns it."""

    def __call__(self, handler: Handler, /) -> Handler: ...


def sim_queue(topology: Topology, name: str) -> str:
    """The full name of the simulation's queue `name` (under the hub's queue prefix)."""
    return f"{topology.prefix}sim.{name}"


def sim_subscriber(
    router: RabbitRouter, topology: Topology, name: str, model: type[BaseModel]
) -> Subscribe:
    """A subscriber decorator on `router` for `model`'s messages, on queue `sim.<name>`.

    A handler that raises is nacked and requeued, as an outside system would retry.
    """
    queue = RabbitQueue(
        sim_queue(topology, name),
        queue_type=QueueType.QUORUM,
        durable=True,
        routing_key=topology.route(model),
    )
    subscriber = router.subscriber(queue, topology.bus, ack_policy=AckPolicy.NACK_ON_ERROR)
    return cast("Subscribe", subscriber)
