"""Fires due timers: each becomes an outbox message in the same transaction that marks it fired."""

from __future__ import annotations

import asyncio
import contextlib

import structlog

from hub.metrics import Metrics
from hub.ports import UnitOfWorkFactory

log = structlog.get_logger(__name__)


class TimerScheduler:
    """Polls for due timers; several schedulers on PostgreSQL never fire the same timer twice."""

    def __init__(
        self, uow: UnitOfWorkFactory, *, metrics: Metrics, poll_interval_s: float, batch: int = 100
    ) -> None:
        self._uow = uow
        self._metrics = metrics
        self._poll_interval_s = poll_interval_s
        self._batch = batch

    async def fire_due(self) -> int:
        """Fire every due timer (one batch); returns how many fired."""
        async with self._uow() as uow:
            due = await uow.timers.claim_due(self._batch)
            for timer in due:
                await uow.outbox.add(
                    timer.message, message_id=f"timer-{timer.id}", correlation_id=timer.order_id
                )
            await uow.commit()
        self._metrics.timers_fired.inc(len(due))
        return len(due)

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                fired = await self.fire_due()
            except Exception:
                log.exception("timer scheduler cycle failed")
                fired = 0
            if fired >= self._batch:
                continue
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), self._poll_interval_s)
