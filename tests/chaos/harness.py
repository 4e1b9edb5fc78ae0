"""Chaos harness: the hub worker as a real process, and faults on it and on the broker.

    WorkerProcess       env from Settings → "worker ready" → kill -9 / restart / SIGTERM
    queues_drained      every queue of the test's prefix at 0 ready and 0 unacknowledged
    broker_app_stopped  rabbitmqctl stop_app … start_app, always started again

The side-effect oracles (lost / duplicated / unexpected) are in `oracles.py`.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aio_pika
from faststream import BaseMiddleware
from faststream.message import StreamMessage

from hub.config import Settings
from hub.db.engine import Database
from hub.db.tables import (
    outbox,
)
from simulation.field import SimulatedField
from tests import services
from tests.chaos.oracles import count_rows

REPO_ROOT = Path(__file__).resolve().parents[2]
READY_LINE = "worker ready"
SUPPRESSED_LINE = "duplicate delivery suppressed"
REDELIVERED_LINE = "message redelivered"
STATS_INTERVAL_S = 6.0  # > RabbitMQ's 5 s collect_statistics_interval


# ---------------------------------------------------------------------------- worker process


def worker_command() -> tuple[str, ...]:
    """The real worker process: `python -m hub worker` (consumers, outbox relay, timers)."""
    return (sys.executable, "-m", "hub", "worker")


def worker_env(settings: Settings, **extra: str) -> dict[str, str]:
    """The process environment that makes `load_settings()` return `settings`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("HUB_")}
    for name, value in settings.model_dump(mode="json", exclude_none=True).items():
        env[f"HUB_{name.upper()}"] = value if isinstance(value, str) else json.dumps(value)
    env["PYTHONUNBUFFERED"] = "1"
    env["PYTHONPATH"] = os.pathsep.join(
        p for p in (str(REPO_ROOT), os.environ.get("PYTHONPATH", "")) if p
    )
    env.update(extra)
    return env


@dataclass
class WorkerProcess:
    """One hub worker process (restartable); stdout and stderr go to one log file per start."""

    env: dict[str, str]
    log_dir: Path
    name: str = "worker"
    command: tuple[str, ...] = field(default_factory=worker_command)
    proc: subprocess.Popen[bytes] | None = None
    logs: list[Path] = field(default_factory=list)
    pids: list[int] = field(default_factory=list)

    @classmethod
    def for_settings(
        cls, settings: Settings, log_dir: Path, name: str = "worker", **extra_env: str
    ) -> WorkerProcess:
        return cls(env=worker_env(settings, **extra_env), log_dir=log_dir, name=name)

    @property
    def pid(self) -> int:
        assert self.proc is not None, "worker not started"
        return self.proc.pid

    @property
    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    async def start(self, *, timeout: float = 30.0, may_die: bool = False) -> float:
        """Start and wait for the ready line; returns the seconds it took.

        `may_die`: a worker that exits before it is ready is not an error (crash tests).
        """
        assert not self.alive, "worker already running"
        log = self.log_dir / f"{self.name}-{len(self.logs) + 1}.log"
        self.logs.append(log)
        started = time.monotonic()
        with log.open("wb") as out:  # Popen returns at once; the wait below is async
            self.proc = subprocess.Popen(  # noqa: ASYNC220
                list(self.command),
                env=self.env,
                cwd=self.log_dir,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.pids.append(self.proc.pid)
        while READY_LINE not in log.read_text(errors="replace"):
            if self.proc.poll() is not None and READY_LINE not in log.read_text(errors="replace"):
                if may_die:
                    break
                raise AssertionError(
                    f"{self.name} exited with {self.proc.returncode} before ready:\n{self.tail()}"
                )
            if time.monotonic() - started > timeout:
                raise AssertionError(f"{self.name} not ready within {timeout}s:\n{self.tail()}")
            await asyncio.sleep(0.05)
        return time.monotonic() - started

    async def kill9(self) -> None:
        """`kill -9` the worker (its whole process group), and reap it."""
        assert self.proc is not None and self.alive, "worker not running"
        os.killpg(self.proc.pid, signal.SIGKILL)
        await asyncio.to_thread(self.proc.wait)

    async def terminate(self, *, timeout: float = 40.0) -> int:
        """SIGTERM and wait; a worker that does not stop in `timeout` is killed and reported."""
        assert self.proc is not None
        if self.alive:
            self.proc.send_signal(signal.SIGTERM)
            try:
                await asyncio.to_thread(self.proc.wait, timeout)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
                raise AssertionError(f"{self.name} ignored SIGTERM for {timeout}s") from None
        return self.proc.returncode

    def ensure_dead(self) -> None:
        """Teardown: whatever happened, leave no process behind."""
        if self.proc is not None and self.alive:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()

    def log_text(self) -> str:
        return "\n".join(p.read_text(errors="replace") for p in self.logs if p.exists())

    def count(self, needle: str) -> int:
        return self.log_text().count(needle)

    def tail(self, lines: int = 40) -> str:
        return "\n".join(self.log_text().splitlines()[-lines:])


# ------------------------------------------------------------------------- delivery records


@dataclass
class DeliveryRecorder:
    """Counts deliveries per (queue, message id) on a broker of the test (not the hub's)."""

    deliveries: Counter[tuple[str, str]] = field(default_factory=Counter)
    redelivered_flags: int = 0

    def middleware(self) -> Callable[..., BaseMiddleware]:
        recorder = self

        class _Record(BaseMiddleware):
            async def consume_scope(
                self, call_next: Callable[..., Any], msg: StreamMessage[Any]
            ) -> Any:
                queue = self.context.get_local("handler_").queue.name
                recorder.deliveries[(queue, msg.message_id)] += 1
                if getattr(msg.raw_message, "redelivered", False):
                    recorder.redelivered_flags += 1
                return await call_next(msg)

        return _Record

    @property
    def repeated(self) -> int:
        """Deliveries beyond the first of the same message id to the same queue."""
        return sum(n - 1 for n in self.deliveries.values() if n > 1)


def file_logger(path: Path, name: str) -> logging.Logger:
    """A logger for the test's own brokers: warnings and errors to `path`, nothing on stdout."""
    logger = logging.getLogger(f"chaos.{name}.{path.parent.name}")
    logger.propagate = False
    logger.setLevel(logging.WARNING)
    handler = logging.FileHandler(path)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
    logger.handlers = [handler]
    return logger


# ---------------------------------------------------------------------------------- waiting


async def wait_for(
    check: Callable[[], Awaitable[bool]],
    *,
    timeout: float,
    interval: float = 0.25,
    what: str = "condition",
) -> float:
    """Poll `check` until true; returns the seconds waited, fails after `timeout`."""
    started = time.monotonic()
    while not await check():
        if time.monotonic() - started > timeout:
            raise AssertionError(f"{what} not reached within {timeout}s")
        await asyncio.sleep(interval)
    return time.monotonic() - started


PAUSE_BEFORE_RESTART_S = 1.0


async def publish_creates(sim: SimulatedField, count: int, *, batch: int = 100) -> None:
    """The simulated field's first `count` CreateWorkOrder commands, `batch` at a time."""
    for start in range(0, count, batch):
        await asyncio.gather(*(sim.create(i) for i in range(start, min(start + batch, count))))


async def kill_at(
    worker: WorkerProcess,
    progress: Callable[[], Awaitable[int]],
    targets: Iterable[int],
    *,
    what: str,
    timeout: float,
    busy: Callable[[], Awaitable[bool]] | None = None,
) -> list[str]:
    """`kill -9` the worker once `progress()` reaches each target and start it again after a
    pause; one line per kill, with how long the worker took to be ready again (a figure for
    the log, not an assertion: on a busy machine a restart can take seconds; the oracle of
    lost, duplicated and unexpected effects is what the tests assert).

    With `busy`, each kill waits (up to `BUSY_WAIT_S`) until `busy()` says the worker holds
    work in flight, so a slow run does not kill an idle worker and prove nothing."""
    kills: list[str] = []
    for target in targets:

        async def reached(target: int = target) -> bool:
            return await progress() >= target

        await wait_for(reached, timeout=timeout, what=f"{target} {what}")
        if busy is not None:
            with contextlib.suppress(AssertionError):  # still idle: kill it anyway
                await wait_for(busy, timeout=BUSY_WAIT_S, interval=0.05, what="work in flight")
        at_kill = await progress()
        await worker.kill9()
        killed = time.monotonic()
        await asyncio.sleep(PAUSE_BEFORE_RESTART_S)
        await worker.start()
        back_in = time.monotonic() - killed
        kills.append(f"kill at {at_kill} {what}, ready again {back_in:.1f}s")
    return kills


BUSY_WAIT_S = 60.0


async def holds_deliveries(vhost: str, prefix: str) -> bool:
    """Whether any of the hub's work queues has a delivery the worker has not acknowledged."""
    queues = await list_queues(vhost, prefix)
    return any(unacked for name, (_, unacked, _) in queues.items() if is_work_queue(prefix, name))


async def list_queues(vhost: str, prefix: str = "") -> dict[str, tuple[int, int, int]]:
    """`rabbitmqctl list_queues` off the event loop: name → (ready, unacked, consumers).

    The test vhost is shared (see tests/services.ensure_vhost): pass the test's queue prefix.
    """
    queues = await asyncio.to_thread(services.list_queues, vhost)
    return {name: q for name, q in queues.items() if name.startswith(prefix)}


def is_work_queue(prefix: str, name: str) -> bool:
    """A hub consumer's own queue (not parking, retry, or the test's field and tap queues)."""
    rest = name.removeprefix(prefix)
    return (
        name.startswith(prefix)
        and not rest.endswith(".parking")
        and not rest.startswith(("retry.", "sim.", "chaos."))
    )


async def ready_counts(amqp_url: str, names: Iterable[str]) -> dict[str, int]:
    """Ready messages per queue, from passive declares (exact, unlike the listing's stats)."""
    connection = await aio_pika.connect(amqp_url, timeout=10)
    async with connection:
        channel = await connection.channel()
        counts = {}
        for name in names:
            queue = await channel.declare_queue(name, passive=True)
            counts[name] = int(queue.declaration_result.message_count or 0)
    return counts


async def queues_drained(
    vhost: str, prefix: str, *, amqp_url: str, timeout: float
) -> tuple[float, dict[str, tuple[int, int, int]]]:
    """Wait until every `prefix` queue has 0 ready and 0 unacked; (seconds, last listing).

    `list_queues` reports quorum-queue counts from stats emitted every 5 s, so "drained" needs
    two zero listings 6 s apart and passive declares that agree.
    """
    started = time.monotonic()
    confirmed_once = False
    while True:
        queues = await list_queues(vhost, prefix)
        busy = {n: q for n, q in queues.items() if q[0] or q[1]}
        if not busy:
            exact = await ready_counts(amqp_url, queues)
            busy = {n: (c, 0, 0) for n, c in exact.items() if c}
        if not busy and confirmed_once:
            return time.monotonic() - started - STATS_INTERVAL_S, queues
        confirmed_once = not busy
        if time.monotonic() - started > timeout:
            raise AssertionError(f"queues not drained within {timeout}s: {busy}")
        await asyncio.sleep(STATS_INTERVAL_S if confirmed_once else 1.0)


async def outbox_pending(db: Database) -> int:
    """Outbox rows not yet confirmed by the broker."""
    return await count_rows(db, outbox, outbox.c.sent_at.is_(None))


def rabbitmq_version() -> str:
    return services.rabbitmqctl("version").strip()


# --------------------------------------------------------------------------- broker restart

BROKER_BOOT_BUDGET_S = 180.0


def _rabbitmqctl(*args: str, timeout: float = 60.0) -> str:
    exe = shutil.which("rabbitmqctl") or "/usr/sbin/rabbitmqctl"
    return subprocess.run(
        [exe, *args], check=True, capture_output=True, text=True, timeout=timeout
    ).stdout


def file_handles() -> dict[str, int]:
    """The broker's file-handle cache: {'total_limit': …, 'total_used': …, …}."""
    out = _rabbitmqctl("eval", "file_handle_cache:info().")
    return {k: int(v) for k, v in re.findall(r"\{(\w+),(\d+)\}", out)}


@contextmanager
def broker_app_stopped() -> Iterator[dict[str, float]]:
    """`rabbitmqctl stop_app` on entry; `start_app` on exit, always, even if the body failed.

    `start_app` resets the file-handle cache to the process default (927 with ulimit 1024).
    When the node holds more quorum queues than that covers, recovery blocks and the broker
    never finishes booting, so the limit in force before (or what the queues need) is put back
    as soon as the cache is up again, while the node boots.
    """
    before = file_handles()
    keep = max(before.get("total_limit", 0), before.get("total_used", 0) + 300)
    times: dict[str, float] = {}
    started = time.monotonic()
    _rabbitmqctl("stop_app", timeout=120)
    times["stopped"] = time.monotonic() - started
    try:
        yield times
    finally:
        exe = shutil.which("rabbitmqctl") or "/usr/sbin/rabbitmqctl"
        starter = subprocess.Popen(
            [exe, "start_app"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        deadline = time.monotonic() + BROKER_BOOT_BUDGET_S
        while time.monotonic() < deadline:
            try:
                _rabbitmqctl("eval", f"ok = file_handle_cache:set_limit({keep}).", timeout=20)
                break
            except subprocess.SubprocessError:
                time.sleep(0.5)
        starter.wait(timeout=max(1.0, deadline - time.monotonic()))
        _rabbitmqctl(
            "await_startup",
            "--timeout",
            str(int(BROKER_BOOT_BUDGET_S)),
            timeout=BROKER_BOOT_BUDGET_S + 10,
        )
        times["downtime"] = time.monotonic() - started
        times["file_handle_limit"] = keep
