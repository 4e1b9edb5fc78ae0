"""The history bench stands in for PostgreSQL's autovacuum when the server has it off: it
vacuums exactly the tables autovacuum's default rules pick, and then leaves them alone."""

from __future__ import annotations

import sys
from pathlib import Path

import asyncpg
import pytest

from tests.helpers import eventually
from tests.services import server_autovacuum

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
from vacuum import Autovacuum, autovacuum_if_off, dsn

pytestmark = pytest.mark.integration

ROWS = 1000


async def _stats(conn: asyncpg.Connection, table: str) -> tuple[int, int]:
    row = await conn.fetchrow(
        "SELECT n_dead_tup, n_mod_since_analyze FROM pg_stat_user_tables WHERE relname = $1",
        table,
    )
    return (int(row["n_dead_tup"]), int(row["n_mod_since_analyze"])) if row else (0, 0)


async def test_only_the_tables_autovacuum_would_pick_are_vacuumed_once(empty_pg_url: str) -> None:
    conn = await asyncpg.connect(dsn(empty_pg_url))
    try:
        for table in ("churned", "quiet", "grown"):
            await conn.execute(f"CREATE TABLE {table} (id int PRIMARY KEY, n int)")
        await conn.execute(f"INSERT INTO churned SELECT g, 0 FROM generate_series(1, {ROWS}) g")
        await conn.execute("INSERT INTO quiet SELECT g, 0 FROM generate_series(1, 10) g")
        await conn.execute("ANALYZE churned; ANALYZE quiet")
        await conn.execute("UPDATE churned SET n = n + 1")  # ROWS dead rows > 50 + 20 %
        await conn.execute(f"INSERT INTO grown SELECT g, 0 FROM generate_series(1, {ROWS}) g")

        async def counted() -> bool:  # the server's statistics arrive a little later
            dead, _ = await _stats(conn, "churned")
            _, changed = await _stats(conn, "grown")
            return dead >= ROWS and changed >= ROWS

        await eventually(counted, timeout=30)
        vacuum = Autovacuum(empty_pg_url)

        ran = await vacuum.once()

        # grown: inserts only (no dead rows) but never analyzed; quiet: below both thresholds
        assert ran == ["VACUUM (ANALYZE) churned", "ANALYZE grown"]
        assert (vacuum.vacuums, vacuum.analyzes) == (1, 2)

        async def cleaned() -> bool:
            return await _stats(conn, "churned") == (0, 0)

        await eventually(cleaned, timeout=30)
        assert await vacuum.once() == []  # nothing is due any more
    finally:
        await conn.close()


async def test_the_bench_stands_in_only_when_the_server_does_not_vacuum(empty_pg_url: str) -> None:
    async with autovacuum_if_off(empty_pg_url, naptime_s=3600) as vacuum:
        assert (vacuum is None) == await server_autovacuum()
