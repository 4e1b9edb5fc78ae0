"""The outbox relay: publishes committed outbox rows, confirmed and persistent, then marks them.

Rows of a message type that has a redactor keep only the redacted body once published (the same
UPDATE sets `sent_at`): nothing reads published rows, and some bodies must not stay in the
database in plaintext (an SMS text carries signing links and one-time codes, S1).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

import structlog
from sqlalchemy import Select, bindparam, func, select, update
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncConnection

from hub.db.engine import Database
from hub.db.tables import outbox
from hub.db.uow import utc_now
from hub.metrics import Metrics
from hub.ports import Clock

log = structlog.get_logger(__name__)

MAX_BACKOFF_S = 60.0


@dataclass(frozen=True, slots=True)
class OutboxMessage:
    """One row ready to publish."""

    id: str
    exchange: str
    routing_key: str
    message_type: str
    body: str
    correlation_id: str | None
    attempts: int


Publish = Callable[[OutboxMessage], Awaitable[None]]
Redactor = Callable[[str], str]
"""A published row's body → what the row keeps of it."""


class OutboxRelay:
    """Moves outbox rows to the broker; several relays on PostgreSQL never take the same row."""

    def __init__(
        self,
        db: Database,
        publish: Publish,
        *,
        metrics: Metrics,
        batch_size: int = 200,
        lanes: int = 1,
        poll_interval_s: float = 0.25,
        clock: Clock = utc_now,
        redactors: Mapping[str, Redactor] | None = None,
    ) -> None:
        self._db = db
        self._redactors = dict(redactors or {})  # by message type
        self._publish = publish
        self._metrics = metrics
        self._batch_size = batch_size
        self._lanes = lanes
        self._poll_interval_s = poll_interval_s
        self._clock = clock
        self._wake = asyncio.Event()

    def wake(self) -> None:
        """Called after a commit that wrote outbox rows: publish now, not at the next poll."""
        self._wake.set()

    async def run(self, stop: asyncio.Event) -> None:
        """Relay until `stop` is set; errors are logged and retried, never fatal.

        On PostgreSQL `lanes` batches are in flight at once (each locks its rows with SKIP
        LOCKED, so no row goes out twice): while one waits for the broker's confirms, the next
        is read and published. SQLite relays one batch at a time.
        """
        lanes = 1 if self._db.is_sqlite else self._lanes
        await asyncio.gather(*(self._lane(stop) for _ in range(lanes)))

    async def _lane(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            # Cleared before the rows are read, not after: a commit that lands while this
            # round publishes (its rows not read) wakes the next round at once. Cleared after,
            # that wake was lost and its rows waited for the poll interval (~250 ms a hop).
            self._wake.clear()
            try:
                sent = await self.relay_once()
            except Exception:
                log.exception("outbox relay cycle failed")
                sent = 0
            if sent >= self._batch_size:
                continue
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self._poll_interval_s)

    async def relay_once(self) -> int:
        """Publish one batch; returns how many rows were confirmed by the broker."""
        if self._db.is_sqlite:
            return await self._relay_sqlite()
        return await self._relay_locked()

    async def backlog(self) -> int:
        async with self._db.read() as conn:
            count = await conn.scalar(
                select(func.count()).select_from(outbox).where(outbox.c.sent_at.is_(None))
            )
        return int(count or 0)

    async def _relay_locked(self) -> int:
        # Rows stay locked (FOR UPDATE SKIP LOCKED) while they are published, so a second relay
        # picks other rows: no row is published twice by two relays.
        async with self._db.engine.begin() as conn:
            rows = (
                await conn.execute(self._pending_query().with_for_update(skip_locked=True))
            ).all()
            if not rows:
                return 0
            messages = [_to_message(row) for row in rows]
            ok, failed = await self._publish_all(messages)
            await self._mark(conn, ok, failed)
        return len(ok)

    async def _relay_sqlite(self) -> int:
        async with self._db.read() as conn:
            rows = (await conn.execute(self._pending_query())).all()
        if not rows:
            return 0
        messages = [_to_message(row) for row in rows]
        ok, failed = await self._publish_all(messages)
        async with self._db.write() as conn:
            await self._mark(conn, ok, failed)
        return len(ok)

    def _pending_query(self) -> Select[tuple[object, ...]]:
        return (
            select(outbox)
            .where(outbox.c.sent_at.is_(None), outbox.c.available_at <= self._clock())
            .order_by(outbox.c.available_at)
            .limit(self._batch_size)
        )

    async def _publish_all(
        self, messages: list[OutboxMessage]
    ) -> tuple[list[OutboxMessage], list[tuple[OutboxMessage, str]]]:
        results = await asyncio.gather(
            *(self._publish(m) for m in messages), return_exceptions=True
        )
        ok: list[OutboxMessage] = []
        failed: list[tuple[OutboxMessage, str]] = []
        for message, result in zip(messages, results, strict=True):
            if isinstance(result, BaseException):
                failed.append((message, f"{type(result).__name__}: {result}"[:500]))
            else:
                ok.append(message)
        self._metrics.outbox_published.inc(len(ok))
        if failed:
            self._metrics.outbox_publish_failures.inc(len(failed))
            log.warning(
                "outbox publish failed",
                count=len(failed),
                first_error=failed[0][1],
                first_routing_key=failed[0][0].routing_key,
            )
        return ok, failed

    async def _mark(
        self,
        conn: AsyncConnection,
        ok: list[OutboxMessage],
        failed: list[tuple[OutboxMessage, str]],
    ) -> None:
        now = self._clock()
        execute = conn.execute
        await _mark_published(conn, ok, now=now, redactors=self._redactors)
        for message, error in failed:
            delay = min(MAX_BACKOFF_S, 0.5 * 2**message.attempts)
            await execute(
                update(outbox)
                .where(outbox.c.id == message.id)
                .values(
                    attempts=message.attempts + 1,
                    last_error=error,
                    available_at=now + timedelta(seconds=delay),
                )
            )


async def _mark_published(
    conn: AsyncConnection,
    published: list[OutboxMessage],
    *,
    now: datetime,
    redactors: Mapping[str, Redactor],
) -> None:
    """Set `sent_at`; a row with a redactor gets its redacted body in the same UPDATE."""
    redacted = [m for m in published if m.message_type in redactors]
    others = [m.id for m in published if m.message_type not in redactors]
    if others:
        await conn.execute(update(outbox).where(outbox.c.id.in_(others)).values(sent_at=now))
    if redacted:
        await conn.execute(
            update(outbox)
            .where(outbox.c.id == bindparam("row_id"))
            .values(sent_at=now, body=bindparam("redacted")),
            [{"row_id": m.id, "redacted": redactors[m.message_type](m.body)} for m in redacted],
        )


def _to_message(row: Row[tuple[object, ...]]) -> OutboxMessage:
    data = row._mapping
    return OutboxMessage(
        id=data["id"],
        exchange=data["exchange"],
        routing_key=data["routing_key"],
        message_type=data["message_type"],
        body=data["body"],
        correlation_id=data["correlation_id"],
        attempts=data["attempts"],
    )
