"""Several copies of one hub process, kept running: `hub worker --processes N`, `hub web
--workers N`.

The parent starts N children (`python -m hub …` with the same settings), passes SIGINT/SIGTERM
on to them and waits for them to stop; a child that dies on its own is started again after a
pause that grows while it keeps dying. Children share the work through the broker (worker) or
one listening socket (web), and the database through PostgreSQL: SQLite has one writer per
file, so more than one process is refused there.
"""

from __future__ import annotations

import asyncio
import ctypes
import signal
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

import structlog

from hub.cli.console import fail
from hub.cli.signals import stop_on_signals
from hub.config import Settings

log = structlog.get_logger(__name__)

FIRST_PAUSE_S = 1.0
LONGEST_PAUSE_S = 30.0
STEADY_S = 60.0  # a child that ran this long before dying starts again without a long pause
STOP_TIMEOUT_S = 60.0


def require_shared_database(settings: Settings, processes: int, what: str) -> None:
    """Exit with the reason if `processes` copies cannot share this database."""
    if processes > 1 and settings.resolved_database_url.startswith("sqlite"):
        fail(
            f"{what} needs PostgreSQL for more than one process: SQLite has one writer per "
            "file (set HUB_DATABASE_URL=postgresql+asyncpg://…, or run one process)",
            code=2,
        )


@dataclass
class Child:
    """One copy: its command, the process now running it, and how often it died."""

    index: int
    argv: Sequence[str]
    pass_fds: tuple[int, ...] = ()
    proc: asyncio.subprocess.Process | None = None
    started_at: float = 0.0
    deaths: int = 0
    pause_s: float = field(default=FIRST_PAUSE_S)

    async def start(self) -> None:
        # Its own session: a Ctrl-C at the terminal reaches the supervisor only, which passes it
        # on once (a second signal would force the child out mid-message).
        self.proc = await asyncio.create_subprocess_exec(
            *self.argv,
            pass_fds=self.pass_fds,
            start_new_session=True,
            preexec_fn=_end_with_parent,
        )
        self.started_at = time.monotonic()
        log.info("process started", index=self.index, pid=self.proc.pid)

    def next_pause(self) -> float:
        """The wait before restarting a child that just died (longer while it keeps dying)."""
        if time.monotonic() - self.started_at >= STEADY_S:
            self.pause_s = FIRST_PAUSE_S
        else:
            self.pause_s = min(LONGEST_PAUSE_S, self.pause_s * 2) if self.deaths else self.pause_s
        return self.pause_s


def _end_with_parent() -> None:
    """In the child before exec: SIGTERM when the supervisor dies, even by `kill -9`."""
    pr_set_pdeathsig = 1
    ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGTERM)


def hub_argv(*args: str) -> list[str]:
    """`python -m hub ARGS` with this interpreter."""
    return [sys.executable, "-m", "hub", *args]


async def supervise(children: list[Child]) -> int:
    """Run the children until SIGINT/SIGTERM, restarting any that die; 0 if all stopped
    cleanly when asked."""
    stop = asyncio.Event()
    with stop_on_signals(stop):
        for child in children:
            await child.start()
        keepers = [asyncio.create_task(_keep(child, stop)) for child in children]
        await stop.wait()
        for child in children:
            if child.proc is not None and child.proc.returncode is None:
                child.proc.send_signal(signal.SIGTERM)
        codes = await asyncio.gather(*keepers)
    return 0 if all(code == 0 for code in codes) else 1


async def _keep(child: Child, stop: asyncio.Event) -> int:
    """Wait on one child; restart it while the supervisor is not stopping."""
    while True:
        assert child.proc is not None
        if stop.is_set():
            return await _stopped(child)
        waiting = asyncio.create_task(child.proc.wait())
        stopping = asyncio.create_task(stop.wait())
        await asyncio.wait([waiting, stopping], return_when=asyncio.FIRST_COMPLETED)
        stopping.cancel()
        if not waiting.done():
            waiting.cancel()
            return await _stopped(child)
        pause = child.next_pause()
        child.deaths += 1
        log.warning(
            "process died; starting it again",
            index=child.index,
            pid=child.proc.pid,
            code=child.proc.returncode,
            pause_s=pause,
        )
        try:
            await asyncio.wait_for(stop.wait(), pause)
            return 0  # asked to stop while pausing: nothing is running
        except TimeoutError:
            await child.start()


async def _stopped(child: Child) -> int:
    """The child's exit code once it stopped (killed if it does not stop in time)."""
    assert child.proc is not None
    try:
        code = await asyncio.wait_for(child.proc.wait(), STOP_TIMEOUT_S)
    except TimeoutError:
        log.error("process did not stop in time; killing it", index=child.index)
        child.proc.kill()
        await child.proc.wait()
        return 1
    # A child still starting up has no handler yet: our SIGTERM ends it at once, which is fine.
    return 0 if code in (0, -signal.SIGTERM) else code
