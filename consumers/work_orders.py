"""The work-order lifecycle: one quorum queue per command."""

from __future__ import annotations

from functools import partial

from faststream import AckPolicy
from faststream.rabbit import RabbitMessage, RabbitRouter

from hub.handlers import work_orders as handlers
from hub.messaging.processing import MessageProcessor
from hub.messaging.topology import Topology
from schemas.v1 import (
    ArchiveWorkOrder,
    CheckIn,
    CompleteWorkOrder,
    CreateWorkOrder,
    DispatchWorkOrder,
    VerifyCheckIn,
)


def work_order_router(
    topology: Topology, processor: MessageProcessor, *, radius_m: float
) -> RabbitRouter:
    router = RabbitRouter()
    apply = partial(handlers.apply_command, radius_m=radius_m)

    def subscriber(consumer: str, model: type) -> object:
        return router.subscriber(
            topology.work_queue(consumer, topology.route(model)),
            topology.bus,
            ack_policy=AckPolicy.REJECT_ON_ERROR,
            title=f"{topology.queue_name(consumer)}:{model.__name__}",
            description=model.__doc__,
        )

    @subscriber("workorder.create", CreateWorkOrder)  # type: ignore[operator]
    async def create_work_order(cmd: CreateWorkOrder, msg: RabbitMessage) -> None:
        await processor.run("workorder.create", msg.message_id, cmd, handlers.create_work_order)

    @subscriber("workorder.dispatch", DispatchWorkOrder)  # type: ignore[operator]
    async def dispatch_work_order(cmd: DispatchWorkOrder, msg: RabbitMessage) -> None:
        await processor.run("workorder.dispatch", msg.message_id, cmd, apply)

    @subscriber("workorder.check_in", CheckIn)  # type: ignore[operator]
    async def check_in(cmd: CheckIn, msg: RabbitMessage) -> None:
        await processor.run("workorder.check_in", msg.message_id, cmd, apply)

    @subscriber("workorder.complete", CompleteWorkOrder)  # type: ignore[operator]
    async def complete_work_order(cmd: CompleteWorkOrder, msg: RabbitMessage) -> None:
        await processor.run("workorder.complete", msg.message_id, cmd, apply)

    @subscriber("workorder.archive", ArchiveWorkOrder)  # type: ignore[operator]
    async def archive_work_order(cmd: ArchiveWorkOrder, msg: RabbitMessage) -> None:
        await processor.run("workorder.archive", msg.message_id, cmd, apply)

    @subscriber("workorder.verify_check_in", VerifyCheckIn)  # type: ignore[operator]
    async def verify_check_in(cmd: VerifyCheckIn, msg: RabbitMessage) -> None:
        await processor.run("workorder.verify_check_in", msg.message_id, cmd, apply)

    return router
