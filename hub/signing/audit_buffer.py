"""Audit lines of page reads (GET), kept in memory and written in batches off the request path.

    GET /s/{t} ─▶ buffer.add(line)            (no database write in the request)
    every 0.5 s, or at 200 lines, or before a signing step writes ─▶ one transaction, all lines

Each line keeps the time of its request, so the trail reads in order whenever it is written.
A step that writes (a code, a signature) writes the waiting lines first (after a periodic
flush in flight), so the signed report's audit page holds every view this process answered
before the signature.
A clean stop writes what is left; a process killed outright loses at most the last half second
of read lines (never a code, a verification or a signature: those are written in the request).
"""

from __future__ import annotations

import asyncio
import contextlib

import structlog

from hub.ports import AuditEntry, UnitOfWorkFactory

log = structlog.get_logger(__name__)

FLUSH_INTERVAL_S = 0.5
BATCH_LINES = 200
MAX_WAITING = 50_000  # beyond this (database down for long) the oldest read lines are dropped


class AuditBuffer:
    """Read-side audit lines waiting to be written."""

    def __init__(self, uow: UnitOfWorkFactory, *, interval_s: float = FLUSH_INTERVAL_S) -> None:
        self._uow = uow
        self._interval_s = interval_s
        self._waiting: list[tuple[str, AuditEntry]] = []
        self._full = asyncio.Event()
        # One flush at a time: a step's flush waits for the periodic one in flight, so when it
        # returns, every line added before it was called is written (or back in the queue).
        self._flushing = asyncio.Lock()
        self.written = 0
        self.dropped = 0

    def add(self, order_id: str, entry: AuditEntry) -> None:
        """Keep a line for the next batch (never blocks, never touches the database)."""
        self._waiting.append((order_id, entry))
        if len(self._waiting) > MAX_WAITING:
            del self._waiting[0]
            self.dropped += 1
        if len(self._waiting) >= BATCH_LINES:
            self._full.set()

    @property
    def waiting(self) -> int:
        return len(self._waiting)

    async def flush(self) -> None:
        """Write the waiting lines in one transaction; on failure they wait for the next try.
        Returns once the lines added before the call are written, including those a flush
        already in flight took."""
        async with self._flushing:
            if not self._waiting:
                return
            lines, self._waiting = self._waiting, []
            try:
                async with self._uow() as uow:
                    await uow.signing.audit_lines(lines)
                    await uow.commit()
            except Exception:
                self._waiting[:0] = lines
                log.warning("audit lines not written yet; retried", lines=len(lines), exc_info=True)
                return
            self.written += len(lines)

    async def run(self, stop: asyncio.Event) -> None:
        """Write batches until `stop`, then what is left."""
        while not stop.is_set():
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self._interval_s):
                    await self._full.wait()
            self._full.clear()
            await self.flush()
        await self.flush()
