"""Exception reports (异常上报): report and resolve, each exactly once per message id."""

from __future__ import annotations

from faststream import AckPolicy
from faststream.rabbit import RabbitMessage, RabbitRouter

from hub.handlers.exception_reports import report_exception, resolve_exception
from hub.messaging.processing import MessageProcessor
from hub.messaging.topology import Topology
from schemas.v1 import ReportException, ResolveException


def exception_report_router(topology: Topology, processor: MessageProcessor) -> RabbitRouter:
    router = RabbitRouter()

    def subscriber(consumer: str, model: type) -> object:
        return router.subscriber(
            topology.work_queue(consumer, topology.route(model)),
            topology.bus,
            ack_policy=AckPolicy.REJECT_ON_ERROR,
            title=f"{topology.queue_name(consumer)}:{model.__name__}",
            description=model.__doc__,
        )

    @subscriber("onsite.exception_report", ReportException)  # type: ignore[operator]
    async def report(cmd: ReportException, msg: RabbitMessage) -> None:
        await processor.run("onsite.exception_report", msg.message_id, cmd, report_exception)

    @subscriber("onsite.exception_resolve", ResolveException)  # type: ignore[operator]
    async def resolve(cmd: ResolveException, msg: RabbitMessage) -> None:
        await processor.run("onsite.exception_resolve", msg.message_id, cmd, resolve_exception)

    return router
