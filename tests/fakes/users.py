"""`hub.ports.identity.UserStore` in memory."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from hub.identity.errors import InvalidUser
from hub.identity.tokens import StoredUser


class FakeUserStore:
    def __init__(self) -> None:
        self.users: dict[str, StoredUser] = {}

    async def add(self, user: StoredUser, *, replace: bool = False) -> None:
        if user.name in self.users and not replace:
            raise InvalidUser(f"a user named {user.name!r} exists already")
        if any(u.token_hash == user.token_hash for u in self.users.values()):
            raise InvalidUser("token hash taken")
        self.users[user.name] = user

    async def find_by_token_hash(self, token_hash: str) -> StoredUser | None:
        return next((u for u in self.users.values() if u.token_hash == token_hash), None)

    async def list(self) -> list[StoredUser]:
        return sorted(self.users.values(), key=lambda u: u.name)

    async def revoke(self, name: str, *, at: datetime) -> int:
        user = self.users.get(name)
        if user is None or user.revoked_at is not None:
            return 0
        self.users[name] = replace(user, revoked_at=at)
        return 1

    async def touch(self, token_hash: str, *, at: datetime) -> None:
        for name, user in self.users.items():
            if user.token_hash == token_hash:
                self.users[name] = replace(user, last_used_at=at)
