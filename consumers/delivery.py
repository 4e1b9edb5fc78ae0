"""Delivery: test results, report rendering, the signed report's close-out, e-mail, billing."""

from __future__ import annotations

from faststream import AckPolicy
from faststream.rabbit import RabbitMessage, RabbitRouter

from hub.handlers.delivery_service import Delivery
from hub.messaging.topology import Topology
from schemas.v1 import (
    AttachSignedReport,
    RecordPingResult,
    RecordSpeedTest,
    RenderReport,
    ReportSigned,
    SendReportEmail,
    StartBilling,
)


def delivery_router(topology: Topology, delivery: Delivery) -> RabbitRouter:
    router = RabbitRouter()

    def subscriber(consumer: str, model: type) -> object:
        return router.subscriber(
            topology.work_queue(consumer, topology.route(model)),
            topology.bus,
            ack_policy=AckPolicy.REJECT_ON_ERROR,
            title=f"{topology.queue_name(consumer)}:{model.__name__}",
            description=model.__doc__,
        )

    @subscriber("delivery.record_ping", RecordPingResult)  # type: ignore[operator]
    async def record_ping(cmd: RecordPingResult, msg: RabbitMessage) -> None:
        await delivery.record_test(cmd, message_id=msg.message_id)

    @subscriber("delivery.record_speed", RecordSpeedTest)  # type: ignore[operator]
    async def record_speed(cmd: RecordSpeedTest, msg: RabbitMessage) -> None:
        await delivery.record_test(cmd, message_id=msg.message_id)

    @subscriber("report.render", RenderReport)  # type: ignore[operator]
    async def render_report(cmd: RenderReport) -> None:
        await delivery.render(cmd.order_id)

    @subscriber("delivery.report_signed", ReportSigned)  # type: ignore[operator]
    async def report_signed(event: ReportSigned, msg: RabbitMessage) -> None:
        await delivery.accept_signature(event, message_id=msg.message_id)

    @subscriber("delivery.attach_report", AttachSignedReport)  # type: ignore[operator]
    async def attach_report(cmd: AttachSignedReport, msg: RabbitMessage) -> None:
        await delivery.attach(cmd, message_id=msg.message_id)

    @subscriber("email.send", SendReportEmail)  # type: ignore[operator]
    async def send_report_email(cmd: SendReportEmail) -> None:
        await delivery.send_email(cmd)

    @subscriber("billing.start", StartBilling)  # type: ignore[operator]
    async def start_billing(cmd: StartBilling) -> None:
        await delivery.start_billing(cmd)

    return router
