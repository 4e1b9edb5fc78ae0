"""Reads on PostgreSQL run without a transaction (no BEGIN/ROLLBACK round trips per read);
writes keep theirs, also on a connection the pool handed to a read before. A process holds at
most `HUB_DB_POOL_SIZE` connections and keeps them (no overflow opened and closed under load)."""

from __future__ import annotations

import asyncio

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


@pytest.mark.parametrize("backend", ["postgres"])
async def test_a_burst_waits_for_the_pool_and_every_connection_is_kept(database_url: str) -> None:
    db = Database(database_url, pool_size=3)
    seen: list[int] = []
    at_once = 0
    most = 0

    async def hold() -> None:
        nonlocal at_once, most
        async with db.read() as conn:
            at_once += 1
            most = max(most, at_once)
            seen.append(int((await conn.execute(text("SELECT pg_backend_pid()"))).scalar_one()))
            await asyncio.sleep(0.05)
            at_once -= 1

    try:
        for _ in range(2):  # two bursts of twice the pool
            await asyncio.gather(*(hold() for _ in range(6)))
    finally:
        await db.dispose()
    assert most == 3  # the burst waited for a connection instead of opening more
    assert len(set(seen)) == 3  # the second burst found the first's connections open
