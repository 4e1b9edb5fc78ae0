"""What every part of the signing repository shares: one connection, the database, the time."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncConnection

from hub.db.engine import Database
from hub.db.tables import signing_links


class SigningRows:
    """The connection the signing tables are read and written on (a unit of work or a read)."""

    def __init__(self, conn: AsyncConnection, db: Database, *, now: datetime) -> None:
        self._conn = conn
        self._db = db
        self._now = now

    async def _update_links(self, link_ids: list[str], **values: object) -> None:
        await self._conn.execute(
            update(signing_links)
            .where(signing_links.c.link_id.in_(link_ids))
            .values(**values, updated_at=self._now)
        )
