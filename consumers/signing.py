"""Signing: send a signing link by SMS, and remind the customer (a durable timer fires it)."""

from __future__ import annotations

from faststream import AckPolicy
from faststream.rabbit import RabbitMessage, RabbitRouter

from hub.messaging.topology import Topology
from hub.signing.service import SigningService
from schemas.v1 import RemindSigner, SendSigningLink


def signing_router(topology: Topology, signing: SigningService) -> RabbitRouter:
    router = RabbitRouter()

    def subscriber(consumer: str, model: type) -> object:
        return router.subscriber(
            topology.work_queue(consumer, topology.route(model)),
            topology.bus,
            ack_policy=AckPolicy.REJECT_ON_ERROR,
            title=f"{topology.queue_name(consumer)}:{model.__name__}",
            description=model.__doc__,
        )

    @subscriber("signing.send_link", SendSigningLink)  # type: ignore[operator]
    async def send_signing_link(cmd: SendSigningLink, msg: RabbitMessage) -> None:
        await signing.send_link(cmd.order_id, reissue=cmd.reissue, message_id=msg.message_id)

    @subscriber("signing.remind", RemindSigner)  # type: ignore[operator]
    async def remind_signer(cmd: RemindSigner, msg: RabbitMessage) -> None:
        await signing.remind(cmd, message_id=msg.message_id)

    return router
