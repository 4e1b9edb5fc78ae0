"""Issuing API tokens: for `hub users add`, the demo, tests and benchmarks."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta

from hub.identity.roles import Role
from hub.identity.tokens import StoredUser, new_token, token_hash
from hub.ports.identity import UserStore

DEMO_PREFIX = "demo-"
DEMO_TTL = timedelta(hours=24)


async def issue_token(
    users: UserStore,
    name: str,
    role: Role,
    *,
    technician_id: str | None = None,
    valid_for: timedelta = timedelta(days=90),
    replace: bool = False,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> str:
    """Create the user and return their token: the only time it exists in clear."""
    token = new_token()
    now = clock()
    user = StoredUser(
        name=name,
        role=role,
        technician_id=technician_id,
        token_hash=token_hash(token),
        created_at=now,
        expires_at=now + valid_for,
    )
    await users.add(user, replace=replace)
    return token


async def issue_demo_tokens(
    users: UserStore, technicians: Iterable[str] = ("T0000",)
) -> dict[str, tuple[Role, str]]:
    """A fresh 24-hour token per role (`demo-<role>`) and per technician (`demo-tech-<id>`),
    replacing the previous demo's: name → (role, token)."""
    issued: dict[str, tuple[Role, str]] = {}
    for role in Role:
        if role is Role.TECHNICIAN:
            continue
        name = f"{DEMO_PREFIX}{role.value.replace('_', '-')}"
        issued[name] = (
            role,
            await issue_token(users, name, role, valid_for=DEMO_TTL, replace=True),
        )
    for technician_id in technicians:
        name = f"{DEMO_PREFIX}tech-{technician_id.lower()}"
        token = await issue_token(
            users,
            name,
            Role.TECHNICIAN,
            technician_id=technician_id,
            valid_for=DEMO_TTL,
            replace=True,
        )
        issued[name] = (Role.TECHNICIAN, token)
    return issued
