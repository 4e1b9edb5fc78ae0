"""Run a handler for one delivery: inbox claim + handler + outbox in one transaction.

Deliveries can also be committed in groups (`run_grouped`): the first goes at once, and those
that arrive while its transaction is under way share the next one. Each delivery still claims
its own inbox row and keeps its own result (a group claims its rows in one statement and reads
the work orders its messages name in one more): a group commits all of its deliveries or none, and
when any of them fails the group is rolled back and every delivery in it is run again alone, so
one bad message never takes another's effect with it. With one delivery in flight a group is
that delivery alone: nothing waits.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import structlog

from hub.errors import ConcurrencyConflict, InvalidMessage
from hub.metrics import Metrics
from hub.ports import UnitOfWork, UnitOfWorkFactory

log = structlog.get_logger(__name__)

M = TypeVar("M")
Handler = Callable[[M, UnitOfWork], Awaitable[None]]

CONFLICT_RETRIES = 5
MAX_GROUP = 64
"""Deliveries in one transaction at most (the hub's consumers prefetch 32 each)."""


@dataclass(slots=True)
class _Waiting:
    consumer: str
    message_id: str
    message: Any
    handler: Handler[Any]
    done: asyncio.Future[bool] = field(repr=False)


class MessageProcessor:
    """Gives every handler an exactly-once effect per (consumer, message id)."""

    def __init__(
        self, uow: UnitOfWorkFactory, *, metrics: Metrics, max_group: int = MAX_GROUP
    ) -> None:
        self._uow = uow
        self._metrics = metrics
        self._max_group = max_group
        self._waiting: list[_Waiting] = []
        self._committer: asyncio.Task[None] | None = None  # held: the loop keeps weak refs

    async def run(
        self, consumer: str, message_id: str | None, message: M, handler: Handler[M]
    ) -> bool:
        """Apply `handler` once; False if this message id was already processed."""
        message_id = _required(message_id)
        for attempt in range(1, CONFLICT_RETRIES + 1):
            try:
                async with self._uow() as uow:
                    if not await uow.inbox.claim(consumer, message_id):
                        self._suppressed(consumer)
                        return False
                    await handler(message, uow)
                    await uow.commit()
                    return True
            except ConcurrencyConflict:
                if attempt == CONFLICT_RETRIES:
                    raise
        raise AssertionError("unreachable")  # pragma: no cover

    async def run_grouped(
        self, consumer: str, message_id: str | None, message: M, handler: Handler[M]
    ) -> bool:
        """As `run`, in one transaction with the deliveries waiting beside it; returns once
        that transaction committed (or, if the group failed, once this delivery ran alone)."""
        done: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self._waiting.append(_Waiting(consumer, _required(message_id), message, handler, done))
        if self._committer is None or self._committer.done():
            self._committer = asyncio.create_task(self._commit_waiting(), name="group-commit")
        return await done

    async def _commit_waiting(self) -> None:
        """Commit what waits, group after group, until nothing does."""
        while self._waiting:
            taken = self._waiting[: self._max_group]
            del self._waiting[: self._max_group]
            # A delivery whose wait was cancelled (shutdown) is not acked: it comes back.
            group = [w for w in taken if not w.done.done()]
            if not group:
                continue
            self._metrics.transaction_group_size.observe(len(group))
            try:
                if len(group) == 1 or not await self._commit_together(group):
                    await self._run_each_alone(group)
            except BaseException:  # cancelled (shutdown): the deliveries come back redelivered
                for waiting in group:
                    waiting.done.cancel()
                raise

    async def _commit_together(self, group: list[_Waiting]) -> bool:
        """One transaction for the whole group; False (nothing kept) if any part failed."""
        try:
            async with self._uow() as uow:
                results = await uow.inbox.claim_many([(w.consumer, w.message_id) for w in group])
                to_run = [w for w, first in zip(group, results, strict=True) if first]
                await uow.orders.preload({o for w in to_run if (o := _order_of(w.message))})
                for w in to_run:
                    await w.handler(w.message, uow)
                await uow.commit()
        except Exception as exc:
            error = type(exc).__name__  # the type only: messages may name a customer
            log.info("group rolled back; its deliveries run alone", size=len(group), error=error)
            return False
        for w, claimed in zip(group, results, strict=True):
            if not claimed:
                self._suppressed(w.consumer)
            if not w.done.done():
                w.done.set_result(claimed)
        return True

    async def _run_each_alone(self, group: list[_Waiting]) -> None:
        for w in group:
            try:
                result = await self.run(w.consumer, w.message_id, w.message, w.handler)
            except Exception as exc:
                if not w.done.done():
                    w.done.set_exception(exc)
            else:
                if not w.done.done():
                    w.done.set_result(result)

    def _suppressed(self, consumer: str) -> None:
        self._metrics.duplicates_suppressed.labels(consumer).inc()
        log.info("duplicate delivery suppressed", consumer=consumer)


def _order_of(message: object) -> str | None:
    """The work order a message names, if it names one (most commands do: `order_id`)."""
    order_id = getattr(message, "order_id", None)
    return order_id if isinstance(order_id, str) else None


def _required(message_id: str | None) -> str:
    if not message_id:
        raise InvalidMessage("message has no message_id; every hub message needs one")
    return message_id
