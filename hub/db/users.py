"""`hub.ports.identity.UserStore` on the hub's database (table `api_users`)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Row, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from hub.db.engine import Database
from hub.db.tables import api_users
from hub.identity.errors import InvalidUser
from hub.identity.roles import Role
from hub.identity.tokens import TOUCH_EVERY, StoredUser


class DbUserStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def add(self, user: StoredUser, *, replace: bool = False) -> None:
        try:
            async with self.db.write() as conn:
                if replace:
                    await conn.execute(delete(api_users).where(api_users.c.name == user.name))
                await conn.execute(
                    insert(api_users).values(
                        name=user.name,
                        role=user.role.value,
                        technician_id=user.technician_id,
                        token_hash=user.token_hash,
                        created_at=user.created_at,
                        expires_at=user.expires_at,
                    )
                )
        except IntegrityError as exc:
            raise InvalidUser(f"a user named {user.name!r} exists already") from exc

    async def find_by_token_hash(self, token_hash: str) -> StoredUser | None:
        async with self.db.read() as conn:
            row = (
                await conn.execute(select(api_users).where(api_users.c.token_hash == token_hash))
            ).first()
        return None if row is None else _user(row)

    async def list(self) -> list[StoredUser]:
        async with self.db.read() as conn:
            rows = await conn.execute(select(api_users).order_by(api_users.c.name))
            return [_user(row) for row in rows]

    async def revoke(self, name: str, *, at: datetime) -> int:
        async with self.db.write() as conn:
            result = await conn.execute(
                update(api_users)
                .where(api_users.c.name == name, api_users.c.revoked_at.is_(None))
                .values(revoked_at=at)
            )
        return int(result.rowcount or 0)

    async def touch(self, token_hash: str, *, at: datetime) -> None:
        stale = at - TOUCH_EVERY
        async with self.db.write() as conn:
            await conn.execute(
                update(api_users)
                .where(api_users.c.token_hash == token_hash)
                .where((api_users.c.last_used_at.is_(None)) | (api_users.c.last_used_at < stale))
                .values(last_used_at=at)
            )


def _user(row: Row[tuple[object, ...]]) -> StoredUser:
    m = row._mapping
    return StoredUser(
        name=m["name"],
        role=Role(m["role"]),
        technician_id=m["technician_id"],
        token_hash=m["token_hash"],
        created_at=m["created_at"],
        expires_at=m["expires_at"],
        revoked_at=m["revoked_at"],
        last_used_at=m["last_used_at"],
    )
