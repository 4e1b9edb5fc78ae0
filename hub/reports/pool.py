"""A small pool of render processes with a hard time limit per render.

    render(job) ─▶ a free place (signed copies first) ─▶ idle worker
        ─▶ answer within the limit ─▶ worker back to the pool
        ├─ no answer in time ────────▶ worker killed, replaced; the render raises
        │                              ReportRenderFailed
        └─ its memory peaked past max_rss_mb ─▶ answer kept, worker ended; a fresh one
                                               replaces it

`concurrent.futures.ProcessPoolExecutor` cannot kill one task, so the pool owns its processes
(`python -m hub.reports.worker`, no fork of the event loop's process, no re-import of the
caller's main module) and talks to each over its stdin and stdout.

Memory: a worker gives back what each render left (see `hub.reports.worker_memory`) and
reports its peak resident memory with every answer. One that went past `max_rss_mb` (a
report far larger than usual) is not reused, so nothing it grew to stays with the process.
"""

from __future__ import annotations

import asyncio
import contextlib
import pickle
import sys
from collections import deque
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import structlog

from hub.errors import ReportRenderFailed
from hub.reports.frames import HEADER, encode
from hub.reports.model import FetchRecord, RenderJob

log = structlog.get_logger(__name__)

STARTUP_TIMEOUT_S = 60.0
MAX_RSS_MB = 300  # issue 11: every hub process, render workers included, at most 300 MB RSS


@dataclass(frozen=True, slots=True)
class RenderResult:
    pdf: bytes
    fetches: list[FetchRecord]
    seconds: float
    peak_rss_mb: int  # the worker's most resident memory during this render


class _WorkerError(ReportRenderFailed):
    """The worker answered with an error (bad input); the worker itself is fine."""

    def __init__(self, message: str, *, peak_rss_mb: int) -> None:
        super().__init__(message)
        self.peak_rss_mb = peak_rss_mb


class _Slots:
    """A semaphore with two lines of waiters: the `first` line is served before the other.

    No starvation: a signed copy follows a plain render of the same order, so the first line
    never gets more work than the other line has already had."""

    def __init__(self, free: int) -> None:
        self._free = free
        self._lines: dict[bool, deque[asyncio.Future[None]]] = {True: deque(), False: deque()}

    @contextlib.asynccontextmanager
    async def taken(self, *, first: bool) -> AsyncIterator[None]:
        await self._acquire(first)
        try:
            yield
        finally:
            self._release()

    async def _acquire(self, first: bool) -> None:
        if self._free > 0 and not self._waiting():
            self._free -= 1
            return
        turn = asyncio.get_running_loop().create_future()
        self._lines[first].append(turn)
        try:
            await turn
        except asyncio.CancelledError:
            if turn.done() and not turn.cancelled():
                self._release()  # handed a place just as it was cancelled: pass it on
            else:
                with contextlib.suppress(ValueError):  # a release may have dropped it already
                    self._lines[first].remove(turn)
            raise

    def _waiting(self) -> bool:
        """Anyone still waiting (a cancelled waiter may sit in a line until its task runs)."""
        return any(not turn.done() for line in self._lines.values() for turn in line)

    def _release(self) -> None:
        for line in (self._lines[True], self._lines[False]):
            while line:
                turn = line.popleft()
                if not turn.done():
                    turn.set_result(None)  # the place goes straight to the waiter
                    return
        self._free += 1


class _Worker:
    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process

    @classmethod
    async def spawn(cls, memory_mb: int) -> _Worker:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "hub.reports.worker",
            str(memory_mb),
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
        )
        worker = cls(process)
        try:
            greeting = await asyncio.wait_for(worker.receive(), STARTUP_TIMEOUT_S)
        except BaseException:
            await worker.kill()
            raise
        if greeting != "ready":  # pragma: no cover
            await worker.kill()
            raise ReportRenderFailed("a report worker sent an unexpected greeting")
        return worker

    async def send(self, value: Any) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(encode(value))
        await self.process.stdin.drain()

    async def receive(self) -> Any:
        assert self.process.stdout is not None
        try:
            (size,) = HEADER.unpack(await self.process.stdout.readexactly(HEADER.size))
            return pickle.loads(await self.process.stdout.readexactly(size))
        except asyncio.IncompleteReadError as exc:
            raise ReportRenderFailed("the report worker died during a render") from exc

    async def kill(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            self.process.kill()
        await self.process.wait()

    async def stop(self) -> None:
        with contextlib.suppress(ConnectionError):
            await self.send(None)
        try:
            await asyncio.wait_for(self.process.wait(), 2)
        except TimeoutError:
            await self.kill()


class RenderPool:
    """`await pool.render(job)`, a job being report HTML or a `StampJob`; at most `workers`
    renders run at once.

    `memory_mb` is each worker's address-space limit (a render past it fails);
    `max_rss_mb` the resident memory past which a worker is replaced after its render.
    """

    def __init__(
        self,
        *,
        workers: int,
        timeout_s: float,
        memory_mb: int,
        max_rss_mb: int = MAX_RSS_MB,
        enabled: bool = True,
    ) -> None:
        self.enabled = enabled  # False in `hub web`: it never renders, so never spawns
        self.workers = workers
        self.timeout_s = timeout_s
        self.memory_mb = memory_mb
        self.max_rss_mb = max_rss_mb
        self.killed = 0
        self.retired = 0
        self._slots = _Slots(workers)
        self._idle: list[_Worker] = []

    async def start(self) -> None:
        """Spawn and warm every worker now (otherwise the first renders do it)."""
        if not self.enabled:
            return
        missing = self.workers - len(self._idle)
        self._idle += await asyncio.gather(*(_Worker.spawn(self.memory_mb) for _ in range(missing)))

    async def render(self, job: RenderJob, *, first: bool = False) -> RenderResult:
        """Render in the next free worker; `first` jobs (signed copies, which a billing start
        waits on) take a worker before any plain render that is waiting."""
        if not self.enabled:
            raise ReportRenderFailed("this process does not render reports; a worker does")
        async with self._slots.taken(first=first):
            worker = self._idle.pop() if self._idle else await _Worker.spawn(self.memory_mb)
            try:
                result = await self._run(worker, job)
            except _WorkerError as exc:
                await self._keep_or_retire(worker, exc.peak_rss_mb)  # it answered: healthy
                raise
            except BaseException:
                await asyncio.shield(worker.kill())  # timed out, died or cancelled mid-render
                raise
            await self._keep_or_retire(worker, result.peak_rss_mb)
            return result

    async def _keep_or_retire(self, worker: _Worker, peak_rss_mb: int) -> None:
        if peak_rss_mb <= self.max_rss_mb:
            self._idle.append(worker)
            return
        self.retired += 1
        log.info("report worker replaced", peak_rss_mb=peak_rss_mb, limit_mb=self.max_rss_mb)
        await asyncio.shield(worker.kill())  # it holds nothing; the next render starts a fresh one

    async def close(self) -> None:
        idle, self._idle = self._idle, []
        await asyncio.gather(*(w.stop() for w in idle), return_exceptions=True)

    async def _run(self, worker: _Worker, job: RenderJob) -> RenderResult:
        try:
            async with asyncio.timeout(self.timeout_s):
                await worker.send(job)
                answer = await worker.receive()
        except TimeoutError:
            self.killed += 1
            log.warning("report render timed out; worker killed", limit_s=self.timeout_s)
            raise ReportRenderFailed(
                f"report render exceeded {self.timeout_s:g} s and was stopped"
            ) from None
        except ConnectionError as exc:
            raise ReportRenderFailed("the report worker is gone") from exc
        if answer[0] == "ok":
            _, pdf, fetches, seconds, peak_rss_mb = answer
            return RenderResult(pdf=pdf, fetches=fetches, seconds=seconds, peak_rss_mb=peak_rss_mb)
        _, error_type, message, peak_rss_mb = answer
        raise _WorkerError(
            f"report render failed: {error_type}: {message}", peak_rss_mb=peak_rss_mb
        )
