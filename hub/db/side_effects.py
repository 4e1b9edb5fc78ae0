"""E-mails and billing starts as rows: recorded before the external call and after it.

Both follow the discipline of `hub.db.sms` (the `hub.ports.EffectRecords` port): an attempt
takes a lease; the result (or the failure) is written afterwards; a row left `pending` by a crash
is reconciled before a retry.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Table, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from hub.db.errors import unique_violations_as_conflicts
from hub.db.tables import billing_starts, email_messages
from hub.errors import ConcurrencyConflict
from hub.ports.records import EffectRecord, EffectState


class _LeasedEffects:
    """Rows of one side effect, keyed by its business key."""

    table: Table
    key_column: str
    result_column: str

    def __init__(self, conn: AsyncConnection, *, now: datetime) -> None:
        self._conn = conn
        self._now = now

    @property
    def _key(self) -> Any:
        return self.table.c[self.key_column]

    async def find(self, key: str) -> EffectRecord | None:
        row = (await self._conn.execute(select(self.table).where(self._key == key))).mappings()
        found = row.first()
        if found is None:
            return None
        return EffectRecord(
            key=found[self.key_column],
            state=EffectState(found["state"]),
            attempts=found["attempts"],
            lease_until=found["lease_until"],
            result=found[self.result_column],
            created_at=found["created_at"],
        )

    async def start_attempt(
        self, key: str, *, seen: EffectRecord | None, lease: timedelta, **values: Any
    ) -> None:
        """Record that a call is about to happen, leased so no one else calls meanwhile."""
        if seen is None:
            with unique_violations_as_conflicts(f"{self.table.name} {key} started concurrently"):
                await self._conn.execute(
                    insert(self.table).values(
                        **{self.key_column: key},
                        **values,
                        state=EffectState.PENDING.value,
                        attempts=1,
                        lease_until=self._now + lease,
                        created_at=self._now,
                        updated_at=self._now,
                    )
                )
            return
        # Compare-and-set: the caller saw the row with a free lease; another worker may have
        # taken the lease or finished since, and then this attempt must not go on to call out.
        result = await self._conn.execute(
            update(self.table)
            .where(self._key == key)
            .where(self.table.c.state == EffectState.PENDING.value)
            .where(or_(self.table.c.lease_until.is_(None), self.table.c.lease_until <= self._now))
            .values(
                attempts=self.table.c.attempts + 1,
                lease_until=self._now + lease,
                updated_at=self._now,
            )
        )
        if result.rowcount != 1:
            raise ConcurrencyConflict(f"{self.table.name} {key} was taken by another attempt")

    async def mark_done(self, key: str, result: str, **values: Any) -> None:
        await self._set(
            key,
            state=EffectState.DONE.value,
            lease_until=None,
            **{self.result_column: result},
            **values,
        )

    async def release_lease(self, key: str) -> None:
        """The attempt ended without a result; the next one may start at once (and reconcile)."""
        await self._set(key, lease_until=None)

    async def mark_failed(self, key: str, error_code: str) -> None:
        await self._set(
            key, state=EffectState.FAILED.value, error_code=error_code[:32], lease_until=None
        )

    async def _set(self, key: str, **values: Any) -> None:
        await self._conn.execute(
            update(self.table).where(self._key == key).values(**values, updated_at=self._now)
        )


class EmailRepository(_LeasedEffects):
    """One row per e-mail id: (order, report version, recipient)."""

    table = email_messages
    key_column = "email_id"
    result_column = "provider_message_id"


class BillingRepository(_LeasedEffects):
    """One row per order: billing starts at most once per order."""

    table = billing_starts
    key_column = "order_id"
    result_column = "reference"
