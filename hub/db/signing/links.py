"""Signing links and their tokens: issue, find, revoke, remind, mark signed."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import insert, select

from hub.db.errors import unique_violations_as_conflicts
from hub.db.signing.rows import SigningRows
from hub.db.tables import signing_links, signing_tokens
from hub.domain.signing import Channel, LinkStatus, SigningLink


class LinkRows(SigningRows):
    """The `signing_links` rows and the digests of their tokens."""

    async def link_by_token(self, token_sha256: str) -> SigningLink | None:
        query = select(signing_links).join(
            signing_tokens, signing_tokens.c.link_id == signing_links.c.link_id
        )
        row = (
            (await self._conn.execute(query.where(signing_tokens.c.token_sha256 == token_sha256)))
            .mappings()
            .first()
        )
        return _to_link(row) if row else None

    async def link(self, link_id: str, *, for_update: bool = False) -> SigningLink | None:
        query = select(signing_links).where(signing_links.c.link_id == link_id)
        if for_update and not self._db.is_sqlite:
            query = query.with_for_update()
        row = (await self._conn.execute(query)).mappings().first()
        return _to_link(row) if row else None

    async def links_for(self, order_id: str, *, channel: Channel) -> list[SigningLink]:
        """The order's links of a channel, newest issue last."""
        rows = await self._conn.execute(
            select(signing_links)
            .where(signing_links.c.order_id == order_id, signing_links.c.channel == channel.value)
            .order_by(signing_links.c.report_version, signing_links.c.issue_no)
        )
        return [_to_link(row) for row in rows.mappings()]

    async def add_link(self, link: SigningLink, *, token_sha256: str) -> None:
        conflict = f"link {link.issue_no} of order {link.order_id} was issued concurrently"
        with unique_violations_as_conflicts(conflict):
            await self._conn.execute(
                insert(signing_links).values(
                    link_id=link.link_id,
                    order_id=link.order_id,
                    channel=link.channel.value,
                    report_version=link.report_version,
                    report_sha256=link.report_sha256,
                    issue_no=link.issue_no,
                    status=link.status.value,
                    to_masked=link.to_masked,
                    expires_at=link.expires_at,
                    code_no=0,
                    code_sends=[],
                    failed_attempts=0,
                    reminders_sent=0,
                    created_at=self._now,
                    updated_at=self._now,
                )
            )
        await self.add_token(link.link_id, token_sha256)

    async def add_token(self, link_id: str, token_sha256: str) -> None:
        await self._conn.execute(
            insert(signing_tokens).values(
                token_sha256=token_sha256, link_id=link_id, created_at=self._now
            )
        )

    async def revoke(self, link_ids: list[str]) -> None:
        if link_ids:
            await self._update_links(link_ids, status=LinkStatus.REVOKED.value)

    async def set_reminders_sent(self, link_id: str, count: int) -> None:
        await self._update_links([link_id], reminders_sent=count)

    async def mark_signed(self, link: SigningLink, *, expires_at: datetime) -> None:
        await self._update_links(
            [link.link_id], status=LinkStatus.SIGNED.value, expires_at=expires_at
        )


def _to_link(row: Any) -> SigningLink:
    return SigningLink(
        link_id=row["link_id"],
        order_id=row["order_id"],
        channel=Channel(row["channel"]),
        report_version=row["report_version"],
        report_sha256=row["report_sha256"],
        issue_no=row["issue_no"],
        status=LinkStatus(row["status"]),
        created_at=row["created_at"],
        expires_at=row["expires_at"],
        code_digest=row["code_digest"],
        code_expires_at=row["code_expires_at"],
        code_no=row["code_no"],
        code_sends=tuple(datetime.fromisoformat(t) for t in row["code_sends"]),
        failed_attempts=row["failed_attempts"],
        reminders_sent=row["reminders_sent"],
        to_masked=row["to_masked"],
    )
