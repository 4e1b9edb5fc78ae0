"""Today's SMS counts per scope, against the limits, exactly.

Scopes: `order:<id>`, `phone:<HMAC of the number>` (the database never holds the number), and
`day`. A count row is locked from its update until the transaction ends, and the `day` row is
touched by every SMS of the hub (a technician's `phone` row by each of his dispatches), so the
rows are written last: a transaction reads each scope's count once, counts its own SMS against
the limits, and adds them all in one conditional upsert at `flush()`, just before the commit.
Written earlier, a group of dispatches held those locks while the rest of the group ran, and
another worker's group waited for them.

If other transactions took the room meanwhile, the upsert leaves a row unchanged and the
transaction fails with `ConcurrencyConflict`; run again, it reads the new counts and refuses the
SMS over the limit. A day's counts only grow, so a count read earlier never refuses an SMS that
the limit allows, and a refused SMS counts nowhere.
"""

from __future__ import annotations

import hashlib
import hmac
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import TextClause, bindparam, select, text
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
        self._counts: dict[str, int] = {}  # each scope's count as this transaction read it
        self._taken: Counter[str] = Counter()  # this transaction's SMS per scope, added at flush
        self._most: dict[str, int] = {}  # each taken scope's limit

    async def take(self, *, order_id: str | None, phone: str) -> Limit | None:
        limits = self._policy.limits
        digest = hmac.new(self._policy.key, phone.encode(), hashlib.sha256).hexdigest()[:40]
        scopes: list[tuple[Limit, str, int]] = [("phone", f"phone:{digest}", limits.per_phone)]
        if order_id:
            scopes.append(("order", f"order:{order_id}", limits.per_order))
        scopes.append(("day", "day", limits.per_day))
        await self._read([scope for _, scope, _ in scopes if scope not in self._counts])
        refused = next((limit for limit, scope, most in scopes if self._used(scope) >= most), None)
        if refused is not None:
            self._policy.on_refused(refused)
            return refused
        for _, scope, most in scopes:
            self._taken[scope] += 1
            self._most[scope] = most
        return None

    async def flush(self) -> None:
        """Add this transaction's SMS to the counts (the unit of work calls it last before the
        commit); `ConcurrencyConflict` if other transactions took the room meanwhile."""
        if not self._taken:
            return
        taken = sorted(self._taken.items())  # one lock order for every transaction
        most = self._most
        self._taken, self._counts, self._most = Counter(), {}, {}
        params: dict[str, object] = {"on_day": self._day}
        for i, (scope, count) in enumerate(taken):
            params[f"scope_{i}"] = scope
            params[f"taken_{i}"] = count
            params[f"most_{i}"] = most[scope]
        moved = set((await self._conn.execute(_add_statement(len(taken)), params)).scalars())
        if len(moved) != len(taken):
            full = sorted({scope.split(":")[0] for scope, _ in taken if scope not in moved})
            raise ConcurrencyConflict(f"SMS limits reached meanwhile by others: {full}")

    def _used(self, scope: str) -> int:
        """The scope's count as read, with this transaction's SMS on top."""
        return self._counts[scope] + self._taken[scope]

    async def _read(self, scopes: list[str]) -> None:
        if scopes:
            rows = await self._conn.execute(_COUNTS, {"on_day": self._day, "scopes": scopes})
            self._counts.update(dict.fromkeys(scopes, 0) | {scope: n for scope, n in rows})


_COUNTS = select(sms_quota.c.scope, sms_quota.c.count).where(
    sms_quota.c.day == bindparam("on_day"),
    sms_quota.c.scope.in_(bindparam("scopes", expanding=True)),
)
_ADD: dict[int, TextClause] = {}


def _add_statement(scopes: int) -> TextClause:
    """The upsert for `scopes` scopes: row i adds `taken_i` to `scope_i` on `on_day` if the sum
    stays within `most_i`, and returns the scopes it moved. Written as text, once per size,
    because SQLAlchemy never caches a multi-row VALUES statement (it compiled one again for
    every SMS: about 1 ms of CPU). The same SQL runs on SQLite and PostgreSQL."""
    stmt = _ADD.get(scopes)
    if stmt is None:
        t, c = sms_quota.name, sms_quota.c
        rows = ", ".join(
            f"(:scope_{i}, :on_day, CAST(:taken_{i} AS INTEGER))" for i in range(scopes)
        )
        most_of = " ".join(
            f"WHEN :scope_{i} THEN CAST(:most_{i} AS INTEGER)" for i in range(scopes)
        )
        stmt = _ADD[scopes] = text(
            f"INSERT INTO {t} ({c.scope.name}, {c.day.name}, {c.count.name}) VALUES {rows} "
            f"ON CONFLICT ({c.scope.name}, {c.day.name}) "
            f"DO UPDATE SET {c.count.name} = {t}.{c.count.name} + excluded.{c.count.name} "
            f"WHERE {t}.{c.count.name} + excluded.{c.count.name} "
            f"<= CASE excluded.{c.scope.name} {most_of} ELSE 0 END "
            f"RETURNING {c.scope.name}"
        )
    return stmt
