"""Today's SMS counts per scope, taken atomically (a conditional upsert per scope).

Scopes: `order:<id>`, `phone:<HMAC of the number>` (the database never holds the number), and
`day`. A count only moves while it is under its limit; all scopes are taken in one statement,
and if one refuses, the others are given back in the same transaction, so a refused SMS counts
nowhere.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import TextClause, text, update
from sqlalchemy.ext.asyncio import AsyncConnection

from hub.db.tables import sms_quota
from hub.domain.notifications import Limit, SmsLimits


@dataclass(frozen=True, slots=True)
class SmsQuotaPolicy:
    """The limits, the key that hides numbers, the time zone of a day, and who to tell."""

    limits: SmsLimits = field(default_factory=SmsLimits)
    key: bytes = b"sms-quota"
    timezone: str = "Asia/Shanghai"
    on_refused: Callable[[Limit], None] = field(default=lambda _: None)


class SmsQuotaRepository:
    """`hub.ports.SmsQuota` on the database."""

    def __init__(self, conn: AsyncConnection, policy: SmsQuotaPolicy, *, now: datetime) -> None:
        self._conn = conn
        self._policy = policy
        self._day = now.astimezone(ZoneInfo(policy.timezone)).date().isoformat()

    async def take(self, *, order_id: str | None, phone: str) -> Limit | None:
        limits = self._policy.limits
        digest = hmac.new(self._policy.key, phone.encode(), hashlib.sha256).hexdigest()[:40]
        # The hub-wide `day` row is taken last: every SMS of the hub updates it, and its row
        # lock is held until the transaction ends, so the shorter the better.
        scopes: list[tuple[Limit, str, int]] = [("phone", f"phone:{digest}", limits.per_phone)]
        if order_id:
            scopes.append(("order", f"order:{order_id}", limits.per_order))
        scopes.append(("day", "day", limits.per_day))
        refused_first = next((limit for limit, _, most in scopes if most < 1), None)
        if refused_first is None:
            taken = await self._take_all(scopes)
            refused_first = next((limit for limit, scope, _ in scopes if scope not in taken), None)
            if refused_first is not None:
                for scope in taken:
                    await self._give_back(scope)
        if refused_first is not None:
            self._policy.on_refused(refused_first)
        return refused_first

    async def _take_all(self, scopes: list[tuple[Limit, str, int]]) -> set[str]:
        """One conditional upsert for every scope; the scopes whose count moved."""
        params: dict[str, object] = {"on_day": self._day}
        for i, (_, scope, most) in enumerate(scopes):
            params[f"scope_{i}"], params[f"most_{i}"] = scope, most
        stmt = _take_statement(len(scopes))
        return set((await self._conn.execute(stmt, params)).scalars())

    async def _give_back(self, scope: str) -> None:
        await self._conn.execute(
            update(sms_quota)
            .where(sms_quota.c.scope == scope, sms_quota.c.day == self._day)
            .values(count=sms_quota.c.count - 1)
        )


_TAKE: dict[int, TextClause] = {}


def _take_statement(scopes: int) -> TextClause:
    """The upsert for `scopes` scopes: row i takes `scope_i` on `on_day` while its count is under
    `most_i`. Written as text, once per size, because SQLAlchemy never caches a multi-row VALUES
    statement: it compiled this one again for every SMS (about 1 ms of CPU). The same SQL runs
    on SQLite and PostgreSQL."""
    stmt = _TAKE.get(scopes)
    if stmt is None:
        t, c = sms_quota.name, sms_quota.c
        rows = ", ".join(f"(:scope_{i}, :on_day, 1)" for i in range(scopes))
        most_of = " ".join(
            f"WHEN :scope_{i} THEN CAST(:most_{i} AS INTEGER)" for i in range(scopes)
        )
        stmt = _TAKE[scopes] = text(
            f"INSERT INTO {t} ({c.scope.name}, {c.day.name}, {c.count.name}) VALUES {rows} "
            f"ON CONFLICT ({c.scope.name}, {c.day.name}) "
            f"DO UPDATE SET {c.count.name} = {t}.{c.count.name} + 1 "
            f"WHERE {t}.{c.count.name} < CASE excluded.{c.scope.name} {most_of} ELSE 0 END "
            f"RETURNING {c.scope.name}"
        )
    return stmt
