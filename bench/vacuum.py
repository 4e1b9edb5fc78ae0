"""Autovacuum, stood in for by the bench when the PostgreSQL server has it off.

This machine's PostgreSQL runs with `autovacuum = off` (its CI configuration,
`/etc/postgresql/15/main/conf.d/90-ci.conf`); a deployment runs with it on. Without it every
updated or deleted row leaves its old version behind and no statistics are gathered, so the hub's
statements read more pages as a run grows (an order's row is updated at every step, and the
outbox's at every message). A province-scale run then measures the server's setting, not the hub.

`Autovacuum` applies autovacuum's default rules every `naptime_s` (`autovacuum_naptime`, 60 s)
to each table of one database: VACUUM when its dead rows exceed 50 + 20 % of its live rows,
ANALYZE when the rows changed since the last analyze exceed 50 + 10 %. It does not sleep between
pages as autovacuum does (`autovacuum_vacuum_cost_delay`), so it finishes sooner and costs the
same work.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import asyncpg

from hub.db.engine import Database
from hub.db.server_checks import autovacuum_on

NAPTIME_S = 60.0
VACUUM_BASE, VACUUM_SCALE = 50, 0.2
ANALYZE_BASE, ANALYZE_SCALE = 50, 0.1

DUE = """
SELECT relname,
       n_dead_tup > $1 + $2 * n_live_tup AS vacuum,
       n_mod_since_analyze > $3 + $4 * n_live_tup AS analyze
FROM pg_stat_user_tables
WHERE schemaname = 'public'
  AND (n_dead_tup > $1 + $2 * n_live_tup OR n_mod_since_analyze > $3 + $4 * n_live_tup)
ORDER BY relname
"""


def dsn(url: str) -> str:
    """asyncpg's DSN for a SQLAlchemy `postgresql+asyncpg://` URL."""
    return url.replace("postgresql+asyncpg://", "postgresql://", 1)


async def server_autovacuum(url: str) -> bool:
    """Whether the server's autovacuum launcher runs (the hub's own start-up check)."""
    db = Database(url)
    try:
        return await autovacuum_on(db)
    finally:
        await db.dispose()


@dataclass(slots=True)
class Autovacuum:
    """Vacuums and analyzes the tables of the database at `url` that autovacuum would."""

    url: str
    naptime_s: float = NAPTIME_S
    vacuums: int = 0
    analyzes: int = 0
    seconds: float = 0.0  # wall time spent in VACUUM / ANALYZE
    tables: set[str] = field(default_factory=set)
    errors: list[str] = field(default_factory=list)

    async def once(self) -> list[str]:
        """One round: the statements it ran, e.g. `VACUUM (ANALYZE) outbox`."""
        conn = await asyncpg.connect(dsn(self.url))
        ran: list[str] = []
        try:
            due = await conn.fetch(DUE, VACUUM_BASE, VACUUM_SCALE, ANALYZE_BASE, ANALYZE_SCALE)
            for row in due:
                what = "VACUUM (ANALYZE)" if row["vacuum"] else "ANALYZE"
                started = time.monotonic()
                await conn.execute(f'{what} "{row["relname"]}"')  # names from the catalogue
                self.seconds += time.monotonic() - started
                self.vacuums += bool(row["vacuum"])
                self.analyzes += 1
                self.tables.add(str(row["relname"]))
                ran.append(f"{what} {row['relname']}")
        finally:
            await conn.close()
        return ran

    async def run(self) -> None:
        while True:
            await asyncio.sleep(self.naptime_s)
            try:
                await self.once()
            except (asyncpg.PostgresError, OSError) as exc:  # reported, and tried next round
                self.errors.append(repr(exc))

    def summary(self) -> dict[str, object]:
        return {
            "by": "bench (the server's autovacuum is off)",
            "naptime_s": self.naptime_s,
            "vacuums": self.vacuums,
            "analyzes": self.analyzes,
            "seconds": round(self.seconds, 1),
            "tables": sorted(self.tables),
            "errors": self.errors[:5],
        }


@contextlib.asynccontextmanager
async def autovacuum_if_off(
    url: str, naptime_s: float = NAPTIME_S
) -> AsyncIterator[Autovacuum | None]:
    """Run `Autovacuum` on `url` while the block runs if the server's own is off; None if on."""
    if await server_autovacuum(url):
        yield None
        return
    vacuum = Autovacuum(url, naptime_s)
    task = asyncio.create_task(vacuum.run(), name="bench-autovacuum")
    try:
        yield vacuum
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
