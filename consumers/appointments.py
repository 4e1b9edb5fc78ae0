"""Appointments: one quorum queue per command (book, accept, confirm, reschedule, two timers),
and the booking-call transcripts to check."""

from __future__ import annotations

from faststream.rabbit import RabbitRouter

from consumers.subscriber import flow_router
from hub.handlers.table import CommandTable
from hub.messaging.topology import Topology

CONSUMERS = (
    "appointment.book",
    "appointment.accept",
    "appointment.confirm",
    "appointment.reschedule",
    "appointment.verify_acceptance",
    "appointment.remind_confirmation",
    "appointment.send_visit_link",
    "appointment.customer_answer",
    "appointment.set_off",
    "calls.check_transcript",
)


def appointment_router(topology: Topology, table: CommandTable) -> RabbitRouter:
    return flow_router(topology, table, *CONSUMERS)
