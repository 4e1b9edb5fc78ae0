"""One-time codes (kept on the link row as an HMAC) and the browser sessions they verify."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, insert, select, update

from hub.db.signing.rows import SigningRows
from hub.db.tables import signing_links, signing_sessions
from hub.domain.signing import MAX_CODE_FAILURES, SigningLink


class CodeRows(SigningRows):
    """A link's current code, its tries, and the sessions a right code opened."""

    async def save_code(self, link: SigningLink) -> None:
        await self._update_links(
            [link.link_id],
            code_no=link.code_no,
            code_digest=link.code_digest,
            code_expires_at=link.code_expires_at,
            code_sends=[t.isoformat() for t in link.code_sends],
        )

    async def claim_code_try(self, link_id: str) -> bool:
        """Count one code try before comparing; False when the link is locked (atomic)."""
        result = await self._conn.execute(
            update(signing_links)
            .where(signing_links.c.link_id == link_id)
            .where(signing_links.c.failed_attempts < MAX_CODE_FAILURES)
            .values(failed_attempts=signing_links.c.failed_attempts + 1, updated_at=self._now)
        )
        return result.rowcount == 1

    async def code_verified(self, link_id: str) -> None:
        """The code was right: it is used up, and the failure count starts again."""
        await self._update_links(
            [link_id], failed_attempts=0, code_digest=None, code_expires_at=None
        )

    async def add_session(self, session_sha256: str, link_id: str, *, expires_at: datetime) -> None:
        await self._conn.execute(
            insert(signing_sessions).values(
                session_sha256=session_sha256,
                link_id=link_id,
                verified_at=self._now,
                expires_at=expires_at,
            )
        )

    async def session_valid(self, session_sha256: str, link_id: str) -> bool:
        found = await self._conn.scalar(
            select(func.count())
            .select_from(signing_sessions)
            .where(
                signing_sessions.c.session_sha256 == session_sha256,
                signing_sessions.c.link_id == link_id,
                signing_sessions.c.expires_at > self._now,
            )
        )
        return bool(found)
