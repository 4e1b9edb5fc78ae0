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

from sqlalchemy import case, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from hub.db.engine import Database
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

    def __init__(
        self, conn: AsyncConnection, db: Database, policy: SmsQuotaPolicy, *, now: datetime
    ) -> None:
        self._conn = conn
        self._db = db
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
        dialect = sqlite if self._db.is_sqlite else postgresql
        stmt = dialect.insert(sms_quota).values(
            [{"scope": scope, "day": self._day, "count": 1} for _, scope, _ in scopes]
        )
        most_of = case(
            *((stmt.excluded.scope == scope, most) for _, scope, most in scopes),
            else_=0,
        )
        stmt = stmt.on_conflict_do_update(
            index_elements=[sms_quota.c.scope, sms_quota.c.day],
            set_={"count": sms_quota.c.count + 1},
            where=sms_quota.c.count < most_of,
        ).returning(sms_quota.c.scope)
        return set((await self._conn.execute(stmt)).scalars())

    async def _give_back(self, scope: str) -> None:
        await self._conn.execute(
            update(sms_quota)
            .where(sms_quota.c.scope == scope, sms_quota.c.day == self._day)
            .values(count=sms_quota.c.count - 1)
        )
