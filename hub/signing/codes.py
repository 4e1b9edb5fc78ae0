"""One-time codes: sent by SMS through the outbox, checked against an atomic try counter.

A try is counted (`claim_code_try`, a conditional UPDATE) before the code is compared, so
however many requests arrive at once, on however many workers, at most five are ever compared.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from hub.domain.signing import (
    MAX_CODE_FAILURES,
    SESSION_TTL,
    AuditKind,
    CodeLocked,
    CodeRejected,
    SigningLink,
    code_matches,
    issue_code,
    looks_like_code,
    new_code,
    require_live_code,
    session_digest,
)
from hub.errors import NotFound
from hub.handlers.notifications import queue_sms
from hub.ports import UnitOfWork
from hub.sealing import Sealer
from hub.signing import texts
from hub.signing.context import RequestContext
from schemas.v1 import SendSms


@dataclass(frozen=True, slots=True)
class CodeCheck:
    """The outcome of one code try: a new session id, or how many tries are left."""

    session_id: str | None
    remaining: int


class CodeGate:
    """Sends and checks codes inside a caller's unit of work."""

    def __init__(self, secret: bytes, sealer: Sealer) -> None:
        self._secret = secret
        self._sealer = sealer  # the text carries the code: it travels sealed

    async def send(self, uow: UnitOfWork, link_id: str, ctx: RequestContext) -> None:
        """A new code by SMS (the previous one stops working); limits in `issue_code`."""
        link = await _locked(uow, link_id)
        order = await uow.orders.get(link.order_id)
        code = new_code()
        link = issue_code(link, code, secret=self._secret, now=uow.now)
        await uow.signing.save_code(link)
        sms_id = f"signing-code:{link.link_id}:{link.code_no}"
        sms = SendSms(
            sms_id=sms_id,
            to=order.contact.phone,
            sealed_body=self._sealer.seal(texts.code_sms(code)),
            purpose="signing_code",
            order_id=link.order_id,
        )
        await queue_sms(uow, sms, strict=True)  # the customer waits: 429 over the limit
        await uow.signing.audit(
            link.order_id,
            ctx.entry(
                AuditKind.OTP_SENT,
                uow.now,
                link_id=link.link_id,
                sms_id=sms_id,
                code_no=link.code_no,
                to=link.to_masked,
            ),
        )

    async def check(
        self, uow: UnitOfWork, link_id: str, code: str, ctx: RequestContext
    ) -> CodeCheck:
        """Count a try, then compare; the caller commits (a failure must be kept) and reports."""
        link = await _current(uow, link_id)
        require_live_code(link, uow.now)
        if not looks_like_code(code):
            raise CodeRejected("not six digits", remaining=MAX_CODE_FAILURES - link.failed_attempts)
        if not await uow.signing.claim_code_try(link_id):
            raise CodeLocked("too many wrong codes; ask the technician to send a new link")
        link = await _current(uow, link_id)  # as it is under our counted try
        remaining = MAX_CODE_FAILURES - link.failed_attempts
        if not code_matches(link, code, secret=self._secret):
            await uow.signing.audit(
                link.order_id,
                ctx.entry(
                    AuditKind.OTP_FAILED,
                    uow.now,
                    link_id=link_id,
                    code_no=link.code_no,
                    remaining=remaining,
                ),
            )
            return CodeCheck(session_id=None, remaining=remaining)
        await uow.signing.code_verified(link_id)
        session_id = secrets.token_urlsafe(32)
        await uow.signing.add_session(
            session_digest(session_id), link_id, expires_at=uow.now + SESSION_TTL
        )
        await uow.signing.audit(
            link.order_id,
            ctx.entry(AuditKind.OTP_VERIFIED, uow.now, link_id=link_id, code_no=link.code_no),
        )
        return CodeCheck(session_id=session_id, remaining=MAX_CODE_FAILURES)


async def _locked(uow: UnitOfWork, link_id: str) -> SigningLink:
    link = await uow.signing.link(link_id, for_update=True)
    if link is None:
        raise NotFound(f"signing link {link_id} does not exist")
    return link


async def _current(uow: UnitOfWork, link_id: str) -> SigningLink:
    link = await uow.signing.link(link_id)
    if link is None:
        raise NotFound(f"signing link {link_id} does not exist")
    return link
