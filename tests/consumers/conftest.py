"""In-memory broker tests: the real routers and handlers, SQLite, no RabbitMQ connection."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from faststream.rabbit import RabbitMessage, RabbitQueue, TestRabbitBroker

from hub.bootstrap import Hub, bootstrap
from hub.config import Settings
from hub.db.engine import Database
from hub.db.migrate import upgrade
from hub.messaging.declare import ALL_CONSUMERS


async def _keep_raw(msg: Any) -> Any:
    return msg.body  # parked bodies may be anything: never decode them


async def _migrate(path: Path) -> None:
    db = Database(f"sqlite+aiosqlite:///{path}")
    await upgrade(db)
    await db.dispose()


@pytest.fixture(scope="session")
def migrated_database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file migrated once per session; each hub starts from a copy of it."""
    path = tmp_path_factory.mktemp("migrated") / "hub.sqlite3"
    asyncio.run(_migrate(path))
    return path


@asynccontextmanager
async def running_memory_hub(data_dir: Path, migrated: Path) -> AsyncIterator[Hub]:
    """The real hub wired by `bootstrap` on SQLite (a copy of `migrated`), on the in-memory
    broker; parked messages are collected in `hub.parked`."""
    shutil.copyfile(migrated, data_dir / "hub.sqlite3")
    url = f"sqlite+aiosqlite:///{data_dir / 'hub.sqlite3'}"
    # One render worker: this tier shares a 2-core machine, and one report at a time is enough.
    settings = Settings(database_url=url, data_dir=data_dir, queue_prefix="mem.", report_workers=1)
    hub = bootstrap(settings)
    parked: list[RabbitMessage] = []
    for consumer in ALL_CONSUMERS:
        # Parking is published to the default exchange by queue name; the in-memory broker
        # matches on the queue's routing key, so subscribe by name only.
        @hub.broker.subscriber(
            RabbitQueue(hub.topology.parking_queue(consumer).name), decoder=_keep_raw
        )
        async def collect(msg: RabbitMessage) -> None:
            parked.append(msg)

    hub.parked = parked  # type: ignore[attr-defined]
    try:
        async with TestRabbitBroker(hub.broker):
            yield hub
    finally:
        await hub.aclose()  # stand-ins (the mailbox too), the render pool, the database


@pytest.fixture
async def memory_hub(tmp_path: Path, migrated_database: Path) -> AsyncIterator[Hub]:
    async with running_memory_hub(tmp_path, migrated_database) as hub:
        yield hub


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def module_memory_hub(
    tmp_path_factory: pytest.TempPathFactory, migrated_database: Path
) -> AsyncIterator[Hub]:
    """One memory hub for a whole module, for tests whose messages change nothing (parked)."""
    data_dir = tmp_path_factory.mktemp("memory-hub")
    async with running_memory_hub(data_dir, migrated_database) as hub:
        yield hub
