"""Work orders for the HTTP layer: run commands exactly as the AMQP consumers do; read orders."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Collection
from functools import partial

from hub.bootstrap import Hub
from hub.db.work_orders import FlowLogRepository, WorkOrderRepository
from hub.domain.work_order import Command, Status, WorkOrder
from hub.handlers.work_orders import apply_command, create_work_order
from schemas.v1 import CreateWorkOrder, FlowLogEntry


def message_id_for(order_id: str, idempotency_key: str | None) -> str:
    """The inbox id of a request: derived from its Idempotency-Key, else unique.

    The key is scoped to the order, so a client that reuses a key for another order does not
    have that request silently swallowed; hashing keeps the id inside the inbox column.
    """
    if idempotency_key is None:
        return f"http-{uuid.uuid4().hex}"
    digest = hashlib.sha256(f"{order_id}\n{idempotency_key}".encode()).hexdigest()
    return f"http-{digest[:48]}"


async def run_command(
    hub: Hub, consumer: str, command: Command, *, idempotency_key: str | None
) -> bool:
    """Apply a lifecycle command in one transaction (state + flow log + outbox); False if replayed.

    Nothing is published here: the outbox relay publishes after commit, as for AMQP commands.
    """
    handler = partial(apply_command, radius_m=hub.settings.check_in_radius_m)
    message_id = message_id_for(command.order_id, idempotency_key)
    return await hub.processor.run(consumer, message_id, command, handler)


async def run_create(hub: Hub, command: CreateWorkOrder, *, idempotency_key: str | None) -> bool:
    """Open an order through the same handler as the `workorder.create` consumer."""
    message_id = message_id_for(command.order_id, idempotency_key)
    return await hub.processor.run("workorder.create", message_id, command, create_work_order)


async def find_order(hub: Hub, order_id: str) -> WorkOrder | None:
    """Read an order without taking the write lock."""
    async with hub.db.read() as conn:
        return await WorkOrderRepository(conn).find(order_id)


async def order_with_flow_log(
    hub: Hub, order_id: str
) -> tuple[WorkOrder | None, list[FlowLogEntry]]:
    """An order and its flow log, read in one connection."""
    async with hub.db.read() as conn:
        order = await WorkOrderRepository(conn).find(order_id)
        entries = await FlowLogRepository(conn).list(order_id) if order else []
    return order, entries


async def technician_orders(
    hub: Hub, technician_id: str, *, statuses: Collection[Status]
) -> list[WorkOrder]:
    """Orders dispatched to a technician, earliest appointment first."""
    async with hub.db.read() as conn:
        return await WorkOrderRepository(conn).list_for_technician(technician_id, statuses=statuses)
