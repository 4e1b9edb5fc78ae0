"""Signing links, one-time codes and signatures as pure rules (no I/O).

    issued ─(GET: nothing changes)─▶ code sent ─right code─▶ verified session ─sign─▶ signed
      │                                 │ 5 wrong codes: locked (423)                 │
      │ new version / reissue: revoked  │ ≤ 4 codes per 15 min (first + 3 resends)    ▼
      ▼                                 ▼                               download window (30 d)
    expired (72 h) / revoked ─▶ 410

A link token is 256 random bits (≥ 128 required); only its SHA-256 is stored. A code is six
digits, valid 10 minutes, stored as an HMAC under the server secret and compared in constant
time. Failures are counted per link, before a code is compared, by an atomic conditional
UPDATE in the database (`failed_attempts < MAX_CODE_FAILURES`); these functions decide the rest.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum

from hub.domain.errors import DomainError

TOKEN_BYTES = 32
CODE_DIGITS = 6
CODE_TTL = timedelta(minutes=10)
MAX_CODE_FAILURES = 5
CODES_PER_WINDOW = 4  # the first code plus at most 3 resends
RESEND_WINDOW = timedelta(minutes=15)
SESSION_TTL = timedelta(minutes=30)
ON_SITE_LINK_TTL = timedelta(minutes=30)
DOWNLOAD_WINDOW = timedelta(days=30)
SIGN_CLAIM_TTL = timedelta(minutes=2)

_TOKEN_SHAPE = re.compile(r"^[A-Za-z0-9_-]{43}$")
_CODE_SHAPE = re.compile(r"^[0-9]{6}$")


class Channel(StrEnum):
    REMOTE = "remote"
    ON_SITE = "on_site"


class LinkStatus(StrEnum):
    ACTIVE = "active"
    REVOKED = "revoked"
    SIGNED = "signed"


class AuditKind(StrEnum):
    SMS_SENT = "sms_sent"
    LINK_FETCHED = "link_fetched"
    OTP_SENT = "otp_sent"
    OTP_VERIFIED = "otp_verified"
    OTP_FAILED = "otp_failed"
    REPORT_VIEWED = "report_viewed"
    SIGNED = "signed"
    SIGNED_PDF_STORED = "signed_pdf_stored"  # the worker rendered the signed PDF (its SHA-256)
    LINK_REVOKED = "link_revoked"
    REMINDER_SENT = "reminder_sent"
    DOWNLOADED = "downloaded"


class SigningError(DomainError):
    """A signing step is not allowed now; the message is safe to show."""


class LinkGone(SigningError):
    """The link expired or was replaced (HTTP 410)."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"the signing link is {reason}")
        self.reason = reason


class CodeLocked(SigningError):
    """Too many wrong codes: the link is locked (HTTP 423)."""


class CodeRejected(SigningError):
    """The code is wrong (`remaining` tries left), expired, or none was sent."""

    def __init__(self, reason: str, *, remaining: int) -> None:
        super().__init__(f"the code is {reason}")
        self.reason = reason
        self.remaining = remaining


class ResendLimited(SigningError):
    """Too many codes asked for in the window (HTTP 429)."""

    def __init__(self, retry_after: timedelta) -> None:
        super().__init__("too many codes requested; wait before asking again")
        self.retry_after = retry_after


class ReportChanged(SigningError):
    """The report shown is not the version this link may sign (HTTP 409)."""


class AlreadySigned(SigningError):
    """The order's report is already signed."""


class SigningInProgress(SigningError):
    """Another request is signing this order right now."""


class InvalidSignature(SigningError):
    """The signature is empty or not an image (HTTP 422)."""


@dataclass(frozen=True, slots=True)
class SigningLink:
    """One signing link (remote, sent by SMS; or on site, opened on the technician's phone)."""

    link_id: str
    order_id: str
    channel: Channel
    report_version: int
    report_sha256: str
    issue_no: int
    status: LinkStatus
    created_at: datetime
    expires_at: datetime
    code_digest: str | None = None
    code_expires_at: datetime | None = None
    code_no: int = 0
    code_sends: tuple[datetime, ...] = ()
    failed_attempts: int = 0
    reminders_sent: int = 0
    to_masked: str | None = None


def new_token() -> str:
    """A fresh link token: 32 random bytes, 43 URL-safe characters."""
    return secrets.token_urlsafe(TOKEN_BYTES)


def token_digest(token: str) -> str:
    """What the database stores instead of the token."""
    return hashlib.sha256(token.encode()).hexdigest()


def looks_like_token(text: str) -> bool:
    return bool(_TOKEN_SHAPE.match(text))


def new_code() -> str:
    return f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"


def looks_like_code(text: str) -> bool:
    return bool(_CODE_SHAPE.match(text))


def code_digest(code: str, *, secret: bytes, link_id: str, code_no: int) -> str:
    """HMAC of a code, bound to its link and its number (a resent code never matches an old one)."""
    message = f"code|{link_id}|{code_no}|{code}".encode()
    return hmac.new(secret, message, hashlib.sha256).hexdigest()


def code_matches(link: SigningLink, code: str, *, secret: bytes) -> bool:
    """Constant-time comparison of `code` with the link's current code."""
    if link.code_digest is None:
        return False
    candidate = code_digest(code, secret=secret, link_id=link.link_id, code_no=link.code_no)
    return hmac.compare_digest(candidate, link.code_digest)


def require_open(link: SigningLink, now: datetime) -> None:
    """Raise `LinkGone` unless the link can still be used (signed links stay open to download)."""
    if link.status is LinkStatus.REVOKED:
        raise LinkGone("revoked")
    if now >= link.expires_at:
        raise LinkGone("expired")


def require_unlocked(link: SigningLink) -> None:
    if link.failed_attempts >= MAX_CODE_FAILURES:
        raise CodeLocked("too many wrong codes; ask the technician to send a new link")


def issue_code(link: SigningLink, code: str, *, secret: bytes, now: datetime) -> SigningLink:
    """Give the link a new code (the previous one stops working), within the resend limit."""
    require_open(link, now)
    require_unlocked(link)
    recent = tuple(t for t in link.code_sends if now - t < RESEND_WINDOW)
    if len(recent) >= CODES_PER_WINDOW:
        raise ResendLimited(retry_after=RESEND_WINDOW - (now - min(recent)))
    code_no = link.code_no + 1
    return replace(
        link,
        code_no=code_no,
        code_digest=code_digest(code, secret=secret, link_id=link.link_id, code_no=code_no),
        code_expires_at=now + CODE_TTL,
        code_sends=(*recent, now),
    )


def require_live_code(link: SigningLink, now: datetime) -> None:
    """Raise unless a code was sent and has not expired (checked before a try is counted)."""
    require_open(link, now)
    require_unlocked(link)
    remaining = MAX_CODE_FAILURES - link.failed_attempts
    if link.code_digest is None or link.code_expires_at is None:
        raise CodeRejected("not requested yet", remaining=remaining)
    if now >= link.code_expires_at:
        raise CodeRejected("expired", remaining=remaining)


def require_signable(
    link: SigningLink, *, version: int, sha256: str, latest_version: int, latest_sha256: str
) -> None:
    """Only the version the link was sent for, if it is still the latest, with its exact hash."""
    if link.status is LinkStatus.SIGNED:
        raise AlreadySigned(f"order {link.order_id} is already signed")
    if (version, sha256) != (link.report_version, link.report_sha256):
        raise ReportChanged("the report signed is not the report this link shows")
    if (latest_version, latest_sha256) != (link.report_version, link.report_sha256):
        raise ReportChanged(
            f"report v{link.report_version} was replaced by v{latest_version}; "
            "ask the technician for a new link"
        )


def after_signing(link: SigningLink, now: datetime) -> datetime:
    """The link's new expiry once signed: open for downloads for `DOWNLOAD_WINDOW`."""
    return max(link.expires_at, now + DOWNLOAD_WINDOW)


def reminder_due(link: SigningLink, reminder_no: int, *, max_reminders: int, now: datetime) -> bool:
    """Send reminder `reminder_no` only for an open, unsigned link, once, and within the cap."""
    return (
        link.status is LinkStatus.ACTIVE
        and now < link.expires_at
        and link.failed_attempts < MAX_CODE_FAILURES
        and reminder_no == link.reminders_sent + 1
        and reminder_no <= max_reminders
    )


def session_digest(session_id: str) -> str:
    return hashlib.sha256(f"session|{session_id}".encode()).hexdigest()


def csrf_token(session_id: str, link_id: str, *, secret: bytes) -> str:
    """A form token bound to the browser session and the link (session-bound CSRF token)."""
    message = f"csrf|{session_id}|{link_id}".encode()
    return hmac.new(secret, message, hashlib.sha256).hexdigest()


def csrf_valid(token: str, session_id: str, link_id: str, *, secret: bytes) -> bool:
    expected = csrf_token(session_id, link_id, secret=secret)
    return hmac.compare_digest(expected.encode(), token.encode())
