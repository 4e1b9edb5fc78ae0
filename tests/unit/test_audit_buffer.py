"""The audit buffer's promise to a signing step: when `flush()` returns, every line added
before the call is written, even if the runtime's background flush had already taken some of
them and was still in its transaction."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from types import SimpleNamespace

from hub.ports import AuditEntry
from hub.signing.audit_buffer import AuditBuffer


class SlowStorage:
    """A unit of work whose first transaction waits until the test lets it commit."""

    def __init__(self) -> None:
        self.committed: list[str] = []
        self.first_inside = asyncio.Event()
        self.let_first_commit = asyncio.Event()
        self._transactions = 0

    @asynccontextmanager
    async def __call__(self) -> AsyncIterator[SimpleNamespace]:
        self._transactions += 1
        first = self._transactions == 1
        pending: list[str] = []

        async def audit_lines(lines: list[tuple[str, AuditEntry]]) -> None:
            pending.extend(entry.kind for _, entry in lines)
            if first:
                self.first_inside.set()
                await self.let_first_commit.wait()

        async def commit() -> None:
            self.committed.extend(pending)

        yield SimpleNamespace(signing=SimpleNamespace(audit_lines=audit_lines), commit=commit)


def line(kind: str) -> AuditEntry:
    return AuditEntry(kind, datetime.now(UTC), "203.0.113.7", "test", {})


async def test_a_flush_returns_only_once_lines_taken_by_a_flush_in_flight_are_written() -> None:
    storage = SlowStorage()
    buffer = AuditBuffer(storage)  # type: ignore[arg-type]
    buffer.add("WO-1", line("link_fetched"))
    background = asyncio.create_task(buffer.flush())  # the runtime's periodic flush
    await storage.first_inside.wait()  # it took the line and is inside its transaction
    buffer.add("WO-1", line("report_viewed"))

    before_signing = asyncio.create_task(buffer.flush())  # a signing step, before it writes
    await asyncio.sleep(0.05)
    assert not before_signing.done(), "returned while the view lines were not written yet"

    storage.let_first_commit.set()
    await before_signing
    assert storage.committed == ["link_fetched", "report_viewed"]
    await background
    assert buffer.waiting == 0
