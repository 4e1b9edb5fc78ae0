"""Outgoing SMS: one queue, sent exactly once per `sms_id`."""

from __future__ import annotations

from faststream import AckPolicy
from faststream.rabbit import RabbitRouter

from hub.handlers.sms import SmsService
from hub.messaging.topology import Topology
from schemas.v1 import SendSms


def notification_router(topology: Topology, sms: SmsService) -> RabbitRouter:
    router = RabbitRouter()

    @router.subscriber(
        topology.work_queue("sms.send", topology.route(SendSms)),
        topology.bus,
        ack_policy=AckPolicy.REJECT_ON_ERROR,
        title=f"{topology.queue_name('sms.send')}:SendSms",
        description=SendSms.__doc__,
    )
    async def send_sms(cmd: SendSms) -> None:
        await sms.send(cmd)

    return router
