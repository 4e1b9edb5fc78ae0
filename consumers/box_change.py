"""Optical-box change and return to dispatch (退单更改光箱号 / 退单)."""

from __future__ import annotations

from functools import partial

from faststream import AckPolicy
from faststream.rabbit import RabbitMessage, RabbitRouter

from hub.handlers.resource_change import ResourceChangeService
from hub.handlers.work_orders import apply_command
from hub.messaging.processing import MessageProcessor
from hub.messaging.topology import Topology
from schemas.v1 import ChangeOpticalBox, ReturnWorkOrder


def box_change_router(
    topology: Topology,
    changes: ResourceChangeService,
    processor: MessageProcessor,
    *,
    radius_m: float,
) -> RabbitRouter:
    router = RabbitRouter()
    apply = partial(apply_command, radius_m=radius_m)

    def subscriber(consumer: str, model: type) -> object:
        return router.subscriber(
            topology.work_queue(consumer, topology.route(model)),
            topology.bus,
            ack_policy=AckPolicy.REJECT_ON_ERROR,
            title=f"{topology.queue_name(consumer)}:{model.__name__}",
            description=model.__doc__,
        )

    @subscriber("onsite.box_change", ChangeOpticalBox)  # type: ignore[operator]
    async def change_box(cmd: ChangeOpticalBox) -> None:
        await changes.handle(cmd)

    @subscriber("workorder.return", ReturnWorkOrder)  # type: ignore[operator]
    async def return_work_order(cmd: ReturnWorkOrder, msg: RabbitMessage) -> None:
        await processor.run("workorder.return", msg.message_id, cmd, apply)

    return router
