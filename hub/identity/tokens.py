"""Hub API tokens: `hub_` + 256 random bits, shown once, stored only as a SHA-256 hash.

A token is looked up by its hash, so the database never holds anything that signs in; the
hash of a high-entropy secret needs no salt or slow KDF.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from hub.identity.errors import InvalidUser
from hub.identity.roles import Role

PREFIX = "hub_"
_SHAPE = re.compile(r"^hub_[A-Za-z0-9_-]{43}$")
NAME = re.compile(r"^[a-z0-9][a-z0-9._@-]{0,63}$")
TOUCH_EVERY = timedelta(minutes=1)  # how fresh "last used" is kept: one write a minute at most


def new_token() -> str:
    return PREFIX + secrets.token_urlsafe(32)


def looks_like_token(credential: str) -> bool:
    return bool(_SHAPE.match(credential))


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class StoredUser:
    """A user of the embedded store, as kept: never the token, only its hash."""

    name: str
    role: Role
    technician_id: str | None
    token_hash: str
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None = None
    last_used_at: datetime | None = None

    def __post_init__(self) -> None:
        if not NAME.match(self.name):
            raise InvalidUser(
                f"user name {self.name!r}: 1–64 of a-z 0-9 . _ @ -, starting with a letter or digit"
            )
        if self.role is Role.TECHNICIAN and not self.technician_id:
            raise InvalidUser("a technician needs a technician id (--technician-id)")
        if self.role is not Role.TECHNICIAN and self.technician_id:
            raise InvalidUser("only technicians have a technician id")
        if self.expires_at <= self.created_at:
            raise InvalidUser("a token must expire after it is created")
