"""Database server settings a hub should not run under, found at start-up and logged.

PostgreSQL with `autovacuum = off` never reclaims the old versions of updated rows (an order's
row changes at every step, an outbox row when it is sent) nor refreshes the planner's
statistics, so the hub's statements read more pages every hour until someone vacuums by hand.
"""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from hub.db.engine import Database

AUTOVACUUM_OFF = (
    "PostgreSQL's autovacuum is off on this server: dead rows and stale statistics will slow the "
    "hub down as it runs; turn it on (autovacuum = on) or VACUUM (ANALYZE) its database regularly"
)

UNREAD = "could not read the database server's settings at start-up"


async def autovacuum_on(db: Database) -> bool:
    """Whether the PostgreSQL server behind `db` runs its autovacuum launcher."""
    async with db.read() as conn:
        return bool(await conn.scalar(text("SHOW autovacuum")) == "on")


async def server_warnings(db: Database) -> list[str]:
    """What is wrong with the server's settings for a long-running hub (nothing on SQLite)."""
    if db.engine.dialect.name != "postgresql":
        return []
    try:
        vacuums = await autovacuum_on(db)
    except (SQLAlchemyError, OSError) as exc:  # the hub starts anyway, as it did without checks
        return [f"{UNREAD}: {type(exc).__name__}"]
    return [] if vacuums else [AUTOVACUUM_OFF]
