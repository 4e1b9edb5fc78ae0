"""Hub throughput against a raw aio-pika baseline, measured on the same broker in one run.

    raw: publish M ─▶ q1 ─▶ consumer 1 republishes ─▶ q2 ─▶ consumer 2 republishes ─▶ q3 ─▶ ack
         (persistent, publisher-confirmed, quorum queues: what one reliable message costs)
    hub: N work orders create ─▶ dispatch ─▶ check in ─▶ complete ─▶ archive, driven over AMQP
         by the simulated field; inbox + outbox on; a fresh SQLite file (or --database-url)

A *message* is one persistent, confirmed publish that consumers take: 3 per raw chain; for the
hub, the field's commands (each consumed by the hub) plus the outbox rows the hub published
(events, flow-log entries, SMS commands and receipts). ratio = hub messages/s ÷ raw messages/s.

    .venv/bin/python bench/throughput.py --orders 1000 --messages 20000 [--json] [--profile F]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import cProfile
import io
import json
import logging
import os
import platform
import pstats
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import asdict, dataclass
from functools import partial
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import aio_pika
import structlog
from faststream.rabbit import RabbitBroker
from processes import ProcessSampler
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from sqlalchemy import func, select

from hub.bootstrap import Hub, bootstrap
from hub.config import Settings, load_settings
from hub.db.engine import Database
from hub.db.migrate import upgrade
from hub.db.tables import outbox
from hub.messaging.subscriptions import ALL_CONSUMERS
from hub.runtime import Runtime
from simulation.field import SimulatedField

HOPS = 3
REPO = str(Path(__file__).resolve().parents[1])
RAW_BODY_BYTES = 700  # about the hub's mean message body (the run reports the real mean)
PREFETCH = 32  # the hub's default HUB_PREFETCH_COUNT
PUBLISH_WINDOW = 200  # confirms in flight at once; the hub's relay batch is 200 as well
CREATE_WINDOW = 50  # orders the field opens at once
QUIET_S = 1.0  # the hub is drained when nothing was consumed for this long


@dataclass
class RawResult:
    chains: int
    messages: int
    seconds: float
    messages_per_s: float
    hop_p50_ms: float
    hop_p99_ms: float
    cpu_s: float  # CPU time of this Python process (all threads) during the phase


@dataclass
class HubResult:
    orders: int
    completed: int
    messages: int
    seconds: float
    orders_per_s: float
    messages_per_s: float
    commands_per_order: float
    published_per_order: float
    deliveries_per_order: float
    mean_body_bytes: float
    step_p50_ms: float
    step_p99_ms: float
    database: str
    cpu_s: float
    handlers: dict[str, tuple[int, float]]  # handler → (deliveries, seconds inside it)
    processes: int = 0  # 0: the hub ran inside the bench process; N: `hub worker --processes N`
    worker_cpu_s: float = 0.0  # CPU of the worker processes (all of their threads), if any
    field_cpu_s: float = 0.0  # CPU of the bench process (the simulated field), in process mode
    peak_rss_mb: dict[str, float] | None = None  # process role → its highest resident set
    parked: dict[str, int] | None = None  # consumer → messages in its parking queue (want none)


def percentile_ms(samples: list[float], q: float) -> float:
    if not samples:
        return float("nan")
    ordered = sorted(samples)
    return 1000 * ordered[min(len(ordered) - 1, int(len(ordered) * q))]


def rabbitmqctl(*args: str) -> str:
    exe = shutil.which("rabbitmqctl") or "/usr/sbin/rabbitmqctl"
    done = subprocess.run([exe, *args], check=True, capture_output=True, text=True, timeout=60)
    return done.stdout.strip()


BENCH_VHOST = "hub-bench"


@contextlib.asynccontextmanager
async def private_vhost(base_url: str, vhost: str = BENCH_VHOST) -> AsyncIterator[str]:
    """The benchmark's own vhost, emptied after the run (queues and exchanges deleted).

    Benchmarks that may run at the same time as others (another session's) pass a `vhost` of
    their own: emptying a shared one deletes the other run's queues. The vhost itself is
    kept: on RabbitMQ 3.10, deleting vhosts that hold quorum queues has hung the broker's
    vhost machinery, so runs clean up what they declared instead.
    """
    user = urlsplit(base_url).username or "guest"
    if vhost not in rabbitmqctl("list_vhosts", "-q", "--no-table-headers").split():
        rabbitmqctl("add_vhost", vhost)
    rabbitmqctl("set_permissions", "-p", vhost, user, ".*", ".*", ".*")
    url = f"{base_url.rstrip('/')}/{vhost}"
    try:
        yield url
    finally:
        await _empty_vhost(url, vhost)


async def _empty_vhost(url: str, vhost: str) -> None:
    queues = rabbitmqctl("list_queues", "-q", "--no-table-headers", "-p", vhost, "name")
    exchanges = rabbitmqctl("list_exchanges", "-q", "--no-table-headers", "-p", vhost, "name")
    connection = await aio_pika.connect(url)
    async with connection:
        channel = await connection.channel()
        for queue in queues.split():
            await channel.queue_delete(queue)
        for exchange in exchanges.split():
            if exchange.startswith("bench."):
                await channel.exchange_delete(exchange)


class RawChain:
    """The baseline: a 3-hop chain of persistent, confirmed messages through quorum queues."""

    def __init__(self, chains: int, progress: Progress) -> None:
        self.chains = chains
        self.names = [f"bench.raw.{hop}" for hop in range(1, HOPS + 1)]
        self.latencies: list[float] = []
        self.received = 0
        self.finished = asyncio.Event()
        self._progress = progress
        self._task = progress.add_task("raw aio-pika, 3-hop chains", total=chains)

    async def consume(self, connection: aio_pika.abc.AbstractConnection) -> None:
        for hop, name in enumerate(self.names):
            channel = await connection.channel(publisher_confirms=True)
            await channel.set_qos(prefetch_count=PREFETCH)
            queue = await channel.declare_queue(
                name, durable=True, arguments={"x-queue-type": "quorum"}
            )
            nxt = self.names[hop + 1] if hop + 1 < HOPS else None
            await queue.consume(partial(self._on_message, channel, nxt))

    async def publish(self, connection: aio_pika.abc.AbstractConnection) -> None:
        channel = await connection.channel(publisher_confirms=True)
        body = b"x" * RAW_BODY_BYTES
        for first in range(0, self.chains, PUBLISH_WINDOW):
            batch = range(first, min(self.chains, first + PUBLISH_WINDOW))
            await asyncio.gather(
                *(
                    channel.default_exchange.publish(_raw_message(body), self.names[0])
                    for _ in batch
                )
            )

    async def _on_message(
        self,
        channel: aio_pika.abc.AbstractChannel,
        nxt: str | None,
        message: aio_pika.abc.AbstractIncomingMessage,
    ) -> None:
        self.latencies.append(time.monotonic() - float(str(message.headers["t"])))
        if nxt is not None:
            await channel.default_exchange.publish(_raw_message(message.body), nxt)
        await message.ack()
        if nxt is None:
            self.received += 1
            self._progress.update(self._task, completed=self.received)
            if self.received == self.chains:
                self.finished.set()


async def run_raw(url: str, chains: int, progress: Progress, timeout_s: float) -> RawResult:
    chain = RawChain(chains, progress)
    async with await aio_pika.connect(url) as connection:
        await chain.consume(connection)
        started, cpu = time.monotonic(), time.process_time()
        await chain.publish(connection)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(chain.finished.wait(), timeout_s)
        seconds, cpu = time.monotonic() - started, time.process_time() - cpu
    messages = chain.received * HOPS
    return RawResult(
        chains=chain.received,
        messages=messages,
        seconds=seconds,
        messages_per_s=messages / seconds,
        hop_p50_ms=percentile_ms(chain.latencies, 0.50),
        hop_p99_ms=percentile_ms(chain.latencies, 0.99),
        cpu_s=cpu,
    )


def _raw_message(body: bytes) -> aio_pika.Message:
    return aio_pika.Message(
        body,
        delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
        message_id=uuid.uuid4().hex,
        content_type="application/octet-stream",
        headers={"t": repr(time.monotonic())},
    )


async def run_hub(
    url: str, orders: int, progress: Progress, *, database_url: str | None, timeout_s: float
) -> HubResult:
    """N orders through their lifecycle, in-process hub + simulated field on its own connection."""
    with tempfile.TemporaryDirectory(prefix="hubbench-") as tmp:
        settings = load_settings(
            amqp_url=url, data_dir=Path(tmp), database_url=database_url, queue_prefix="bench."
        )
        db = Database(settings.resolved_database_url)
        await upgrade(db)
        await db.dispose()
        hub = bootstrap(settings)
        hub_runtime = Runtime(hub)
        await hub_runtime.start()
        field_broker = RabbitBroker(url, logger=None)
        field = SimulatedField(hub.topology, run_id=uuid.uuid4().hex[:4])
        field.attach(field_broker)
        await field_broker.start()
        try:
            started, cpu = time.monotonic(), time.process_time()
            ended = await _drive(hub, field, orders, progress, deadline=started + timeout_s)
            cpu = time.process_time() - cpu
            mean_body = await _mean_outbox_body(hub.db)
            published = _sample_sum(hub, "hub_outbox_published_total")
            consumed = _sample_sum(hub, "faststream_received_processed_messages_total")
            handlers = _handler_times(hub)
            parked = await _parked(url, hub)
        finally:
            await field_broker.stop()
            await hub_runtime.stop()
    return _result(
        field,
        orders,
        ended - started,
        published=int(published),
        settings=settings,
        deliveries_per_order=consumed / orders,
        mean_body_bytes=mean_body,
        cpu_s=cpu,
        handlers=handlers,
        parked=parked,
    )


def _result(
    field: SimulatedField,
    orders: int,
    seconds: float,
    *,
    published: int,
    settings: Settings,
    **measured: Any,
) -> HubResult:
    """The figures both modes derive alike from the field's counts and the outbox."""
    messages = field.stats.published + published
    lat = field.stats.step_latencies_s
    return HubResult(
        orders=orders,
        completed=field.stats.archived_seen,
        messages=messages,
        seconds=seconds,
        orders_per_s=field.stats.archived_seen / seconds,
        messages_per_s=messages / seconds,
        commands_per_order=field.stats.published / orders,
        published_per_order=published / orders,
        step_p50_ms=percentile_ms(lat, 0.50),
        step_p99_ms=percentile_ms(lat, 0.99),
        database=settings.resolved_database_url.split(":", 1)[0],
        **measured,
    )


async def run_hub_processes(
    url: str,
    orders: int,
    progress: Progress,
    *,
    database_url: str,
    processes: int,
    timeout_s: float,
    profile: str | None = None,
) -> HubResult:
    """N orders through `hub worker --processes N` (separate processes, as deployed); the
    simulated field runs here. The end is when every order is archived, the outbox is empty and
    every work queue has been empty for QUIET_S."""
    with tempfile.TemporaryDirectory(prefix="hubbench-") as tmp:
        settings = load_settings(
            amqp_url=url, data_dir=Path(tmp), database_url=database_url, queue_prefix="bench."
        )
        db = Database(settings.resolved_database_url)
        await upgrade(db)
        hub = bootstrap(settings, consumers=False)
        log = Path(tmp) / "workers.log"
        args = ["worker"] if processes == 1 else ["worker", "--processes", str(processes)]
        profiling = ["-m", "cProfile", "-o", profile] if profile and processes == 1 else []
        env = dict(os.environ)  # HUB_* settings apply to the workers, as to an in-process hub
        env.update(
            HUB_AMQP_URL=url,
            HUB_DATA_DIR=tmp,
            HUB_DATABASE_URL=database_url,
            HUB_QUEUE_PREFIX="bench.",
            HUB_LOG_LEVEL="WARNING",
            PYTHONPATH=REPO,
        )
        with log.open("wb") as out:  # Popen returns at once; the wait below is async
            proc = subprocess.Popen(  # noqa: ASYNC220
                [sys.executable, *profiling, "-m", "hub", *args],
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        field_broker = RabbitBroker(url, logger=None)
        field = SimulatedField(hub.topology, run_id=uuid.uuid4().hex[:4])
        field.attach(field_broker)
        try:
            while log.read_text(errors="replace").count("worker ready") < processes:
                if proc.poll() is not None:
                    raise RuntimeError(f"hub worker exited:\n{log.read_text()[-3000:]}")
                await asyncio.sleep(0.1)
            await field_broker.start()
            sampler = ProcessSampler(proc.pid)
            sampling = asyncio.create_task(sampler.run())
            started, cpu = time.monotonic(), time.process_time()
            ended = await _drive_until_idle(
                hub, db, url, field, orders=orders, progress=progress, deadline=started + timeout_s
            )
            field_cpu = time.process_time() - cpu
            sampling.cancel()
            worker_cpu = sampler.cpu_s()
            mean_body = await _mean_outbox_body(db)
            parked = await _parked(url, hub)
            async with db.read() as conn:
                published = await conn.scalar(select(func.count()).select_from(outbox))
        finally:
            await field_broker.stop()
            proc.send_signal(signal.SIGTERM)
            await asyncio.to_thread(proc.wait, 60)
            await hub.db.dispose()
            await db.dispose()
    return _result(
        field,
        orders,
        ended - started,
        published=int(published or 0),
        settings=settings,
        deliveries_per_order=float("nan"),  # counted inside the workers; see the in-process run
        mean_body_bytes=mean_body,
        cpu_s=field_cpu + worker_cpu,
        handlers={},
        processes=processes,
        worker_cpu_s=worker_cpu,
        field_cpu_s=field_cpu,
        peak_rss_mb=sampler.peak_rss_mb(),
        parked=parked,
    )


async def _parked(url: str, hub: Hub) -> dict[str, int]:
    """Messages the run left in parking queues, by consumer (a clean run parks none)."""
    found: dict[str, int] = {}
    connection = await aio_pika.connect(url)
    async with connection:
        for consumer in ALL_CONSUMERS:
            name = hub.topology.parking_queue(consumer).name
            channel = await connection.channel()  # a failed passive declare closes it
            with contextlib.suppress(aio_pika.exceptions.ChannelClosed):
                queue = await channel.declare_queue(name, passive=True)
                if count := queue.declaration_result.message_count:
                    found[consumer] = count
    return found


async def _drive_until_idle(
    hub: Hub,
    db: Database,
    url: str,
    field: SimulatedField,
    *,
    orders: int,
    progress: Progress,
    deadline: float,
) -> float:
    """Open the orders; the end is the start of the first QUIET_S in which every order was
    archived, the outbox was empty and no work queue held a message."""
    task = progress.add_task("hub worker processes, work orders archived", total=orders)
    names = [hub.topology.queue_name(consumer) for consumer in ALL_CONSUMERS]

    async def open_orders() -> None:
        for first in range(0, orders, CREATE_WINDOW):
            await asyncio.gather(
                *(field.create(i) for i in range(first, min(orders, first + CREATE_WINDOW)))
            )

    feeder = asyncio.create_task(open_orders())
    idle_since: float | None = None
    connection = await aio_pika.connect(url)
    async with connection:
        channel = await connection.channel()
        while time.monotonic() < deadline:
            await asyncio.sleep(0.25)
            progress.update(task, completed=field.stats.archived_seen)
            if field.stats.archived_seen < orders:
                continue
            now = time.monotonic()
            ready = 0
            for name in names:
                queue = await channel.declare_queue(name, passive=True)
                ready += queue.declaration_result.message_count or 0
            async with db.read() as conn:
                unsent = await conn.scalar(
                    select(func.count()).select_from(outbox).where(outbox.c.sent_at.is_(None))
                )
            if ready or unsent:
                idle_since = None
            elif idle_since is None:
                idle_since = now
            elif now - idle_since >= QUIET_S:
                break
        else:
            idle_since = time.monotonic()  # timed out: report what was done by now
    await feeder
    return idle_since if idle_since is not None else time.monotonic()


async def _drive(
    hub: Hub, field: SimulatedField, orders: int, progress: Progress, *, deadline: float
) -> float:
    """Open the orders, wait until all are archived and the hub is idle; returns the end time."""
    task = progress.add_task("hub, work orders archived", total=orders)

    async def open_orders() -> None:
        for first in range(0, orders, CREATE_WINDOW):
            await asyncio.gather(
                *(field.create(i) for i in range(first, min(orders, first + CREATE_WINDOW)))
            )

    feeder = asyncio.create_task(open_orders())
    last_total, last_change = -1.0, time.monotonic()
    while time.monotonic() < deadline:
        await asyncio.sleep(0.2)
        progress.update(task, completed=field.stats.archived_seen)
        if field.stats.archived_seen < orders:
            continue  # collecting the registry costs CPU: only in the tail
        total = _sample_sum(hub, "faststream_received_processed_messages_total")
        if total != last_total:
            last_total, last_change = total, time.monotonic()
        elif time.monotonic() - last_change >= QUIET_S and await hub.relay.backlog() == 0:
            break
    else:
        last_change = time.monotonic()  # timed out: report what was done by now
    await feeder
    return last_change


def _sample_sum(hub: Hub, sample_name: str) -> float:
    """Sum a Prometheus counter over all its labels (the hub's registry)."""
    return sum(
        sample.value
        for metric in hub.metrics.registry.collect()
        for sample in metric.samples
        if sample.name == sample_name
    )


def _handler_times(hub: Hub) -> dict[str, tuple[int, float]]:
    """Deliveries and summed processing time per handler (FastStream's Prometheus histogram)."""
    counts: dict[str, float] = {}
    sums: dict[str, float] = {}
    for metric in hub.metrics.registry.collect():
        if metric.name != "faststream_received_processed_messages_duration_seconds":
            continue
        for sample in metric.samples:
            handler = sample.labels.get("handler", "?")
            if sample.name.endswith("_count"):
                counts[handler] = counts.get(handler, 0) + sample.value
            elif sample.name.endswith("_sum"):
                sums[handler] = sums.get(handler, 0) + sample.value
    return {h: (int(counts[h]), sums.get(h, 0.0)) for h in sorted(counts)}


async def _mean_outbox_body(db: Database) -> float:
    """Mean UTF-8 size of the bodies the hub published (SQL length() counts characters)."""
    async with db.read() as conn:
        bodies = (await conn.execute(select(outbox.c.body))).scalars().all()
    return sum(len(body.encode()) for body in bodies) / max(1, len(bodies))


def machine() -> dict[str, Any]:
    try:
        rabbitmq = rabbitmqctl("version")
    except (OSError, subprocess.SubprocessError):
        rabbitmq = "unknown"
    return {
        "python": platform.python_version(),
        "rabbitmq": rabbitmq,
        "cpus": os.cpu_count(),
        "load_1m_before": os.getloadavg()[0],  # other work on the machine skews both phases
        "platform": platform.platform(),
    }


def results_table(raw: RawResult, hub: HubResult, ratio: float) -> Table:
    table = Table(title=f"hub ÷ raw messages/s = {ratio:.2f}  (aim ≥ 0.50)")
    table.add_column("")
    table.add_column("raw aio-pika (3-hop chain)", justify="right")
    table.add_column(f"hub ({hub.database})", justify="right")
    table.add_row("units", f"{raw.chains:,} chains", f"{hub.completed:,}/{hub.orders:,} orders")
    table.add_row("messages", f"{raw.messages:,}", f"{hub.messages:,}")
    table.add_row("seconds", f"{raw.seconds:.1f}", f"{hub.seconds:.1f}")
    table.add_row("messages/s", f"{raw.messages_per_s:,.0f}", f"{hub.messages_per_s:,.0f}")
    table.add_row("orders/s", "", f"{hub.orders_per_s:,.1f}")
    table.add_row("Python CPU s", f"{raw.cpu_s:.1f}", f"{hub.cpu_s:.1f}")
    table.add_row("latency p50", f"{raw.hop_p50_ms:.1f} ms/hop", f"{hub.step_p50_ms:.1f} ms/step")
    table.add_row("latency p99", f"{raw.hop_p99_ms:.1f} ms/hop", f"{hub.step_p99_ms:.1f} ms/step")
    table.add_row(
        "messages/order",
        "3 per chain",
        f"{hub.commands_per_order:.1f} in + {hub.published_per_order:.1f} out",
    )
    table.add_row("deliveries/order", "", f"{hub.deliveries_per_order:.1f} taken by the hub")
    table.add_row("mean body", f"{RAW_BODY_BYTES} B", f"{hub.mean_body_bytes:.0f} B")
    return table


def handlers_table(hub: HubResult) -> Table:
    table = Table(title="where the hub's handler time goes (handlers overlap in time)")
    table.add_column("subscriber (exchange.routing key)")
    table.add_column("deliveries", justify="right")
    table.add_column("mean ms", justify="right")
    table.add_column("total s", justify="right")
    ranked = sorted(hub.handlers.items(), key=lambda item: -item[1][1])
    for handler, (count, seconds) in ranked:
        table.add_row(
            handler, f"{count:,}", f"{1000 * seconds / max(1, count):.1f}", f"{seconds:.1f}"
        )
    return table


def top_functions(profiler: cProfile.Profile, path: str, limit: int = 15) -> str:
    """The profile's top functions by own time, then own time summed per package."""
    profiler.dump_stats(path)
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    per_package: dict[str, float] = {}
    for (filename, _line, name), row in stats.stats.items():  # type: ignore[attr-defined]
        package = _package_of(filename, name)
        per_package[package] = per_package.get(package, 0.0) + row[2]
    stats.strip_dirs().sort_stats("tottime").print_stats(limit)
    total = sum(per_package.values()) or 1.0
    out.write("own time per package (main thread; SQLite itself runs in aiosqlite's thread):\n")
    for package, seconds in sorted(per_package.items(), key=lambda kv: -kv[1])[:limit]:
        out.write(f"  {seconds:7.2f} s {100 * seconds / total:5.1f} %  {package}\n")
    return out.getvalue()


def _package_of(filename: str, name: str) -> str:
    if "site-packages/" in filename:
        return filename.split("site-packages/", 1)[1].split("/", 1)[0]
    if filename == "~":  # a builtin, named by its type: select.epoll is the loop waiting
        owner = re.search(r"of '([^']+)'", name)
        return owner.group(1) if owner else "builtins"
    for project in ("hub", "adapters", "consumers", "schemas", "bench"):
        if f"/{project}/" in filename:
            return f"{project} (this project)"
    path = Path(filename)
    if path.parent.name.startswith("python3"):
        return f"stdlib {path.stem}"
    return f"stdlib {path.parent.name}" if "/python3" in filename else filename


async def main(args: argparse.Namespace) -> int:
    console = Console(stderr=args.json)
    base_url = load_settings().amqp_url
    info = machine()
    async with private_vhost(base_url) as url:
        with Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
        ) as progress:
            raw = await run_raw(url, args.messages, progress, args.timeout)
            # In process mode the worker profiles itself (one process: `python -m cProfile`).
            profiler = cProfile.Profile() if args.profile and not args.processes else None
            if profiler:
                profiler.enable()
            if args.processes:
                if not args.database_url:
                    raise SystemExit("--processes needs --database-url (PostgreSQL)")
                hub = await run_hub_processes(
                    url,
                    args.orders,
                    progress,
                    database_url=args.database_url,
                    processes=args.processes,
                    timeout_s=args.timeout,
                    profile=args.profile,
                )
            else:
                hub = await run_hub(
                    url,
                    args.orders,
                    progress,
                    database_url=args.database_url,
                    timeout_s=args.timeout,
                )
            if profiler:
                profiler.disable()
    ratio = hub.messages_per_s / raw.messages_per_s
    if args.json:
        print(
            json.dumps(
                {"machine": info, "raw": asdict(raw), "hub": asdict(hub), "ratio": ratio}, indent=2
            )
        )
    else:
        console.print(
            f"machine: {info['cpus']} CPUs, Python {info['python']}, RabbitMQ {info['rabbitmq']}, "
            f"load average (1 min) {info['load_1m_before']:.2f} before, "
            f"{os.getloadavg()[0]:.2f} after; {info['platform']}",
            soft_wrap=True,
        )
        console.print(results_table(raw, hub, ratio))
        if hub.handlers:
            console.print(handlers_table(hub))
        if hub.parked:
            console.print(f"[red]parked during the run (a clean run parks none): {hub.parked}")
    if profiler:
        console.print(f"profile of the hub phase → {args.profile} (top 15 by own time)")
        report = top_functions(profiler, args.profile)
        console.print(report, markup=False, highlight=False, soft_wrap=True)
    return 0 if hub.completed == hub.orders and raw.chains == args.messages else 1


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--orders", type=int, default=1000, help="work orders for the hub")
    parser.add_argument("--messages", type=int, default=20000, help="raw 3-hop chains")
    parser.add_argument("--database-url", help="e.g. postgresql+asyncpg://postgres@127.0.0.1/db")
    parser.add_argument("--timeout", type=float, default=600, help="seconds allowed per phase")
    parser.add_argument("--profile", metavar="FILE", help="cProfile the hub phase into FILE")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    parser.add_argument(
        "--processes",
        type=int,
        default=0,
        help="run the hub as `hub worker --processes N` (PostgreSQL) instead of in this process",
    )
    return parser.parse_args(argv)


if __name__ == "__main__":
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))
    logging.basicConfig(level=logging.WARNING)
    sys.exit(asyncio.run(main(parse_args(sys.argv[1:]))))
