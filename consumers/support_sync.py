"""Write-back to the customer-support system (客保): order record, flow log, archive."""

from __future__ import annotations

from faststream import AckPolicy
from faststream.rabbit import RabbitRouter

from hub.handlers.support_sync import SupportSync
from hub.messaging.topology import Topology
from schemas.v1 import FlowLogEntry, WorkOrderArchived, WorkOrderCreated, WorkOrderReissued


def support_sync_router(topology: Topology, sync: SupportSync) -> RabbitRouter:
    router = RabbitRouter()

    def subscriber(consumer: str, model: type) -> object:
        return router.subscriber(
            topology.work_queue(consumer, topology.route(model)),
            topology.bus,
            ack_policy=AckPolicy.REJECT_ON_ERROR,
            title=f"{topology.queue_name(consumer)}:{model.__name__}",
            description=f"Mirror to the support system: {model.__doc__}",
        )

    @subscriber("support.orders", WorkOrderCreated)  # type: ignore[operator]
    async def register_order(event: WorkOrderCreated) -> None:
        await sync.register(event)

    @subscriber("support.flow_log", FlowLogEntry)  # type: ignore[operator]
    async def append_flow_log(entry: FlowLogEntry) -> None:
        await sync.append_flow_log(entry)

    @subscriber("support.archive", WorkOrderArchived)  # type: ignore[operator]
    async def archive(event: WorkOrderArchived) -> None:
        await sync.archive(event)

    @subscriber("support.reissue", WorkOrderReissued)  # type: ignore[operator]
    async def archive_reissued(event: WorkOrderReissued) -> None:
        await sync.archive_reissued(event)

    return router
