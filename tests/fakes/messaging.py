"""Fake outbox, inbox and durable timers (`hub.db.outbox`, `inbox`, `timers` in memory).

Messages go through JSON on the way in, as they do through the real outbox and timer rows, so
a model that does not survive its own serialization fails here as it would there; a message
type without a route is refused as the real outbox refuses it (KeyError).
"""

from __future__ import annotations

import builtins
import uuid
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime

from pydantic import BaseModel

from hub.errors import IllegalTransition, NotFound
from hub.ports import Timer, TimerStatus
from schemas.v1.routing import ROUTES
from tests.fakes.store import FakeStore, OutboxMessage


def _through_json(message: BaseModel) -> BaseModel:
    if type(message) not in ROUTES:  # the real outbox looks its routing key up: KeyError
        raise KeyError(type(message))
    return type(message).model_validate_json(message.model_dump_json())


class FakeOutbox:
    """`hub.ports.Outbox`: messages land in the store's outbox when the unit commits."""

    def __init__(self, tables: FakeStore) -> None:
        self._t = tables
        self.added = 0

    async def add(
        self,
        message: BaseModel,
        *,
        correlation_id: str | None = None,
        message_id: str | None = None,
    ) -> str:
        row_id = message_id or uuid.uuid4().hex
        self._t.outbox.append(OutboxMessage(_through_json(message), correlation_id, row_id))
        self.added += 1
        return row_id


class ReadOnlyOutbox:
    """The outbox of a read: nothing may be published from a read."""

    added = 0

    async def add(
        self,
        message: BaseModel,
        *,
        correlation_id: str | None = None,
        message_id: str | None = None,
    ) -> str:
        raise RuntimeError("a read-only unit of work cannot publish messages")


class FakeInbox:
    """`hub.ports.Inbox`: one row per (consumer, message id)."""

    def __init__(self, tables: FakeStore, *, now: datetime) -> None:
        self._t = tables
        self._now = now

    async def claim(self, consumer: str, message_id: str) -> bool:
        if (consumer, message_id) in self._t.inbox:
            return False
        self._t.inbox[consumer, message_id] = self._now
        return True

    async def claim_many(self, keys: Sequence[tuple[str, str]]) -> builtins.list[bool]:
        return [await self.claim(consumer, message_id) for consumer, message_id in keys]


class FakeTimers:
    """`hub.ports.Timers`: pending → fired (claimed when due) or cancelled."""

    def __init__(self, tables: FakeStore, *, now: datetime) -> None:
        self._t = tables
        self._now = now

    async def schedule(
        self, *, kind: str, due_at: datetime, message: BaseModel, order_id: str | None = None
    ) -> str:
        timer_id = uuid.uuid4().hex
        self._t.timers[timer_id] = Timer(
            id=timer_id,
            kind=kind,
            order_id=order_id,
            due_at=due_at,
            status=TimerStatus.PENDING,
            message=_through_json(message),
            fired_at=None,
        )
        return timer_id

    async def cancel_pending(self, *kinds: str, order_id: str) -> int:
        hits = [
            t
            for t in self._t.timers.values()
            if t.kind in kinds and t.order_id == order_id and t.status is TimerStatus.PENDING
        ]
        for timer in hits:
            self._t.timers[timer.id] = replace(timer, status=TimerStatus.CANCELLED)
        return len(hits)

    async def has_pending(self, *, kind: str, order_id: str) -> bool:
        return any(
            t.kind == kind and t.order_id == order_id and t.status is TimerStatus.PENDING
            for t in self._t.timers.values()
        )

    async def list(self, *, status: TimerStatus | None = None, limit: int = 100) -> list[Timer]:
        found = [t for t in self._t.timers.values() if status is None or t.status is status]
        return sorted(found, key=lambda t: t.due_at)[:limit]

    async def get(self, timer_id: str) -> Timer:
        timer = self._t.timers.get(timer_id)
        if timer is None:
            raise NotFound(f"timer {timer_id} does not exist")
        return timer

    async def move(self, timer_id: str, due_at: datetime) -> Timer:
        timer = await self._pending(timer_id, "move")
        self._t.timers[timer_id] = replace(timer, due_at=due_at)
        return self._t.timers[timer_id]

    async def cancel(self, timer_id: str) -> Timer:
        timer = await self._pending(timer_id, "cancel")
        self._t.timers[timer_id] = replace(timer, status=TimerStatus.CANCELLED)
        return self._t.timers[timer_id]

    async def claim_due(self, limit: int) -> builtins.list[Timer]:
        due = await self.list(status=TimerStatus.PENDING, limit=len(self._t.timers))
        claimed = [t for t in due if t.due_at <= self._now][:limit]
        for timer in claimed:
            self._t.timers[timer.id] = replace(timer, status=TimerStatus.FIRED, fired_at=self._now)
        return claimed

    async def _pending(self, timer_id: str, verb: str) -> Timer:
        timer = await self.get(timer_id)
        if timer.status is not TimerStatus.PENDING:
            raise IllegalTransition(f"cannot {verb} timer {timer_id}: it is {timer.status}")
        return timer
