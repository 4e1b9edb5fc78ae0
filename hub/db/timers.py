"""Durable timers: rows in the database that fire a message through the outbox when due."""

from __future__ import annotations

import builtins
import uuid
from datetime import datetime

from pydantic import BaseModel
from sqlalchemy import RowMapping, bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from hub.db.engine import Database
from hub.db.tables import timers
from hub.db.unwritten import UnwrittenRows
from hub.errors import IllegalTransition, NotFound
from hub.ports.records import Timer, TimerStatus
from schemas.v1.routing import MESSAGE_TYPES, message_type

_INSERT = timers.insert()
_CANCEL_PENDING = (
    update(timers)
    .where(timers.c.order_id == bindparam("for_order"))
    .where(timers.c.kind.in_(bindparam("kinds", expanding=True)))
    .where(timers.c.status == TimerStatus.PENDING.value)
    .values(status=TimerStatus.CANCELLED.value)
)


class TimerRepository:
    """Create, list, move and cancel timers; claim the due ones.

    New timers are written together, in one statement, by the next other call or `flush()`
    (the unit of work flushes before it commits): a dispatch sets three at once.
    """

    def __init__(self, conn: AsyncConnection, db: Database, *, now: datetime) -> None:
        self._conn = conn
        self._db = db
        self._now = now
        self._unwritten = UnwrittenRows(conn, _INSERT)

    async def flush(self) -> None:
        """Write the timers scheduled since the last flush."""
        await self._unwritten.flush()

    async def schedule(
        self, *, kind: str, due_at: datetime, message: BaseModel, order_id: str | None = None
    ) -> str:
        timer_id = uuid.uuid4().hex
        self._unwritten.add(
            {
                "id": timer_id,
                "kind": kind,
                "order_id": order_id,
                "due_at": due_at,
                "status": TimerStatus.PENDING.value,
                "message_type": message_type(type(message)),
                "body": message.model_dump_json(),
                "created_at": self._now,
            }
        )
        return timer_id

    async def cancel_pending(self, *kinds: str, order_id: str) -> int:
        """Cancel every pending timer of these kinds for an order (one statement); returns how
        many. Timers not yet written are written first if they are this order's (the others
        can wait for the commit: a group of dispatches writes all of its timers at once)."""
        if any(row["order_id"] == order_id for row in self._unwritten):
            await self.flush()
        result = await self._conn.execute(
            _CANCEL_PENDING, {"for_order": order_id, "kinds": list(kinds)}
        )
        return result.rowcount

    async def has_pending(self, *, kind: str, order_id: str) -> bool:
        query = (
            select(timers.c.id)
            .where(timers.c.kind == kind, timers.c.order_id == order_id)
            .where(timers.c.status == TimerStatus.PENDING.value)
            .limit(1)
        )
        return (await self._conn.execute(query)).first() is not None

    async def list(self, *, status: TimerStatus | None = None, limit: int = 100) -> list[Timer]:
        await self.flush()
        query = select(timers).order_by(timers.c.due_at).limit(limit)
        if status is not None:
            query = query.where(timers.c.status == status.value)
        return [_to_timer(row) for row in (await self._conn.execute(query)).mappings()]

    async def get(self, timer_id: str) -> Timer:
        await self.flush()
        row = (
            (await self._conn.execute(select(timers).where(timers.c.id == timer_id)))
            .mappings()
            .first()
        )
        if row is None:
            raise NotFound(f"timer {timer_id} does not exist")
        return _to_timer(row)

    async def move(self, timer_id: str, due_at: datetime) -> Timer:
        await self._require_pending(timer_id, "move")
        await self._conn.execute(
            update(timers).where(timers.c.id == timer_id).values(due_at=due_at)
        )
        return await self.get(timer_id)

    async def cancel(self, timer_id: str) -> Timer:
        await self._require_pending(timer_id, "cancel")
        await self._conn.execute(
            update(timers).where(timers.c.id == timer_id).values(status=TimerStatus.CANCELLED.value)
        )
        return await self.get(timer_id)

    async def claim_due(self, limit: int) -> builtins.list[Timer]:
        """Pending timers due by now, marked fired (locked against other schedulers on PG)."""
        await self.flush()
        query = (
            select(timers)
            .where(timers.c.status == TimerStatus.PENDING.value, timers.c.due_at <= self._now)
            .order_by(timers.c.due_at)
            .limit(limit)
        )
        if not self._db.is_sqlite:
            query = query.with_for_update(skip_locked=True)
        due = [_to_timer(row) for row in (await self._conn.execute(query)).mappings()]
        if due:
            await self._conn.execute(
                update(timers)
                .where(timers.c.id.in_([t.id for t in due]))
                .values(status=TimerStatus.FIRED.value, fired_at=self._now)
            )
        return due

    async def _require_pending(self, timer_id: str, verb: str) -> None:
        timer = await self.get(timer_id)
        if timer.status is not TimerStatus.PENDING:
            raise IllegalTransition(f"cannot {verb} timer {timer_id}: it is {timer.status}")


def _to_timer(row: RowMapping) -> Timer:
    data = dict(row)
    model = MESSAGE_TYPES[data["message_type"]]
    return Timer(
        id=data["id"],
        kind=data["kind"],
        order_id=data["order_id"],
        due_at=data["due_at"],
        status=TimerStatus(data["status"]),
        message=model.model_validate_json(data["body"]),
        fired_at=data["fired_at"],
    )
