"""Real services for tests: a private RabbitMQ vhost and private PostgreSQL databases."""

from __future__ import annotations

import asyncio
import concurrent.futures
import shutil
import subprocess
import uuid
from collections.abc import Coroutine
from typing import Any, TypeVar

import asyncpg

PG_ADMIN_DSN = "postgresql://postgres@127.0.0.1:5432/postgres"
T = TypeVar("T")
AMQP_BASE = "amqp://guest:guest@127.0.0.1:5672/"


def rabbitmqctl(*args: str) -> str:
    exe = shutil.which("rabbitmqctl") or "/usr/sbin/rabbitmqctl"
    return subprocess.run(
        [exe, *args], check=True, capture_output=True, text=True, timeout=60
    ).stdout


def create_vhost() -> str:
    name = f"hubtest_{uuid.uuid4().hex[:10]}"
    rabbitmqctl("add_vhost", name)
    rabbitmqctl("set_permissions", "-p", name, "guest", ".*", ".*", ".*")
    return name


def delete_vhost(name: str) -> None:
    rabbitmqctl("delete_vhost", name)


def amqp_url(vhost: str) -> str:
    return f"{AMQP_BASE}{vhost}"


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


def pg_url(name: str) -> str:
    return f"postgresql+asyncpg://postgres@127.0.0.1:5432/{name}"


def run_sync(coro: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine to completion from sync code, even inside a running event loop."""
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coro).result()
