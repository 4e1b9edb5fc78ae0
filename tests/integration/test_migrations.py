"""The migrations build exactly the schema `hub.db.tables` declares, and step back and forth."""

from __future__ import annotations

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Connection, inspect

from hub.db.engine import Database
from hub.db.migrate import alembic_config, upgrade
from hub.db.tables import metadata

pytestmark = pytest.mark.integration


def _differences(conn: Connection) -> list[object]:
    return list(compare_metadata(MigrationContext.configure(conn), metadata))


def _downgrade(conn: Connection, revision: str) -> None:
    config = alembic_config()
    config.attributes["connection"] = conn
    command.downgrade(config, revision)


async def test_head_matches_the_table_definitions_and_the_last_steps_reverse(
    database_url: str,
) -> None:
    db = Database(database_url)
    try:
        await upgrade(db)
        async with db.engine.connect() as conn:
            assert await conn.run_sync(_differences) == []
            await conn.run_sync(_downgrade, "0008")  # through 0010 and 0009
            await conn.commit()
            tables = await conn.run_sync(lambda c: set(inspect(c).get_table_names()))
            assert "appointment_history" not in tables and "work_orders" in tables
        await upgrade(db)
        async with db.engine.connect() as conn:
            assert await conn.run_sync(_differences) == []
    finally:
        await db.dispose()
