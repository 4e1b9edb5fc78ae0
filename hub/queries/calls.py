"""Reads of checked booking calls: the review queue, one call, the checker's agreement."""

from __future__ import annotations

from hub.domain.call_review import Agreement, CheckedCall, ReviewState
from hub.ports import FIRST_PAGE, Page, UnitOfWorkFactory


class CallQueries:
    """Checked calls as the supervisor sees them."""

    def __init__(self, uow: UnitOfWorkFactory) -> None:
        self._uow = uow

    async def find(self, call_id: str) -> CheckedCall | None:
        async with self._uow.read() as uow:
            return await uow.calls.find(call_id)

    async def list(
        self, *, state: ReviewState | None = None, page: Page = FIRST_PAGE
    ) -> list[CheckedCall]:
        async with self._uow.read() as uow:
            return await uow.calls.list(state=state, page=page)

    async def agreement(self) -> Agreement:
        async with self._uow.read() as uow:
            return await uow.calls.agreement()
