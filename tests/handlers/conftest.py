"""The handler tier: the real use cases over in-memory fakes; no database, broker or browser.

The storage parity tests (`test_storage_parity*.py`) run each case twice, on the fakes and on
the real `hub.db` unit of work over a SQLite file, so the fakes cannot drift from the database.
"""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from hub.db.engine import Database
from hub.db.migrate import upgrade
from hub.db.uow import UnitOfWorkFactory
from hub.handlers.exception_directory import DirectoryService
from hub.ports import UnitOfWorkFactory as UnitOfWorkFactoryPort
from tests.fakes import FakeClock, FakeUnitOfWorkFactory
from tests.handlers.harness import FakeHub, fake_hub


@pytest.fixture
async def hub(tmp_path: Path) -> FakeHub:
    the_hub = fake_hub(tmp_path)
    await DirectoryService(the_hub.uow).seed_if_empty()  # who exception reports go to
    return the_hub


@dataclass
class Storage:
    """A unit-of-work factory (fake or SQLite) and the clock it reads."""

    uow: UnitOfWorkFactoryPort
    clock: FakeClock
    kind: str


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A SQLite file migrated once; each parity test copies it."""
    path = tmp_path_factory.mktemp("parity") / "template.sqlite3"

    async def migrate() -> None:
        db = Database(f"sqlite+aiosqlite:///{path}")
        await upgrade(db)
        await db.dispose()

    asyncio.run(migrate())
    yield path


@pytest.fixture(params=["fake", "sqlite"])
async def storage(
    request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: Path
) -> AsyncIterator[Storage]:
    clock = FakeClock()
    if request.param == "fake":
        yield Storage(FakeUnitOfWorkFactory(clock=clock), clock, "fake")
        return
    path = tmp_path / "hub.sqlite3"
    shutil.copy(sqlite_template, path)
    db = Database(f"sqlite+aiosqlite:///{path}")
    yield Storage(UnitOfWorkFactory(db, exchange="hub.bus", clock=clock), clock, "sqlite")
    await db.dispose()
