"""Reads on PostgreSQL run without a transaction (no BEGIN/ROLLBACK round trips per read);
writes keep theirs, also on a connection the pool handed to a read before."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from hub.db.engine import Database

pytestmark = pytest.mark.integration


async def _server_in_transaction(conn: AsyncConnection) -> bool:
    """After a statement: does the server report a transaction open (ReadyForQuery 'T')?"""
    await conn.execute(text("SELECT 1"))
    raw = await conn.get_raw_connection()
    return bool(raw.driver_connection.is_in_transaction())  # type: ignore[union-attr]


@pytest.mark.parametrize("backend", ["postgres"])
async def test_postgres_reads_run_without_a_transaction_and_writes_with_one(
    database_url: str,
) -> None:
    db = Database(database_url, pool_size=1)  # one connection: reads and writes share it
    try:
        for _ in range(2):
            async with db.read() as conn:
                assert await _server_in_transaction(conn) is False
            async with db.write() as conn:
                assert await _server_in_transaction(conn) is True
    finally:
        await db.dispose()
