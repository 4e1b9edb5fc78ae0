"""Declare what no subscriber declares: exchanges, parking queues and retry wait queues."""

from __future__ import annotations

from faststream.rabbit import RabbitBroker

from hub.messaging.topology import Topology

ALL_CONSUMERS = (
    "workorder.create",
    "workorder.dispatch",
    "workorder.check_in",
    "workorder.complete",
    "workorder.archive",
    "workorder.verify_check_in",
    "sms.send",
    "support.orders",
    "support.flow_log",
    "support.archive",
    "support.reissue",
    "onsite.fiber_swap",
    "onsite.box_change",
    "workorder.return",
    "onsite.exception_report",
    "onsite.exception_resolve",
    "delivery.record_ping",
    "delivery.record_speed",
    "report.render",
    "delivery.report_signed",
    "delivery.attach_report",
    "email.send",
    "billing.start",
    "signing.send_link",
    "signing.remind",
)


async def declare_topology(broker: RabbitBroker, topology: Topology) -> None:
    """Idempotent: safe on every start of every process."""
    await broker.declare_exchange(topology.bus)
    dlx = await broker.declare_exchange(topology.dlx)
    retry = await broker.declare_exchange(topology.retry)
    for consumer in ALL_CONSUMERS:
        parking = topology.parking_queue(consumer)
        queue = await broker.declare_queue(parking)
        await queue.bind(dlx, routing_key=parking.routing_key)
    for delay in topology.retry_delays_ms:
        wait = topology.retry_queue(delay)
        queue = await broker.declare_queue(wait)
        await queue.bind(retry, routing_key="", arguments=wait.bind_arguments)
