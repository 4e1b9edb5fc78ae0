"""Where an embedded stand-in keeps its records: a database of its own, never the hub's schema.

Each stand-in (work-order system, inventory, billing) and local provider (SMS platform, mailbox)
declares its tables in a `MetaData` of its own and creates them itself on first use; no alembic.
Beside a hub on SQLite that is a file of its own under the hub's data dir
(`<data_dir>/standins/<name>.sqlite3`); beside a hub on PostgreSQL it is a schema of its own
(`standin_<name>`) in the hub's database, so the hub's `public` schema holds only the hub's
tables. Every process that opens the same (hub URL, data dir, name) finds the same records.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, ClassVar

from sqlalchemy import DateTime, MetaData, event, insert, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine
from sqlalchemy.sql import Insert
from sqlalchemy.sql.schema import Table
from sqlalchemy.types import TypeDecorator

STANDIN_DIR = "standins"
SCHEMA_PREFIX = "standin_"
SQLITE_BUSY_TIMEOUT_MS = 5000
NAME = re.compile(r"^[a-z][a-z0-9_]{0,30}$")


def standin_metadata() -> MetaData:
    """A fresh `MetaData` with the hub's naming convention, for one stand-in's tables."""
    return MetaData(
        naming_convention={
            "ix": "ix_%(table_name)s_%(column_0_N_name)s",
            "uq": "uq_%(table_name)s_%(column_0_N_name)s",
            "pk": "pk_%(table_name)s",
        }
    )


class UtcDateTime(TypeDecorator[datetime]):
    """Stores aware datetimes as UTC and always returns them aware (SQLite drops the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class StandinStorage:
    """One stand-in's engine and tables; SQLite writers are serialized and BEGIN IMMEDIATE."""

    def __init__(
        self, url: str, metadata: MetaData, *, schema: str | None = None, pool_size: int = 6
    ) -> None:
        self.url = url
        self.metadata = metadata
        self.schema = schema
        self.is_sqlite = url.startswith("sqlite")
        if self.is_sqlite:
            self._base = create_async_engine(
                url,
                connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000},
                pool_reset_on_return=None,  # every transaction ends in commit or rollback
            )
            _tune_sqlite(self._base)
            self.engine: AsyncEngine = self._base
        else:
            # Small: a stand-in's calls are short, and the hub's own pool comes first. Kept
            # once opened, as the hub's own (no overflow to open and close under load).
            self._base = create_async_engine(url, pool_size=pool_size, max_overflow=0)
            translate = {None: schema} if schema else {}
            self.engine = self._base.execution_options(schema_translate_map=translate)
        self._write_lock: asyncio.Lock | None = asyncio.Lock() if self.is_sqlite else None
        self._created = False
        self._create_lock = asyncio.Lock()

    @classmethod
    def beside(
        cls, hub_database_url: str, *, data_dir: Path, name: str, metadata: MetaData
    ) -> StandinStorage:
        """The storage of stand-in `name` beside a hub's database (see the module docstring)."""
        if not NAME.match(name):
            raise ValueError(f"a stand-in's storage name is lowercase letters and _: {name!r}")
        if not hub_database_url.startswith("sqlite"):
            return cls(hub_database_url, metadata, schema=SCHEMA_PREFIX + name)
        if hub_database_url.split("///", 1)[-1] in ("", ":memory:"):
            return cls("sqlite+aiosqlite:///:memory:", metadata)
        path = (data_dir / STANDIN_DIR / f"{name}.sqlite3").resolve()
        return cls(f"sqlite+aiosqlite:///{path}", metadata)

    @property
    def location(self) -> str:
        """Where the records are, for people: a file path or a schema name."""
        if self.is_sqlite:
            return self.url.split("///", 1)[-1]
        return f"schema {self.schema}" if self.schema else "the database's default schema"

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncConnection]:
        """A connection for reads (no write lock taken)."""
        await self.create_tables()
        async with self.engine.connect() as conn:
            yield conn

    @asynccontextmanager
    async def write(self) -> AsyncIterator[AsyncConnection]:
        """A short write transaction."""
        await self.create_tables()
        async with self._transaction() as conn:
            yield conn

    def insert_ignoring_conflicts(self, table: Table) -> Insert:
        """INSERT ... ON CONFLICT DO NOTHING for this dialect."""
        if self.is_sqlite:
            return sqlite.insert(table).on_conflict_do_nothing()
        if self.engine.dialect.name == "postgresql":
            return postgresql.insert(table).on_conflict_do_nothing()
        return insert(table)  # pragma: no cover

    async def create_tables(self) -> None:
        """Create the schema (PostgreSQL) and the tables that are missing; once per handle."""
        if self._created:
            return
        async with self._create_lock:
            if self._created:
                return
            if self.is_sqlite and ":memory:" not in self.url:
                Path(self.location).parent.mkdir(parents=True, exist_ok=True)
            async with self._transaction() as conn:
                if self.schema:
                    # Processes starting together would race on CREATE ... IF NOT EXISTS.
                    lock = text("SELECT pg_advisory_xact_lock(hashtext(:name))")
                    await conn.execute(lock, {"name": self.schema})
                    await conn.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{self.schema}"'))
                await conn.run_sync(self.metadata.create_all)
            self._created = True

    async def dispose(self) -> None:
        await self._base.dispose()

    @asynccontextmanager
    async def _transaction(self) -> AsyncIterator[AsyncConnection]:
        if self._write_lock is None:
            async with self.engine.begin() as conn:
                yield conn
            return
        async with self._write_lock, self.engine.connect() as conn:
            await conn.execution_options(sqlite_begin="IMMEDIATE")
            async with conn.begin():
                yield conn


class OwnsStorage:
    """A stand-in or local provider that keeps its records in a `StandinStorage` of its own."""

    storage_name: ClassVar[str]  # its file or schema name
    tables: ClassVar[MetaData]

    def __init__(self, storage: StandinStorage) -> None:
        if storage.metadata is not self.tables:
            raise ValueError(f"{type(self).__name__} needs a storage of its own tables")
        self.storage = storage

    @classmethod
    def open_storage(cls, hub_database_url: str, *, data_dir: Path) -> StandinStorage:
        """Its storage beside a hub's database: the same records in every process."""
        return StandinStorage.beside(
            hub_database_url, data_dir=data_dir, name=cls.storage_name, metadata=cls.tables
        )

    async def aclose(self) -> None:
        """Close its storage's connections."""
        await self.storage.dispose()


def _tune_sqlite(engine: AsyncEngine) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Let SQLAlchemy emit BEGIN itself (pysqlite's implicit transactions get in the way).
        dbapi_conn.isolation_level = None
        cursor = dbapi_conn.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(conn: Any) -> None:
        mode = conn.get_execution_options().get("sqlite_begin", "DEFERRED")
        conn.exec_driver_sql(f"BEGIN {mode}")
