"""Outgoing SMS: one queue, each SMS sent exactly once per `sms_id`."""

from __future__ import annotations

from faststream.rabbit import RabbitRouter

from consumers.subscriber import flow_router
from hub.handlers.table import CommandTable
from hub.messaging.topology import Topology

CONSUMERS = ("sms.send",)


def notification_router(topology: Topology, table: CommandTable) -> RabbitRouter:
    return flow_router(topology, table, *CONSUMERS)
