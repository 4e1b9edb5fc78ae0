"""Apply alembic migrations programmatically (`hub db upgrade`, `hub up`, tests)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection
from sqlalchemy.ext.asyncio import AsyncConnection

from hub.db.engine import Database

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


def alembic_config(url: str = "") -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url)
    return config


async def upgrade(db: Database, revision: str = "head") -> None:
    """Bring the database to `revision`, on SQLite or PostgreSQL."""

    def _upgrade(sync_conn: Connection) -> None:
        config = alembic_config(db.url)
        config.attributes["connection"] = sync_conn
        command.upgrade(config, revision)

    async with db.engine.connect() as conn:
        await _run(conn, _upgrade)
        await conn.commit()


async def _run(conn: AsyncConnection, fn: Callable[[Connection], None]) -> None:
    await conn.run_sync(fn)
