"""The database handle: one async engine, SQLite tuned for concurrent writers."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import event, insert
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine
from sqlalchemy.sql import Insert
from sqlalchemy.sql.schema import Table

SQLITE_BUSY_TIMEOUT_MS = 5000


class Database:
    """Owns the engine; SQLite writers are serialized in-process and use BEGIN IMMEDIATE."""

    def __init__(self, url: str, *, pool_size: int = 20) -> None:
        self.url = url
        self.is_sqlite = url.startswith("sqlite")
        if self.is_sqlite:
            _ensure_sqlite_dir(url)
            self.engine: AsyncEngine = create_async_engine(
                url,
                connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000},
                pool_reset_on_return=None,  # every transaction ends in commit or rollback
            )
            _tune_sqlite(self.engine)
        else:
            # Every connection is kept once opened (no overflow): overflow connections were
            # opened and closed again under load, each with a round trip for SSL and a cold
            # statement cache (3 % of a worker's main thread in a history run).
            self.engine = create_async_engine(url, pool_size=pool_size, max_overflow=0)
        # Reads on PostgreSQL run without BEGIN/ROLLBACK: at READ COMMITTED every statement
        # takes its own snapshot inside a transaction too, so the two round trips bought
        # nothing (they were ~10 % of the web process's time in the history bench). SQLite
        # keeps its read transaction: there it is what makes several reads one snapshot.
        self._reader = (
            self.engine
            if self.is_sqlite
            else self.engine.execution_options(isolation_level="AUTOCOMMIT")
        )
        # One writer at a time per process on SQLite: waiting on a lock beats busy-looping.
        self.write_lock: asyncio.Lock | None = asyncio.Lock() if self.is_sqlite else None
        self._ignoring_conflicts: dict[str, Insert] = {}

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncConnection]:
        """A connection for reads (no write lock taken; on PostgreSQL, no transaction: what it
        writes would stay, so write through `write()` or a unit of work)."""
        async with self._reader.connect() as conn:
            yield conn

    @asynccontextmanager
    async def write(self) -> AsyncIterator[AsyncConnection]:
        """A short write transaction outside a unit of work (adapters, the relay)."""
        if self.write_lock is None:
            async with self.engine.begin() as conn:
                yield conn
            return
        async with self.write_lock, self.engine.connect() as conn:
            await conn.execution_options(sqlite_begin="IMMEDIATE")
            async with conn.begin():
                yield conn

    def insert_ignoring_conflicts(self, table: Table) -> Insert:
        """INSERT ... ON CONFLICT DO NOTHING for this dialect (built once per table: give the
        values as parameters of `execute`, not with `.values()`, to keep that)."""
        stmt = self._ignoring_conflicts.get(table.name)
        if stmt is None:
            stmt = self._ignoring_conflicts[table.name] = _insert_ignoring(self, table)
        return stmt

    async def dispose(self) -> None:
        await self.engine.dispose()


def _insert_ignoring(db: Database, table: Table) -> Insert:
    if db.is_sqlite:
        return sqlite.insert(table).on_conflict_do_nothing()
    if db.engine.dialect.name == "postgresql":
        return postgresql.insert(table).on_conflict_do_nothing()
    return insert(table)  # pragma: no cover


def _ensure_sqlite_dir(url: str) -> None:
    path = url.split("///", 1)[-1]
    if path and path != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)


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
