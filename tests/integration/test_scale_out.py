"""`hub worker --processes N` and `hub web --workers N`: N real processes share the queues (or
the listening socket) on PostgreSQL, a dead one is started again, a stop ends them all, and
SQLite refuses more than one."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import aio_pika
import httpx
import pytest

from hub.bootstrap import bootstrap
from hub.config import Settings
from hub.domain.work_order import Status
from schemas.v1.routing import message_type
from tests import factories
from tests.chaos.harness import worker_env
from tests.helpers import eventually

pytestmark = pytest.mark.integration

# The whole line: a pid run together with the next output would be some other number.
READY = re.compile(r"worker ready prefix=\S+ pid=(\d+)\n")


@asynccontextmanager
async def supervisor(
    settings: Settings, log: Path, *args: str
) -> AsyncIterator[subprocess.Popen[bytes]]:
    """`python -m hub ARGS` as its own process group; killed if the test leaves it running."""
    with log.open("wb") as out:  # Popen returns at once
        proc = subprocess.Popen(  # noqa: ASYNC220
            [sys.executable, "-m", "hub", *args],
            env=worker_env(settings),
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        yield proc
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        # Shown by pytest when the test fails: why a process died or never got ready.
        print(f"--- {log.name} (last 8000 characters)\n{tail(log)}")


def tail(log: Path, chars: int = 8000) -> str:
    return log.read_text(errors="replace")[-chars:]


def ready_pids(log: Path) -> list[int]:
    return [int(pid) for pid in READY.findall(log.read_text(errors="replace"))]


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie is dead too (its parent has not reaped it yet).
    with open(f"/proc/{pid}/stat") as stat:
        return stat.read().split(") ", 1)[1][0] != "Z"


async def stop(proc: subprocess.Popen[bytes]) -> int:
    proc.send_signal(signal.SIGTERM)
    return await asyncio.to_thread(proc.wait, 60)


@pytest.mark.parametrize("backend", ["postgres"])
async def test_worker_processes_share_the_queues_and_a_killed_one_comes_back(
    settings: Settings, tmp_path: Path
) -> None:
    log = tmp_path / "workers.log"
    hub = bootstrap(settings, consumers=False)
    async with supervisor(settings, log, "worker", "--processes", "2") as proc:

        async def both_ready() -> bool:
            return len(ready_pids(log)) == 2

        await eventually(both_ready, timeout=60)
        first, second = ready_pids(log)

        orders = [f"WO-SCALE-{i}" for i in range(40)]
        connection = await aio_pika.connect(settings.amqp_url)
        async with connection:
            channel = await connection.channel(publisher_confirms=True)
            bus = await channel.get_exchange(hub.topology.bus.name, ensure=False)
            for oid in orders:
                command = factories.create_order(oid)
                await bus.publish(
                    aio_pika.Message(
                        command.model_dump_json().encode(),
                        message_id=f"create-{oid}",
                        content_type="application/json",
                        type=message_type(type(command)),
                        delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
                    ),
                    routing_key=hub.topology.route(type(command)),
                )

        async def all_created() -> bool:
            async with hub.uow.read() as uow:
                found = [await uow.orders.find(oid) for oid in orders]
            return all(o is not None and o.status is Status.CREATED for o in found)

        await eventually(all_created, timeout=60)

        os.kill(second, signal.SIGKILL)
        started = time.monotonic()

        async def replaced() -> bool:
            return len(ready_pids(log)) == 3

        await eventually(replaced, timeout=30)
        restarted = ready_pids(log)[2]
        print(
            f"killed worker {second} replaced by {restarted} in {time.monotonic() - started:.1f} s"
        )
        assert restarted not in (first, second)

        assert await stop(proc) == 0
        assert not alive(first) and not alive(restarted)
    await hub.db.dispose()


@pytest.mark.parametrize("backend", ["postgres"])
async def test_web_processes_share_one_socket_and_a_killed_one_comes_back(
    settings: Settings, tmp_path: Path
) -> None:
    log = tmp_path / "web.log"
    port = _free_port()
    async with supervisor(settings, log, "web", "--workers", "2", "--port", str(port)) as proc:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=5) as client:

            async def serving() -> bool:
                try:
                    return (await client.get("/healthz")).status_code == 200
                except httpx.HTTPError:
                    return False

            await eventually(serving, timeout=60)
            children = _children(proc.pid)
            assert len(children) == 2, log.read_text(errors="replace")[-2000:]

            os.kill(children[0], signal.SIGKILL)
            # The survivor answers every new connection while its twin is started again (a
            # kept-alive connection to the killed one dies with it, as it would behind any
            # load balancer).
            no_keepalive = httpx.Limits(max_keepalive_connections=0)
            async with httpx.AsyncClient(
                base_url=f"http://127.0.0.1:{port}", timeout=5, limits=no_keepalive
            ) as fresh:
                answers = [(await fresh.get("/healthz")).status_code for _ in range(20)]
            assert answers == [200] * 20

            async def two_again() -> bool:
                now = _children(proc.pid)
                return len(now) == 2 and children[0] not in now

            await eventually(two_again, timeout=30)
        assert await stop(proc) == 0


@pytest.mark.parametrize("backend", ["sqlite"])
async def test_sqlite_refuses_more_than_one_process(settings: Settings, tmp_path: Path) -> None:
    assert settings.resolved_database_url.startswith("sqlite")
    for args in (("worker", "--processes", "2"), ("web", "--workers", "2")):
        done = await asyncio.to_thread(
            subprocess.run,
            [sys.executable, "-m", "hub", *args],
            env=worker_env(settings),
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert done.returncode == 2
        assert "needs PostgreSQL for more than one process" in done.stderr + done.stdout


def _children(pid: int) -> list[int]:
    """The live (not zombie) child processes of `pid`."""
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        text = (task / "children").read_text().split()
        found.extend(int(child) for child in text)
    return [child for child in found if alive(child)]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
