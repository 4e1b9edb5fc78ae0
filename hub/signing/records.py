"""Reads of signing: links by token, sessions, the signature, the audit trail, downloads."""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from hub.domain.signing import SigningLink, looks_like_token, session_digest, token_digest
from hub.ports import AuditEntry, SignatureRecord, UnitOfWorkFactory
from hub.reports.model import sha256_hex, verify
from hub.reports.service import screenshot_store


@dataclass(frozen=True, slots=True)
class PdfCheck:
    """Whether an uploaded PDF is a signed report the hub recorded."""

    valid: bool
    sha256: str
    order_id: str | None = None
    report_version: int | None = None
    signed_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Picture:
    """A test picture of the order, offered for download after signing."""

    sha256: str
    content_type: str
    path: Path


RECENT_TTL_S = 1.0
RECENT_MAX = 10_000


class RecentLinks:
    """Links the link page looked up in the last second, in this process, by token digest.

    A link is fetched in bursts (the SMS app's previews, the customer's reloads); the page
    changes nothing and shows nothing but the masked phone, so it may show a state up to
    `RECENT_TTL_S` old (changes made by this process forget it at once; another process's
    show within that second). Every step that acts (a code, a view, a signature) reads the row.
    """

    def __init__(
        self, *, ttl_s: float = RECENT_TTL_S, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._ttl_s = ttl_s
        self._clock = clock
        self._links: OrderedDict[str, tuple[float, SigningLink]] = OrderedDict()

    def get(self, digest: str) -> SigningLink | None:
        found = self._links.get(digest)
        if found is None or self._clock() - found[0] >= self._ttl_s:
            return None
        return found[1]

    def forget(self) -> None:
        """This process changed links (sent, revoked, signed): look them up afresh."""
        self._links.clear()

    def put(self, digest: str, link: SigningLink) -> None:
        self._links[digest] = (self._clock(), link)
        self._links.move_to_end(digest)
        while len(self._links) > RECENT_MAX:
            self._links.popitem(last=False)


class SigningRecords:
    """Read-only queries (no write lock taken)."""

    def __init__(self, uow: UnitOfWorkFactory, *, data_dir: Path) -> None:
        self._uow = uow
        self._pictures = screenshot_store(data_dir)
        self.recent = RecentLinks()

    async def resolve(self, token: str) -> SigningLink | None:
        """The link a token opens, or None (malformed and unknown tokens alike)."""
        if not looks_like_token(token):
            return None
        async with self._uow.read() as uow:
            return await uow.signing.link_by_token(token_digest(token))

    async def resolve_recent(self, token: str) -> SigningLink | None:
        """As `resolve`, from `recent` if this process looked the token up within a second
        (for the link page only)."""
        if not looks_like_token(token):
            return None
        digest = token_digest(token)
        link = self.recent.get(digest)
        if link is None:
            async with self._uow.read() as uow:
                link = await uow.signing.link_by_token(digest)
            if link is not None:
                self.recent.put(digest, link)
        return link

    async def link(self, link_id: str) -> SigningLink | None:
        """A link by its id (the hub's own reference, never a customer's token)."""
        async with self._uow.read() as uow:
            return await uow.signing.link(link_id)

    async def session_valid(self, link: SigningLink, session_id: str | None) -> bool:
        if not session_id:
            return False
        async with self._uow.read() as uow:
            return await uow.signing.session_valid(session_digest(session_id), link.link_id)

    async def signature(self, order_id: str) -> SignatureRecord | None:
        async with self._uow.read() as uow:
            return await uow.signing.signature(order_id)

    async def audit_trail(self, order_id: str) -> list[AuditEntry]:
        async with self._uow.read() as uow:
            return await uow.signing.audit_trail(order_id)

    async def signer_hint(self, link: SigningLink) -> str:
        """The order's contact name, to prefill the signer field."""
        async with self._uow.read() as uow:
            order = await uow.orders.find(link.order_id)
        return order.details.contact.name if order else ""

    async def pictures(self, order_id: str) -> list[Picture]:
        """The order's test pictures that are in the store."""
        async with self._uow.read() as uow:
            shots = await uow.screenshots.list(order_id)
        found = [
            Picture(s.sha256, s.content_type, self._pictures.path_for(s.sha256)) for s in shots
        ]
        return [p for p in found if p.path.is_file()]

    async def check_pdf(self, pdf: bytes, *, order_id: str | None = None) -> PdfCheck:
        """Is this PDF exactly a signed report the hub recorded (of `order_id`, if given)?"""
        sha256 = sha256_hex(pdf)
        async with self._uow.read() as uow:
            store = uow.signing
            record = await (
                store.signature(order_id) if order_id else store.signature_by_hash(sha256)
            )
        if record is None or record.status != "signed" or record.signed_sha256 is None:
            return PdfCheck(valid=False, sha256=sha256)
        if not verify(pdf, record.signed_sha256):
            return PdfCheck(valid=False, sha256=sha256, order_id=order_id)
        return PdfCheck(
            valid=True,
            sha256=sha256,
            order_id=record.order_id,
            report_version=record.report_version,
            signed_at=record.signed_at,
        )
