"""Reads of appointments: an order's booking trail, the dispatcher's attention list, 履约率."""

from __future__ import annotations

from hub.domain.appointment import AppointmentChange, PunctualityFigure
from hub.domain.work_order import WorkOrder
from hub.ports import FIRST_PAGE, Grouping, Page, UnitOfWorkFactory


class AppointmentQueries:
    """Appointments as the dispatcher's console and the supervisor see them."""

    def __init__(self, uow: UnitOfWorkFactory) -> None:
        self._uow = uow

    async def history(self, order_id: str) -> list[AppointmentChange] | None:
        """Every booking and change of an order's visit, oldest first; None if no such order."""
        async with self._uow.read() as uow:
            if await uow.orders.find(order_id) is None:
                return None
            return await uow.appointments.history(order_id)

    async def needing_attention(self, *, page: Page = FIRST_PAGE) -> list[WorkOrder]:
        """Open orders not accepted in time, or moved often enough to flag the supervisor."""
        async with self._uow.read() as uow:
            return await uow.orders.needing_attention(page=page)

    async def punctuality(self, *, month: str, by: Grouping) -> list[PunctualityFigure]:
        """履约率 per technician or team in `month` (`2026-12`)."""
        async with self._uow.read() as uow:
            return await uow.appointments.punctuality(month=month, by=by)
