"""The embedded user store: API-token users, kept by `hub users` (`hub.db.users` on the
database, `tests/fakes` in memory)."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from hub.identity.tokens import StoredUser


class UserStore(Protocol):
    async def add(self, user: StoredUser, *, replace: bool = False) -> None:
        """Keep a new user; `InvalidUser` if the name is taken, unless `replace`: then the
        user of that name (and their token) is replaced."""

    async def find_by_token_hash(self, token_hash: str) -> StoredUser | None: ...

    async def list(self) -> list[StoredUser]: ...

    async def revoke(self, name: str, *, at: datetime) -> int:
        """Revoke the user's token; how many were revoked (0: unknown or revoked already)."""

    async def touch(self, token_hash: str, *, at: datetime) -> None:
        """Note that the token was used (at most about once a minute is enough)."""
