"""Latency of a same-cable fiber swap (同缆改纤), from the technician's HTTP request to the
reissued order visible to him and its SMS notice queued, at 1, 10 and 50 concurrent swaps.

    bench ─HTTP─▶ hub (`hub up`: web, consumers, relay; own process)
                   ├─HTTP─▶ inventory stand-in (own process, own SQLite, answers at once)
                   └─commit: old order archived, new one dispatched, SendSms in the outbox
                      └─relay─▶ RabbitMQ cmd.sms.send ─▶ a tap queue of this bench ("queued")

Raw baseline, in the same run at the same concurrency: the same swap call made straight to the
inventory stand-in, and a GET /healthz round trip to the hub. hub share = end-to-end − direct
inventory call (per percentile): what the hub itself adds. Closed loop: c workers, each sends
its next swap once the previous one is visible and its SMS queued.

    .venv/bin/python bench/reroute.py [--swaps 200] [--levels 1,10,50] [--database-url URL] [--json]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import aio_pika
import httpx
from rich.console import Console
from rich.table import Table

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

BENCH_VHOST = "hub-bench"
AMQP_BASE = "amqp://guest:guest@127.0.0.1:5672/"
PER_CABLE, FIBERS = 25, 60
WARM_UP = 10
SMS_TIMEOUT_S = 30.0
SETTLE_S = 3.0


@dataclass
class Level:
    concurrency: int
    swaps: int
    seconds: float
    answer_ms: dict[str, float]  # the 200 with the new order (committed)
    visible_ms: dict[str, float]  # his order list shows the new order
    sms_queued_ms: dict[str, float]  # SendSms of the new order reached the broker
    end_to_end_ms: dict[str, float]  # both visible and queued
    inventory_direct_ms: dict[str, float]  # raw: the same swap straight to the inventory
    healthz_ms: dict[str, float]  # raw: an HTTP round trip to the hub
    hub_share_ms: dict[str, float]  # end-to-end − inventory direct
    refused: int
    sms_late: int  # SendSms not seen within SMS_TIMEOUT_S (left out of the percentiles)


def percentiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    if not ordered:
        return {"p50": float("nan"), "p95": float("nan"), "p99": float("nan")}

    def at(q: float) -> float:
        return round(
            ordered[min(len(ordered) - 1, max(0, int(q * len(ordered) + 0.5) - 1))] * 1000, 1
        )

    return {"p50": at(0.50), "p95": at(0.95), "p99": at(0.99)}


# --- the inventory stand-in process -----------------------------------------------------------


def seed(orders: int) -> Any:
    from adapters.inventory.seed import AssignmentSeed, BoxSeed, CableSeed, SeedData

    data = SeedData()
    ids = [*hub_orders(orders), *raw_orders(orders)]
    for n in range(1, -(-len(ids) // PER_CABLE) + 1):
        data.cables.append(CableSeed(f"C{n:03d}", f"基准光缆 {n}", "上海市黄浦区", FIBERS))
        data.boxes.append(
            BoxSeed(f"B{n:03d}", f"箱 {n}", "上海市黄浦区", 31.23, 121.47, f"C{n:03d}", PER_CABLE)
        )
    for i, order_id in enumerate(ids):
        n, no = i // PER_CABLE + 1, i % PER_CABLE + 1
        data.assignments.append(AssignmentSeed(order_id, f"C{n:03d}", no, f"B{n:03d}", no))
    return data


def target(i: int, orders: int) -> tuple[str, int]:
    """Swap target of the i-th seeded order: fiber (i % 25) + 26 of its cable (no races)."""
    n, no = i // PER_CABLE + 1, i % PER_CABLE + 1 + PER_CABLE
    return f"C{n:03d}-F{no:03d}", no


def hub_orders(n: int) -> list[str]:
    return [f"BENCH-{i:04d}" for i in range(n)]


def raw_orders(n: int) -> list[str]:
    return [f"RAW-{i:04d}" for i in range(n)]


def serve_inventory(port: int, database_url: str, orders: int) -> None:
    import uvicorn

    from adapters.inventory.embedded import EmbeddedInventory
    from adapters.inventory.server import create_inventory_app
    from adapters.standin_storage import StandinStorage

    # The stand-in creates its own tables on first use: no migration.
    app = create_inventory_app(StandinStorage(database_url, EmbeddedInventory.tables))

    @app.on_event("startup")
    async def load() -> None:
        await app.state.inventory.load(seed(orders))

    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)


# --- processes, broker ------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def rabbitmqctl(*args: str) -> str:
    exe = shutil.which("rabbitmqctl") or "/usr/sbin/rabbitmqctl"
    return subprocess.run([exe, *args], check=True, capture_output=True, text=True).stdout


def ensure_vhost() -> str:
    if BENCH_VHOST not in rabbitmqctl("list_vhosts", "-q", "--no-table-headers").split():
        rabbitmqctl("add_vhost", BENCH_VHOST)
    rabbitmqctl("set_permissions", "-p", BENCH_VHOST, "guest", ".*", ".*", ".*")
    return f"{AMQP_BASE}{quote(BENCH_VHOST, safe='')}"


async def delete_prefixed(amqp_url: str, prefix: str) -> int:
    """Delete this run's queues and exchanges (the vhost is kept)."""
    out = rabbitmqctl("list_queues", "-q", "--no-table-headers", "-p", BENCH_VHOST, "name")
    queues = [q for q in out.split() if q.startswith(prefix)]
    out = rabbitmqctl("list_exchanges", "-q", "--no-table-headers", "-p", BENCH_VHOST, "name")
    exchanges = [x for x in out.split() if x.startswith(prefix)]
    connection = await aio_pika.connect(amqp_url)
    async with connection:
        channel = await connection.channel()
        for name in queues:
            await channel.queue_delete(name)
        for name in exchanges:
            await channel.exchange_delete(name)
    return len(queues) + len(exchanges)


@contextlib.asynccontextmanager
async def process(
    cmd: list[str], env: dict[str, str], log: Path, ready: str | None
) -> AsyncIterator[None]:
    """Run `cmd` until the block ends; `ready`: a URL that answers 200 once it is up, or None
    to wait for the worker's ready line."""
    with log.open("wb") as out:
        # Popen returns at once; the readiness wait below is async.
        proc = subprocess.Popen(  # noqa: ASYNC220
            cmd, env=env, cwd=REPO, stdout=out, stderr=subprocess.STDOUT
        )
    try:
        async with httpx.AsyncClient(timeout=2) as client:
            for _ in range(600):
                if proc.poll() is not None:
                    raise RuntimeError(f"{cmd[:3]} exited:\n{_tail(log)}")
                if ready is None:
                    if "worker ready" in _tail(log):
                        break
                else:
                    with contextlib.suppress(httpx.HTTPError):
                        if (await client.get(ready)).status_code == 200:
                            break
                await asyncio.sleep(0.1)
            else:
                raise RuntimeError(f"{cmd[:3]} not ready:\n{_tail(log)}")
        yield
    finally:
        proc.terminate()
        try:
            await asyncio.to_thread(proc.wait, 30)
        except subprocess.TimeoutExpired:
            proc.kill()


def _tail(log: Path) -> str:
    return log.read_text(errors="replace")[-3000:]


class SmsTap:
    """Sees each SendSms the hub's relay publishes, with its arrival time here."""

    def __init__(self) -> None:
        self.arrived: dict[str, float] = {}
        self._waiters: dict[str, asyncio.Future[float]] = {}

    async def start(self, amqp_url: str, prefix: str) -> aio_pika.abc.AbstractConnection:
        connection = await aio_pika.connect(amqp_url)
        channel = await connection.channel()
        queue = await channel.declare_queue(f"{prefix}bench.sms_tap", exclusive=True)
        await queue.bind(f"{prefix}bus", routing_key="cmd.sms.send")
        await queue.consume(self._on_message, no_ack=True)
        return connection

    async def _on_message(self, message: aio_pika.abc.AbstractIncomingMessage) -> None:
        now = time.monotonic()
        sms_id = json.loads(message.body)["sms_id"]
        self.arrived[sms_id] = now
        waiter = self._waiters.pop(sms_id, None)
        if waiter is not None and not waiter.done():
            waiter.set_result(now)

    async def wait(self, sms_id: str) -> float:
        if sms_id in self.arrived:
            return self.arrived[sms_id]
        future = self._waiters.setdefault(sms_id, asyncio.get_running_loop().create_future())
        return await asyncio.wait_for(future, SMS_TIMEOUT_S)


# --- the runs ---------------------------------------------------------------------------------


async def closed_loop(
    concurrency: int, jobs: list[Any], run: Callable[[Any], Awaitable[None]]
) -> float:
    queue: asyncio.Queue[Any] = asyncio.Queue()
    for job in jobs:
        queue.put_nowait(job)

    async def worker() -> None:
        while not queue.empty():
            await run(queue.get_nowait())

    started = time.monotonic()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return time.monotonic() - started


async def issue_tokens(env: dict[str, str], order_ids: list[str]) -> dict[str, str]:
    """API tokens in the hub's user store, as `hub users add` makes them: the dispatcher's
    (key "dispatcher") and one per technician (key: technician id)."""
    from hub.config import load_settings
    from hub.db.engine import Database
    from hub.db.users import DbUserStore
    from hub.identity.issue import issue_token
    from hub.identity.roles import Role

    settings = load_settings(
        data_dir=Path(env["HUB_DATA_DIR"]), database_url=env.get("HUB_DATABASE_URL")
    )
    db = Database(settings.resolved_database_url, pool_size=2)
    try:
        users = DbUserStore(db)
        tokens = {"dispatcher": await issue_token(users, "bench-dispatcher", Role.DISPATCHER)}
        for order_id in order_ids:
            tech = technician(order_id)
            tokens[tech] = await issue_token(
                users, f"bench-{tech.lower()}", Role.TECHNICIAN, technician_id=tech
            )
        return tokens
    finally:
        await db.dispose()


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def open_orders(hub: httpx.AsyncClient, order_ids: list[str], tokens: dict[str, str]) -> None:
    from tests import factories  # plausible Shanghai orders

    auth = bearer(tokens["dispatcher"])

    async def one(order_id: str) -> None:
        body = factories.create_order(order_id).model_dump(mode="json")
        response = await hub.post("/api/v1/work-orders", json=body, headers=auth)
        response.raise_for_status()
        dispatch = factories.dispatch(order_id, technician(order_id)).model_dump(mode="json")
        (
            await hub.post(f"/api/v1/work-orders/{order_id}/dispatch", json=dispatch, headers=auth)
        ).raise_for_status()

    await closed_loop(20, order_ids, one)


def technician(order_id: str) -> str:
    return f"T{order_id[-4:]}"


async def measure_level(
    concurrency: int,
    hub_jobs: list[tuple[str, str, int]],
    raw_jobs: list[tuple[str, str, int]],
    *,
    hub: httpx.AsyncClient,
    inventory: httpx.AsyncClient,
    tap: SmsTap,
    tokens: dict[str, str],
) -> Level:
    answer, visible, queued, e2e, direct, health = [], [], [], [], [], []
    refused = sms_late = 0

    async def swap(job: tuple[str, str, int]) -> None:
        nonlocal refused, sms_late
        order_id, fiber_id, fiber_no = job
        tech = technician(order_id)
        started = time.monotonic()
        response = await hub.post(
            f"/api/v1/technicians/{tech}/orders/{order_id}/fiber-swap",
            json={"fiber_id": fiber_id, "fiber_no": fiber_no},
            headers={"Idempotency-Key": uuid.uuid4().hex, **bearer(tokens[tech])},
        )
        answered = time.monotonic()
        if response.status_code != 200:
            refused += 1
            return
        new_id = response.json()["new_order"]["order_id"]
        mine = await hub.get(f"/api/v1/technicians/{tech}/orders", headers=bearer(tokens[tech]))
        seen = time.monotonic()
        assert new_id in [o["order_id"] for o in mine.json()], "new order not in his list"
        try:
            sms_at = await tap.wait(f"dispatch-notice:{new_id}:v2")
        except TimeoutError:
            sms_late += 1
            return
        answer.append(answered - started)
        visible.append(seen - started)
        queued.append(sms_at - started)
        e2e.append(max(seen, sms_at) - started)

    async def raw_swap(job: tuple[str, str, int]) -> None:
        order_id, fiber_id, fiber_no = job
        started = time.monotonic()
        response = await inventory.post(
            f"/api/v1/orders/{order_id}/fiber-swap",
            json={"fiber_id": fiber_id, "fiber_no": fiber_no, "new_order_id": f"{order_id}.R1"},
            headers={"Idempotency-Key": uuid.uuid4().hex},
        )
        response.raise_for_status()
        direct.append(time.monotonic() - started)

    async def healthz(_: object) -> None:
        started = time.monotonic()
        (await hub.get("/healthz")).raise_for_status()
        health.append(time.monotonic() - started)

    await asyncio.sleep(SETTLE_S)  # the previous level's follow-up work (support, SMS) drains
    await closed_loop(concurrency, raw_jobs, raw_swap)
    await closed_loop(concurrency, list(range(len(hub_jobs))), healthz)
    seconds = await closed_loop(concurrency, hub_jobs, swap)
    end_to_end, inv = percentiles(e2e), percentiles(direct)
    return Level(
        concurrency=concurrency,
        swaps=len(e2e),
        seconds=round(seconds, 2),
        answer_ms=percentiles(answer),
        visible_ms=percentiles(visible),
        sms_queued_ms=percentiles(queued),
        end_to_end_ms=end_to_end,
        inventory_direct_ms=inv,
        healthz_ms=percentiles(health),
        hub_share_ms={k: round(end_to_end[k] - inv[k], 1) for k in end_to_end},
        refused=refused,
        sms_late=sms_late,
    )


async def run(args: argparse.Namespace) -> list[Level]:
    levels = [int(c) for c in args.levels.split(",")]
    total = WARM_UP + args.swaps * len(levels)
    amqp_url = ensure_vhost()
    prefix = f"rr{uuid.uuid4().hex[:6]}."
    with tempfile.TemporaryDirectory(prefix="reroute-") as tmp:
        work = Path(tmp)
        inv_port, hub_port = free_port(), free_port()
        inv_url, hub_url = f"http://127.0.0.1:{inv_port}", f"http://127.0.0.1:{hub_port}"
        env = {k: v for k, v in os.environ.items() if not k.startswith("HUB_")}
        env |= {
            "PYTHONPATH": str(REPO),
            "HUB_AMQP_URL": amqp_url,
            "HUB_QUEUE_PREFIX": prefix,
            "HUB_DATA_DIR": str(work / "hub"),
            "HUB_INVENTORY_URL": inv_url,
            "HUB_LOG_LEVEL": "WARNING",
        }
        if args.database_url:
            env["HUB_DATABASE_URL"] = args.database_url
        inventory_cmd = [
            sys.executable,
            __file__,
            "--serve-inventory",
            str(inv_port),
            "--inventory-db",
            f"sqlite+aiosqlite:///{work / 'inventory.sqlite3'}",
            "--swaps",
            str(total),
        ]
        hub_cmd = [sys.executable, "-m", "hub", "up", "--port", str(hub_port)]
        workers: contextlib.AbstractAsyncContextManager[None] = contextlib.nullcontext()
        if args.split:  # the scale-out shape: a web process and a worker process
            await asyncio.to_thread(
                subprocess.run,
                [sys.executable, "-m", "hub", "db", "upgrade"],
                env=env,
                cwd=REPO,
                check=True,
                capture_output=True,
            )
            hub_cmd = [sys.executable, "-m", "hub", "web", "--port", str(hub_port)]
            workers = process(
                [sys.executable, "-m", "hub", "worker"], env, work / "worker.log", None
            )
        try:
            async with (
                process(inventory_cmd, env, work / "inventory.log", f"{inv_url}/_faults"),
                workers,
                process(hub_cmd, env, work / "hub.log", f"{hub_url}/healthz"),
                httpx.AsyncClient(
                    base_url=hub_url, timeout=30, limits=httpx.Limits(max_connections=100)
                ) as hub,
                httpx.AsyncClient(
                    base_url=inv_url, timeout=30, limits=httpx.Limits(max_connections=100)
                ) as inventory,
            ):
                tokens = await issue_tokens(env, hub_orders(total))
                await open_orders(hub, hub_orders(total), tokens)
                await asyncio.sleep(args.settle_s)  # side effects of opening settle
                tap = SmsTap()
                tap_connection = await tap.start(amqp_url, prefix)
                hub_jobs = [(o, *target(i, total)) for i, o in enumerate(hub_orders(total))]
                raw_jobs = [(o, *target(total + i, total)) for i, o in enumerate(raw_orders(total))]
                await measure_level(
                    1,
                    hub_jobs[:WARM_UP],
                    raw_jobs[:WARM_UP],
                    hub=hub,
                    inventory=inventory,
                    tap=tap,
                    tokens=tokens,
                )
                results, start = [], WARM_UP
                for concurrency in levels:
                    end = start + args.swaps
                    results.append(
                        await measure_level(
                            concurrency,
                            hub_jobs[start:end],
                            raw_jobs[start:end],
                            hub=hub,
                            inventory=inventory,
                            tap=tap,
                            tokens=tokens,
                        )
                    )
                    start = end
                await tap_connection.close()
        finally:
            await delete_prefixed(amqp_url, prefix)
    return results


def table(levels: list[Level]) -> Table:
    out = Table(title="Fiber swap: request → new order visible + SMS queued (ms, p50 / p95 / p99)")
    for column in (
        "concurrent",
        "swaps",
        "answer (200)",
        "visible to him",
        "SMS queued",
        "end to end",
        "raw: inventory direct",
        "raw: /healthz",
        "hub share",
    ):
        out.add_column(column, justify="right")

    def fmt(p: dict[str, float]) -> str:
        return f"{p['p50']:.0f} / {p['p95']:.0f} / {p['p99']:.0f}"

    for lv in levels:
        out.add_row(
            str(lv.concurrency),
            str(lv.swaps),
            fmt(lv.answer_ms),
            fmt(lv.visible_ms),
            fmt(lv.sms_queued_ms),
            fmt(lv.end_to_end_ms),
            fmt(lv.inventory_direct_ms),
            fmt(lv.healthz_ms),
            fmt(lv.hub_share_ms),
        )
    return out


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--swaps", type=int, default=200, help="measured swaps per level")
    parser.add_argument("--levels", default="1,10,50", help="concurrency levels")
    parser.add_argument("--database-url", help="the hub's database (default: SQLite file)")
    parser.add_argument("--settle-s", type=float, default=5.0)
    parser.add_argument(
        "--split", action="store_true", help="`hub web` + `hub worker` instead of `hub up`"
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--serve-inventory", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--inventory-db", help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    if args.serve_inventory:
        serve_inventory(args.serve_inventory, args.inventory_db, args.swaps)
        return 0
    load_before = os.getloadavg()[0]
    levels = asyncio.run(run(args))
    load_after = os.getloadavg()[0]
    if args.json:
        print(
            json.dumps(
                {"levels": [asdict(lv) for lv in levels], "load": [load_before, load_after]},
                ensure_ascii=False,
            )
        )
    else:
        Console().print(table(levels))
        print(f"1-minute load average {load_before:.1f} → {load_after:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
