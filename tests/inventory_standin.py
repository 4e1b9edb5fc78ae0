"""The inventory stand-in for tests: small seeds, its own database, served over HTTP by uvicorn.

`inventory` is the stand-in behind the server; `records` reads its storage (ledger, holders).
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import uvicorn

from adapters.inventory.embedded import EmbeddedInventory
from adapters.inventory.seed import AssignmentSeed, BoxSeed, CableSeed, SeedData
from adapters.inventory.server import create_inventory_app
from adapters.standin_storage import StandinStorage
from tests import services
from tests.fakes.standin_oracles import InventoryRecords

CLIENT_TIMEOUT_S = 2.0


def line_seed(
    order_ids: Sequence[str], *, per_cable: int = 4, fibers: int = 8, spare_ports: int = 4
) -> SeedData:
    """Orders spread over cables C001, C002…: order i holds fiber (i % per_cable) + 1 of its
    cable and the port of the same number on that cable's box B00n; the last fiber of every
    cable is faulty, the rest free."""
    cables = -(-len(order_ids) // per_cable) or 1
    data = SeedData()
    for n in range(1, cables + 1):
        data.cables.append(
            CableSeed(
                cable_id=f"C{n:03d}",
                name=f"测试光缆 {n}",
                route=f"上海市黄浦区南京东路{n}号",
                fiber_count=fibers,
                faulty=frozenset({fibers}),
            )
        )
        data.boxes.append(
            BoxSeed(
                box_id=f"B{n:03d}",
                name=f"南京东路{n}号分纤箱",
                address=f"上海市黄浦区南京东路{n}号 弱电间",
                lat=31.2304 + n * 0.001,
                lon=121.4737,
                cable_id=f"C{n:03d}",
                port_count=per_cable + spare_ports,
                faulty=frozenset({per_cable + spare_ports}),
            )
        )
    for i, order_id in enumerate(order_ids):
        n = i // per_cable + 1
        no = i % per_cable + 1
        data.assignments.append(AssignmentSeed(order_id, f"C{n:03d}", no, f"B{n:03d}", no))
    return data


def fiber_id(cable: int, fiber_no: int) -> str:
    return f"C{cable:03d}-F{fiber_no:03d}"


async def separate_database(backend: str, tmp_path: Path) -> str:
    """A second, empty database: the inventory is another system with its own records (the
    stand-in creates its tables on first use)."""
    if backend == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'inventory.sqlite3'}"
    return services.pg_url(await services.create_database())


async def drop_separate_database(url: str) -> None:
    if url.startswith("postgresql"):
        await services.drop_database(url.rsplit("/", 1)[1])


@dataclass
class ServedInventory:
    """The served stand-in: its URL, the inventory behind it, and a raw client for the contract."""

    url: str
    inventory: EmbeddedInventory
    http: httpx.AsyncClient

    @property
    def records(self) -> InventoryRecords:
        return InventoryRecords.of(self.inventory)

    async def faults(self, **faults: Any) -> None:
        response = await self.http.put("/_faults", json=faults)
        assert response.status_code == 200, response.text


@asynccontextmanager
async def serve_inventory(database_url: str, seed: SeedData) -> AsyncIterator[ServedInventory]:
    """The stand-in on a free port, loaded with `seed`, until the block ends."""
    storage = StandinStorage(database_url, EmbeddedInventory.tables)
    app = create_inventory_app(storage)
    inventory: EmbeddedInventory = app.state.inventory
    await inventory.load(seed)
    # IPPROTO_TCP: asyncio then sets TCP_NODELAY on accepted sockets (no 40 ms Nagle stalls).
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(
        uvicorn.Config(app, lifespan="off", log_level="warning", access_log=False)
    )
    task = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        async with asyncio.timeout(10):
            while not server.started:
                assert not task.done(), "uvicorn stopped before it started"
                await asyncio.sleep(0.01)
        url = f"http://127.0.0.1:{sock.getsockname()[1]}"
        async with httpx.AsyncClient(base_url=url, timeout=CLIENT_TIMEOUT_S) as http:
            yield ServedInventory(url=url, inventory=inventory, http=http)
    finally:
        server.should_exit = True
        await task
        sock.close()
        await storage.dispose()
