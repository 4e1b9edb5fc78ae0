"""Run a handler for one delivery: inbox claim + handler + outbox in one transaction."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

import structlog

from hub.errors import ConcurrencyConflict, InvalidMessage
from hub.metrics import Metrics
from hub.ports import UnitOfWork, UnitOfWorkFactory

log = structlog.get_logger(__name__)

M = TypeVar("M")
Handler = Callable[[M, UnitOfWork], Awaitable[None]]

CONFLICT_RETRIES = 5


class MessageProcessor:
    """Gives every handler an exactly-once effect per (consumer, message id)."""

    def __init__(self, uow: UnitOfWorkFactory, *, metrics: Metrics) -> None:
        self._uow = uow
        self._metrics = metrics

    async def run(
        self, consumer: str, message_id: str | None, message: M, handler: Handler[M]
    ) -> bool:
        """Apply `handler` once; False if this message id was already processed."""
        if not message_id:
            raise InvalidMessage("message has no message_id; every hub message needs one")
        for attempt in range(1, CONFLICT_RETRIES + 1):
            try:
                async with self._uow() as uow:
                    if not await uow.inbox.claim(consumer, message_id):
                        self._metrics.duplicates_suppressed.labels(consumer).inc()
                        log.info("duplicate delivery suppressed", consumer=consumer)
                        return False
                    await handler(message, uow)
                    await uow.commit()
                    return True
            except ConcurrencyConflict:
                if attempt == CONFLICT_RETRIES:
                    raise
        raise AssertionError("unreachable")  # pragma: no cover
