"""Signing links, their tokens and sessions, signatures and the audit trail in the database.

Only digests are stored: SHA-256 of link tokens and session ids, HMAC of one-time codes.
Two statements carry the exactly-once guarantees: `claim_code_try` (a conditional UPDATE that
counts a code try before the code is compared) and `claim_signature` (an insert on the
`signatures` primary key, one row per order).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from hub.db.engine import Database
from hub.db.errors import unique_violations_as_conflicts
from hub.db.tables import signatures, signing_audit, signing_links, signing_sessions, signing_tokens
from hub.domain.signing import MAX_CODE_FAILURES, Channel, LinkStatus, SigningLink
from hub.ports.records import AuditEntry, SignatureRecord


class SigningRepository:
    """Reads and writes of the signing tables inside one connection (a unit of work or a read)."""

    def __init__(self, conn: AsyncConnection, db: Database, *, now: datetime) -> None:
        self._conn = conn
        self._db = db
        self._now = now

    # links and tokens
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

    async def set_reminders_sent(self, link_id: str, count: int) -> None:
        await self._update_links([link_id], reminders_sent=count)

    async def mark_signed(self, link: SigningLink, *, expires_at: datetime) -> None:
        await self._update_links(
            [link.link_id], status=LinkStatus.SIGNED.value, expires_at=expires_at
        )

    async def _update_links(self, link_ids: list[str], **values: object) -> None:
        await self._conn.execute(
            update(signing_links)
            .where(signing_links.c.link_id.in_(link_ids))
            .values(**values, updated_at=self._now)
        )

    # verified browser sessions
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

    # signatures
    async def claim_signature(
        self, record: SignatureRecord, *, claim_id: str, until: datetime
    ) -> str:
        """Take the order's one signature slot: "claimed", or "signed"/"busy" if taken."""
        values = {
            "order_id": record.order_id,
            "status": "pending",
            "claim_id": claim_id,
            "claimed_until": until,
            "channel": record.channel,
            "link_id": record.link_id,
            "report_version": record.report_version,
            "report_sha256": record.report_sha256,
            "signer_name": record.signer_name,
            "created_at": self._now,
        }
        inserted = await self._conn.execute(
            self._db.insert_ignoring_conflicts(signatures).values(**values)
        )
        if inserted.rowcount == 1:
            return "claimed"
        taken_over = await self._conn.execute(  # a claim whose holder died or gave up
            update(signatures)
            .where(signatures.c.order_id == record.order_id, signatures.c.status == "pending")
            .where(signatures.c.claimed_until < self._now)
            .values({k: v for k, v in values.items() if k not in ("order_id", "created_at")})
        )
        if taken_over.rowcount == 1:
            return "claimed"
        existing = await self.signature(record.order_id)
        return "signed" if existing is not None and existing.status == "signed" else "busy"

    async def release_signature(self, order_id: str, claim_id: str) -> None:
        await self._conn.execute(
            delete(signatures).where(
                signatures.c.order_id == order_id,
                signatures.c.claim_id == claim_id,
                signatures.c.status == "pending",
            )
        )

    async def finish_signature(
        self, order_id: str, claim_id: str, *, signed_sha256: str, signed_path: str
    ) -> bool:
        """Turn our claim into the signature; False if the claim was lost meanwhile."""
        result = await self._conn.execute(
            update(signatures)
            .where(
                signatures.c.order_id == order_id,
                signatures.c.claim_id == claim_id,
                signatures.c.status == "pending",
            )
            .values(
                status="signed",
                claimed_until=None,
                signed_sha256=signed_sha256,
                signed_path=signed_path,
                signed_at=self._now,
            )
        )
        return result.rowcount == 1

    async def signature(self, order_id: str) -> SignatureRecord | None:
        query = select(signatures).where(signatures.c.order_id == order_id)
        row = (await self._conn.execute(query)).mappings().first()
        return _to_signature(row) if row else None

    async def signature_by_hash(self, signed_sha256: str) -> SignatureRecord | None:
        query = select(signatures).where(
            signatures.c.signed_sha256 == signed_sha256, signatures.c.status == "signed"
        )
        row = (await self._conn.execute(query)).mappings().first()
        return _to_signature(row) if row else None

    # audit trail
    async def audit(self, order_id: str, entry: AuditEntry) -> None:
        await self._conn.execute(
            insert(signing_audit).values(
                order_id=order_id,
                link_id=entry.link_id,
                kind=entry.kind,
                at=entry.at,
                ip=entry.ip,
                user_agent=entry.user_agent,
                details=entry.details,
            )
        )

    async def audit_trail(self, order_id: str) -> list[AuditEntry]:
        rows = await self._conn.execute(
            select(signing_audit)
            .where(signing_audit.c.order_id == order_id)
            .order_by(signing_audit.c.id)
        )
        return [
            AuditEntry(
                kind=r.kind,
                at=r.at,
                ip=r.ip,
                user_agent=r.user_agent,
                details=r.details,
                link_id=r.link_id,
            )
            for r in rows
        ]


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


def _to_signature(row: Any) -> SignatureRecord:
    return SignatureRecord(
        order_id=row["order_id"],
        status=row["status"],
        channel=row["channel"],
        report_version=row["report_version"],
        report_sha256=row["report_sha256"],
        signed_sha256=row["signed_sha256"],
        signed_path=row["signed_path"],
        signer_name=row["signer_name"],
        signed_at=row["signed_at"],
        link_id=row["link_id"],
    )
