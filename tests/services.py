"""Real services for tests: a private RabbitMQ vhost and private PostgreSQL databases."""

from __future__ import annotations

import asyncio
import concurrent.futures
import shutil
import subprocess
import uuid
from collections.abc import Coroutine
from typing import Any, TypeVar
from urllib.parse import quote

import asyncpg

PG_ADMIN_DSN = "postgresql://postgres@127.0.0.1:5432/postgres"
T = TypeVar("T")
AMQP_BASE = "amqp://guest:guest@127.0.0.1:5672/"


def rabbitmqctl(*args: str) -> str:
    exe = shutil.which("rabbitmqctl") or "/usr/sbin/rabbitmqctl"
    return subprocess.run(
        [exe, *args], check=True, capture_output=True, text=True, timeout=60
    ).stdout


TEST_VHOST = "hub-test"


def ensure_vhost(name: str = TEST_VHOST) -> str:
    """The test vhost, created once and kept.

    Test runs are isolated by queue prefix inside it, never by creating and deleting vhosts:
    on RabbitMQ 3.10, deleting a vhost that still holds quorum queues of a killed client can
    hang the broker's vhost machinery for every later `add_vhost`/`delete_vhost`.
    """
    rabbitmqctl("await_startup")  # a chaos test may have restarted the broker a moment ago
    if name not in rabbitmqctl("list_vhosts", "-q", "--no-table-headers").split():
        rabbitmqctl("add_vhost", name)
    rabbitmqctl("set_permissions", "-p", name, "guest", ".*", ".*", ".*")
    return name


MANAGEMENT = "http://127.0.0.1:15672/api"


def queue_names(vhost: str, prefix: str) -> list[str]:
    """The vhost's queues starting with `prefix`: from the management API (fast), or
    `rabbitmqctl` when the plugin is off."""
    import httpx

    try:
        answer = httpx.get(
            f"{MANAGEMENT}/queues/{quote(vhost, safe='')}",
            params={"columns": "name"},
            auth=("guest", "guest"),
            timeout=10,
        )
        answer.raise_for_status()
        names = [q["name"] for q in answer.json()]
    except (httpx.HTTPError, ValueError):
        names = list(list_queues(vhost))
    return [n for n in names if n.startswith(prefix)]


async def purge_by_prefix(vhost: str, prefix: str) -> int:
    """Empty every queue of `vhost` starting with `prefix` (the queues stay declared).

    Retry wait queues first: a message leaving one dead-letters into its work queue.
    """
    import aio_pika

    names = sorted(queue_names(vhost, prefix), key=lambda n: ".retry." not in n)
    connection = await aio_pika.connect(amqp_url(vhost), timeout=10)
    async with connection:
        channel = await connection.channel()
        for name in names:
            queue = await channel.get_queue(name, ensure=False)
            await queue.purge()
    return len(names)


async def delete_by_prefix(vhost: str, prefix: str) -> int:
    """Delete every queue and exchange of `vhost` whose name starts with `prefix`."""
    import aio_pika

    queues = queue_names(vhost, prefix)
    out = rabbitmqctl("list_exchanges", "-q", "--no-table-headers", "-p", vhost, "name")
    exchanges = [x for x in out.split() if x.startswith(prefix) and not x.startswith("amq.")]
    connection = await aio_pika.connect(amqp_url(vhost), timeout=10)
    async with connection:
        channel = await connection.channel()
        for queue in queues:
            await channel.queue_delete(queue)
        for exchange in exchanges:
            await channel.exchange_delete(exchange)
    return len(queues) + len(exchanges)


def amqp_url(vhost: str) -> str:
    return f"{AMQP_BASE}{quote(vhost, safe='')}"


def list_queues(vhost: str) -> dict[str, tuple[int, int, int]]:
    """queue name → (messages_ready, messages_unacknowledged, consumers)."""
    out = rabbitmqctl(
        "list_queues",
        "-q",
        "--no-table-headers",
        "-p",
        vhost,
        "name",
        "messages_ready",
        "messages_unacknowledged",
        "consumers",
    )
    queues = {}
    for line in out.splitlines():
        parts = line.split()
        if len(parts) == 4:
            queues[parts[0]] = (int(parts[1]), int(parts[2]), int(parts[3]))
    return queues


async def create_database(template: str | None = None) -> str:
    name = f"hubtest_{uuid.uuid4().hex[:10]}"
    conn = await asyncpg.connect(PG_ADMIN_DSN)
    try:
        suffix = f' TEMPLATE "{template}"' if template else ""
        await conn.execute(f'CREATE DATABASE "{name}"{suffix}')
    finally:
        await conn.close()
    return name


async def drop_database(name: str) -> None:
    conn = await asyncpg.connect(PG_ADMIN_DSN)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


async def server_autovacuum() -> bool:
    """Whether the PostgreSQL server runs autovacuum (this machine's CI server does not)."""
    conn = await asyncpg.connect(PG_ADMIN_DSN)
    try:
        return str(await conn.fetchval("SHOW autovacuum")) == "on"
    finally:
        await conn.close()


def pg_url(name: str) -> str:
    return f"postgresql+asyncpg://postgres@127.0.0.1:5432/{name}"


def run_sync(coro: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine to completion from sync code, even inside a running event loop."""
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coro).result()
