"""The 3-node RabbitMQ cluster of `scripts/rabbit-cluster.sh`, driven from a test.

RabbitCluster.start()       start (idempotent) → the nodes' AMQP URLs
node_of(pid)                which node a process is connected to (its TCP peer port)
kill9(node)                 `kill -9` that node's Erlang VM
work_queue_consumers(...)   consumers on the hub's work queues, cluster-wide
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import signal
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import aio_pika

from tests.chaos.harness import REPO_ROOT, is_work_queue

SCRIPT = REPO_ROOT / "scripts" / "rabbit-cluster.sh"
RABBITMQ_BIN = Path(os.environ.get("RABBITMQ_BIN", "/usr/lib/rabbitmq/bin"))
START_BUDGET_S = 300.0
NODES = (1, 2, 3)
PEER = re.compile(r"127\.0\.0\.1:(\d+)\s+users:\(\(.*?pid=(\d+),")


def installed() -> bool:
    return (RABBITMQ_BIN / "rabbitmq-server").exists() and shutil.which("ss") is not None


@dataclass
class RabbitCluster:
    """Three nodes on this machine; `urls[i]` is node `i + 1`."""

    urls: tuple[str, ...] = ()
    started_here: bool = False
    killed: list[int] = field(default_factory=list)

    def script(self, *args: str, timeout: float = 60.0) -> str:
        return subprocess.run(
            [str(SCRIPT), *args], check=True, capture_output=True, text=True, timeout=timeout
        ).stdout

    def start(self) -> tuple[str, ...]:
        """Start the nodes not running (all, or one killed earlier); the cluster's URLs."""
        self.started_here = "running" not in self.script("status")
        out = self.script("start", timeout=START_BUDGET_S)
        self.urls = tuple(out.strip().splitlines()[-1].split(","))
        return self.urls

    def stop(self) -> None:
        self.script("stop", timeout=START_BUDGET_S)

    def port(self, node: int) -> int:
        return int(self.urls[node - 1].rsplit(":", 1)[1].strip("/"))

    def node_at(self, port: int) -> int | None:
        return next((n for n in NODES if self.port(n) == port), None)

    def ctl(self, node: int, *args: str) -> str:
        return self.script("ctl", str(node), *args)

    def rows(self, listing: str, *columns: str) -> list[list[str]]:
        """`rabbitmqctl <listing> <columns>` on a live node, one list of fields per line."""
        out = self.ctl(self.alive()[0], "-q", listing, "--no-table-headers", *columns)
        return [line.split("\t") for line in out.splitlines()]

    def alive(self) -> list[int]:
        return [n for n in NODES if n not in self.killed]

    def node_of(self, pid: int) -> int | None:
        """The node process `pid` holds an AMQP connection to (`ss -tnp`), if any."""
        out = subprocess.run(
            ["ss", "-Htnp", "state", "established"], capture_output=True, text=True, check=True
        ).stdout
        for line in out.splitlines():
            for port, owner in PEER.findall(line):
                node = self.node_at(int(port))
                if int(owner) == pid and node is not None:
                    return node
        return None

    def peer_ports(self, node: int) -> set[int]:
        """Client ports of the connections `rabbitmqctl list_connections` shows on `node`."""
        out = self.ctl(node, "-q", "list_connections", "--no-table-headers", "peer_port", "pid")
        ports = set()
        for line in out.splitlines():
            port, _, pid = line.partition("\t")  # pid: <hubc2@localhost.1796364926.2091.0>
            if pid.startswith(f"<hubc{node}@"):
                ports.add(int(port))
        return ports

    def local_ports(self, pid: int, node: int) -> set[int]:
        """The client ports of process `pid`'s connections to `node`."""
        out = subprocess.run(
            ["ss", "-Htnp", "state", "established", f"( dport = :{self.port(node)} )"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        return {
            int(line.split()[2].rsplit(":", 1)[1])
            for line in out.splitlines()
            if f"pid={pid}," in line
        }

    def kill9(self, node: int) -> int:
        """`kill -9` the node's Erlang VM; returns its OS pid."""
        pid = int(self.script("pid", str(node)).strip())
        os.kill(pid, signal.SIGKILL)
        self.killed.append(node)
        return pid

    async def work_queues(self, prefix: str) -> dict[str, tuple[int, int, int]]:
        """The hub's work queues of `prefix`: name → (ready, unacked, consumers)."""
        queues = await self.all_queues(prefix)
        return {name: counts for name, counts in queues.items() if is_work_queue(prefix, name)}

    async def all_queues(self, prefix: str) -> dict[str, tuple[int, int, int]]:
        """Every queue of `prefix` (work, parking, retry, the field's): name → (ready, unacked,
        consumers)."""
        rows = await asyncio.to_thread(
            self.rows,
            "list_queues",
            "name",
            "messages_ready",
            "messages_unacknowledged",
            "consumers",
        )
        return {n: (int(r), int(u), int(c)) for n, r, u, c in rows if n.startswith(prefix)}

    def replicas(self, prefix: str) -> dict[str, str]:
        """Quorum queues of `prefix`: name → their members, as the cluster lists them."""
        return {
            n: members
            for n, kind, members in self.rows("list_queues", "name", "type", "members")
            if n.startswith(prefix) and kind == "quorum"
        }

    async def delete_queues(self, prefix: str) -> None:
        """Delete the queues of `prefix` over AMQP (one CLI call per queue takes a second)."""
        names = [name for (name,) in self.rows("list_queues", "name")]
        connection = await aio_pika.connect(self.urls[self.alive()[0] - 1], timeout=10)
        async with connection:
            channel = await connection.channel()
            for name in names:
                if name.startswith(prefix):
                    await channel.queue_delete(name)
