"""Today's SMS counts per scope, taken atomically (a conditional upsert per scope).

Scopes: `order:<id>`, `phone:<HMAC of the number>` (the database never holds the number), and
`day`. A count only moves while it is under its limit; the order and number scopes are taken in
one statement, and if one refuses, the other is given back in the same transaction, so a
refused SMS counts nowhere.

The hub-wide `day` row is touched by every SMS of the hub, and a row lock lasts until its
transaction ends, so it is written last: a transaction reads the day's count once, counts its
own SMS against it, and adds them all in one conditional update at `flush()`, just before the
commit (a group of dispatches would otherwise hold the lock while the rest of the group runs,
and another worker's group wait for it). If other transactions took the rest of the day's
limit meanwhile, the update refuses and the transaction fails with `ConcurrencyConflict`; run
again, it reads the new count and refuses the SMS over the limit. The day's count only grows, so
a count read earlier never refuses an SMS that the limit allows.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import TextClause, bindparam, select, text, update
from sqlalchemy.ext.asyncio import AsyncConnection

from hub.db.tables import sms_quota
from hub.domain.notifications import Limit, SmsLimits
from hub.errors import ConcurrencyConflict


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
        self._day_count: int | None = None  # the day's count as this transaction read it
        self._day_taken = 0  # this transaction's SMS, added to the day's count at `flush()`

    async def take(self, *, order_id: str | None, phone: str) -> Limit | None:
        limits = self._policy.limits
        digest = hmac.new(self._policy.key, phone.encode(), hashlib.sha256).hexdigest()[:40]
        scopes: list[tuple[Limit, str, int]] = [("phone", f"phone:{digest}", limits.per_phone)]
        if order_id:
            scopes.append(("order", f"order:{order_id}", limits.per_order))
        refused_first = next((limit for limit, _, most in scopes if most < 1), None)
        if refused_first is None:
            taken = await self._take_all(scopes)
            refused_first = next((limit for limit, scope, _ in scopes if scope not in taken), None)
            if refused_first is None and await self._day_is_full():
                refused_first = "day"
            if refused_first is not None:
                for scope in taken:
                    await self._give_back(scope)
            else:
                self._day_taken += 1
        if refused_first is not None:
            self._policy.on_refused(refused_first)
        return refused_first

    async def flush(self) -> None:
        """Add this transaction's SMS to the day's count (the unit of work calls it last before
        the commit); `ConcurrencyConflict` if other transactions took the room meanwhile."""
        if not self._day_taken:
            return
        taken, self._day_taken, self._day_count = self._day_taken, 0, None
        params = {"on_day": self._day, "taken": taken, "most": self._policy.limits.per_day}
        if (await self._conn.execute(_ADD_TO_DAY, params)).first() is None:
            raise ConcurrencyConflict(f"the day's SMS limit was reached by {taken} SMS of others")

    async def _day_is_full(self) -> bool:
        if self._day_count is None:
            stmt = _DAY_COUNT
            self._day_count = int(await self._conn.scalar(stmt, {"on_day": self._day}) or 0)
        return self._day_count + self._day_taken >= self._policy.limits.per_day

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


_DAY_COUNT = select(sms_quota.c.count).where(
    sms_quota.c.scope == "day", sms_quota.c.day == bindparam("on_day")
)
_ADD_TO_DAY = text(
    f"INSERT INTO {sms_quota.name} (scope, day, count) VALUES ('day', :on_day, :taken) "
    f"ON CONFLICT (scope, day) DO UPDATE SET count = {sms_quota.name}.count + excluded.count "
    f"WHERE {sms_quota.name}.count + excluded.count <= :most "
    "RETURNING count"
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
