"""Fake signing store: links (token digests only), codes, sessions, the signature, the audit.

As in `hub.db.signing`: the same (order, version, channel, issue no) twice is a conflict,
`claim_code_try` counts up to `MAX_CODE_FAILURES` and then refuses, and `claim_signature`
gives one claim per order (`claimed`, `busy` while another holds it, `signed` once done).
"""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

from hub.domain.signing import MAX_CODE_FAILURES, Channel, LinkStatus, SigningLink
from hub.errors import ConcurrencyConflict
from hub.ports import AuditEntry, SignatureRecord
from tests.fakes.store import AuditRow, FakeStore, SessionRow, SignatureRow


class FakeSigningStore:
    """`hub.ports.SigningStore` in memory."""

    def __init__(self, tables: FakeStore, *, now: datetime) -> None:
        self._t = tables
        self._now = now

    # links and tokens
    async def link_by_token(self, token_sha256: str) -> SigningLink | None:
        link_id = self._t.tokens.get(token_sha256)
        return None if link_id is None else self._t.links.get(link_id)

    async def link(self, link_id: str, *, for_update: bool = False) -> SigningLink | None:
        return self._t.links.get(link_id)

    async def links_for(self, order_id: str, *, channel: Channel) -> list[SigningLink]:
        found = [
            link
            for link in self._t.links.values()
            if link.order_id == order_id and link.channel is channel
        ]
        return sorted(found, key=lambda link: (link.report_version, link.issue_no))

    async def add_link(self, link: SigningLink, *, token_sha256: str) -> None:
        twin = (link.order_id, link.report_version, link.channel, link.issue_no)
        taken = any(
            (k.order_id, k.report_version, k.channel, k.issue_no) == twin
            for k in self._t.links.values()
        )
        if taken or link.link_id in self._t.links:
            raise ConcurrencyConflict(
                f"link {link.issue_no} of order {link.order_id} was issued concurrently"
            )
        self._t.links[link.link_id] = replace(  # the columns the real insert sets itself
            link,
            created_at=self._now,
            code_digest=None,
            code_expires_at=None,
            code_no=0,
            code_sends=(),
            failed_attempts=0,
            reminders_sent=0,
        )
        await self.add_token(link.link_id, token_sha256)

    async def add_token(self, link_id: str, token_sha256: str) -> None:
        if token_sha256 in self._t.tokens:
            raise ConcurrencyConflict("token digest stored twice")
        self._t.tokens[token_sha256] = link_id

    async def revoke(self, link_ids: builtins.list[str]) -> None:
        self._update(link_ids, status=LinkStatus.REVOKED)

    async def save_code(self, link: SigningLink) -> None:
        self._update(
            [link.link_id],
            code_no=link.code_no,
            code_digest=link.code_digest,
            code_expires_at=link.code_expires_at,
            code_sends=link.code_sends,
        )

    async def claim_code_try(self, link_id: str) -> bool:
        link = self._t.links.get(link_id)
        if link is None or link.failed_attempts >= MAX_CODE_FAILURES:
            return False
        self._t.links[link_id] = replace(link, failed_attempts=link.failed_attempts + 1)
        return True

    async def code_verified(self, link_id: str) -> None:
        self._update([link_id], failed_attempts=0, code_digest=None, code_expires_at=None)

    async def set_reminders_sent(self, link_id: str, count: int) -> None:
        self._update([link_id], reminders_sent=count)

    async def mark_signed(self, link: SigningLink, *, expires_at: datetime) -> None:
        self._update([link.link_id], status=LinkStatus.SIGNED, expires_at=expires_at)

    def _update(self, link_ids: builtins.list[str], **changes: Any) -> None:
        for link_id in link_ids:
            link = self._t.links.get(link_id)
            if link is not None:
                self._t.links[link_id] = replace(link, **changes)

    # verified browser sessions
    async def add_session(self, session_sha256: str, link_id: str, *, expires_at: datetime) -> None:
        if session_sha256 in self._t.sessions:
            raise ConcurrencyConflict("session digest stored twice")
        self._t.sessions[session_sha256] = SessionRow(link_id, expires_at)

    async def session_valid(self, session_sha256: str, link_id: str) -> bool:
        row = self._t.sessions.get(session_sha256)
        return row is not None and row.link_id == link_id and row.expires_at > self._now

    # signatures
    async def claim_signature(
        self, record: SignatureRecord, *, claim_id: str, until: datetime | None
    ) -> str:
        pending = replace(
            record,
            status="pending",
            signed_sha256=None,
            signed_path=None,
            signed_at=None,
            claim_id=claim_id,
        )
        row = self._t.signatures.get(record.order_id)
        if row is None or (
            row.record.status == "pending"
            and row.claimed_until is not None
            and row.claimed_until < self._now  # a claim whose holder died or gave up
        ):
            self._t.signatures[record.order_id] = SignatureRow(pending, claim_id, until)
            return "claimed"
        return "signed" if row.record.status == "signed" else "busy"

    async def release_signature(self, order_id: str, claim_id: str) -> None:
        row = self._t.signatures.get(order_id)
        if row is not None and row.claim_id == claim_id and row.record.status == "pending":
            del self._t.signatures[order_id]

    async def finish_signature(
        self,
        order_id: str,
        claim_id: str,
        *,
        signed_sha256: str,
        signed_path: str,
        signed_at: datetime | None = None,
    ) -> bool:
        row = self._t.signatures.get(order_id)
        if row is None or row.claim_id != claim_id or row.record.status != "pending":
            return False
        signed = replace(
            row.record,
            status="signed",
            signed_sha256=signed_sha256,
            signed_path=signed_path,
            signed_at=signed_at or self._now,
        )
        self._t.signatures[order_id] = SignatureRow(signed, claim_id, None)
        return True

    async def signature(self, order_id: str) -> SignatureRecord | None:
        row = self._t.signatures.get(order_id)
        return None if row is None else row.record

    async def signature_by_hash(self, signed_sha256: str) -> SignatureRecord | None:
        return next(
            (
                r.record
                for r in self._t.signatures.values()
                if r.record.status == "signed" and r.record.signed_sha256 == signed_sha256
            ),
            None,
        )

    # audit trail
    async def audit(self, order_id: str, entry: AuditEntry) -> None:
        self._t.audit.append(AuditRow(order_id, entry))

    async def audit_lines(self, lines: Sequence[tuple[str, AuditEntry]]) -> None:
        for order_id, entry in lines:
            await self.audit(order_id, entry)

    async def audit_trail(self, order_id: str) -> list[AuditEntry]:
        return [row.entry for row in self._t.audit if row.order_id == order_id]
