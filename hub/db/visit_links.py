"""The customers' visit links in the database (token digests only)."""

from __future__ import annotations

import builtins
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from hub.db.tables import visit_links
from hub.domain.visit_link import VisitLink

_INSERT = insert(visit_links)


class VisitLinkRepository:
    """`hub.ports.VisitLinks` on SQLAlchemy Core."""

    def __init__(self, conn: AsyncConnection, *, now: datetime) -> None:
        self._conn = conn
        self._now = now

    async def add(self, link: VisitLink, *, token_sha256: str) -> None:
        await self._conn.execute(
            _INSERT,
            {
                "link_id": link.link_id,
                "order_id": link.order_id,
                "window_version": link.window_version,
                "token_sha256": token_sha256,
                "to_masked": link.to_masked,
                "created_at": link.created_at,
                "expires_at": link.expires_at,
                "revoked_at": self._now if link.revoked else None,
            },
        )

    async def by_token(self, token_sha256: str) -> VisitLink | None:
        row = (
            (
                await self._conn.execute(
                    select(visit_links).where(visit_links.c.token_sha256 == token_sha256)
                )
            )
            .mappings()
            .first()
        )
        return _link(row) if row else None

    async def for_order(self, order_id: str) -> builtins.list[VisitLink]:
        rows = await self._conn.execute(
            select(visit_links)
            .where(visit_links.c.order_id == order_id)
            .order_by(visit_links.c.window_version)
        )
        return [_link(row) for row in rows.mappings()]

    async def revoke(self, link_ids: builtins.list[str]) -> None:
        if link_ids:
            await self._conn.execute(
                update(visit_links)
                .where(visit_links.c.link_id.in_(link_ids))
                .where(visit_links.c.revoked_at.is_(None))
                .values(revoked_at=self._now)
            )


def _link(row: Any) -> VisitLink:
    return VisitLink(
        link_id=row["link_id"],
        order_id=row["order_id"],
        window_version=row["window_version"],
        to_masked=row["to_masked"],
        created_at=row["created_at"],
        expires_at=row["expires_at"],
        revoked=row["revoked_at"] is not None,
    )
