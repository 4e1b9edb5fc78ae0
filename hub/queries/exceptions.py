"""Reads of exception reports (异常上报): the open ones with their age, or one report."""

from __future__ import annotations

from hub.domain.exception_report import ExceptionReport, ReportState
from hub.ports import FIRST_PAGE, Page, UnitOfWorkFactory


class ExceptionQueries:
    """Exception reports as supervisors and technicians see them."""

    def __init__(self, uow: UnitOfWorkFactory) -> None:
        self._uow = uow

    async def list(
        self,
        *,
        state: ReportState = ReportState.OPEN,
        order_id: str | None = None,
        page: Page = FIRST_PAGE,
    ) -> list[ExceptionReport]:
        """Oldest first."""
        async with self._uow.read() as uow:
            return await uow.exceptions.list(state=state, order_id=order_id, page=page)

    async def get(self, report_id: str) -> ExceptionReport:
        """The report, or `NotFound`."""
        async with self._uow.read() as uow:
            return await uow.exceptions.get(report_id)
