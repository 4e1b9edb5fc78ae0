"""Reads of work orders: one order, its flow log, a technician's list, the reissue chain."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from hub.domain.work_order import Status, WorkOrder
from hub.ports import FIRST_PAGE, Page, UnitOfWorkFactory
from schemas.v1 import FlowLogEntry


@dataclass(frozen=True, slots=True)
class OrderWithLog:
    """An order and every line of its flow log (流水)."""

    order: WorkOrder
    flow_log: list[FlowLogEntry]


class OrderQueries:
    """Work orders as the web shows them."""

    def __init__(self, uow: UnitOfWorkFactory) -> None:
        self._uow = uow

    async def find(self, order_id: str) -> WorkOrder | None:
        async with self._uow.read() as uow:
            return await uow.orders.find(order_id)

    async def with_flow_log(self, order_id: str) -> OrderWithLog | None:
        """The order and its flow log, read together; None if there is no such order."""
        async with self._uow.read() as uow:
            order = await uow.orders.find(order_id)
            if order is None:
                return None
            return OrderWithLog(order, await uow.flow_log.list(order_id))

    async def for_technician(
        self, technician_id: str, *, statuses: Collection[Status], page: Page = FIRST_PAGE
    ) -> list[WorkOrder]:
        """Orders dispatched to a technician, earliest appointment first."""
        async with self._uow.read() as uow:
            return await uow.orders.list_for_technician(technician_id, statuses=statuses, page=page)

    async def chain(self, order: WorkOrder) -> list[OrderWithLog]:
        """From the first order of `order`'s reissue chain to the latest, each with its log."""
        async with self._uow.read() as uow:
            while order.reissued_from is not None:
                order = await uow.orders.get(order.reissued_from)
            chain = [OrderWithLog(order, await uow.flow_log.list(order.order_id))]
            while order.reissued_as is not None:
                order = await uow.orders.get(order.reissued_as)
                chain.append(OrderWithLog(order, await uow.flow_log.list(order.order_id)))
            return chain

    async def count_by_status(self) -> dict[str, int]:
        """Orders per status, every status present (zero if none)."""
        async with self._uow.read() as uow:
            counts = await uow.orders.count_by_status()
        return {s.value: counts.get(s.value, 0) for s in Status}
