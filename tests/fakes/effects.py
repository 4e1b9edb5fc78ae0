"""Fake records of external side effects: SMS, e-mails and billing starts.

The same lease discipline as `hub.db.sms` and `hub.db.side_effects`: an attempt that saw no row
inserts it (a row already there is a conflict, as a unique key would be), one that saw the row
compare-and-sets it (only a pending row whose lease ran out), and anything else is a
`ConcurrencyConflict`; done and failed rows keep no SMS text.
"""

from __future__ import annotations

import hashlib
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from hub.domain.notifications import DELIVERY_RANK, Limit, SmsLimits
from hub.errors import ConcurrencyConflict
from hub.messaging.pii import mask_phone
from hub.ports import EffectRecord, EffectState
from schemas.v1 import SendSms
from tests.fakes.store import EffectRow, FakeStore, SmsRow

_SMS_STATE = {
    "sending": EffectState.PENDING,
    "sent": EffectState.DONE,
    "failed": EffectState.FAILED,
}


def _free(lease_until: datetime | None, now: datetime) -> bool:
    return lease_until is None or lease_until <= now


class FakeEffectRecords:
    """`hub.ports.EffectRecords` over one table; `unique` names values no two rows may share."""

    def __init__(
        self, table: dict[str, EffectRow], *, now: datetime, unique: tuple[str, ...] = ()
    ) -> None:
        self._rows = table
        self._now = now
        self._unique = unique

    async def find(self, key: str) -> EffectRecord | None:
        row = self._rows.get(key)
        if row is None:
            return None
        return EffectRecord(
            key=row.key,
            state=row.state,
            attempts=row.attempts,
            lease_until=row.lease_until,
            result=row.result,
            created_at=row.created_at,
        )

    async def start_attempt(
        self, key: str, *, seen: EffectRecord | None, lease: timedelta, **values: Any
    ) -> None:
        row = self._rows.get(key)
        if seen is None:
            if row is not None:
                raise ConcurrencyConflict(f"{key} was started by another attempt")
            self._check_unique(key, values)
            self._rows[key] = EffectRow(
                key=key,
                state=EffectState.PENDING,
                attempts=1,
                lease_until=self._now + lease,
                created_at=self._now,
                values=dict(values),
            )
            return
        if (
            row is None
            or row.state is not EffectState.PENDING
            or not _free(row.lease_until, self._now)
        ):
            raise ConcurrencyConflict(f"{key} was taken by another attempt")
        self._rows[key] = replace(row, attempts=row.attempts + 1, lease_until=self._now + lease)

    async def mark_done(self, key: str, result: str, **values: Any) -> None:
        self._set(
            key, state=EffectState.DONE, lease_until=None, result=result, values_update=values
        )

    async def release_lease(self, key: str) -> None:
        self._set(key, lease_until=None)

    async def mark_failed(self, key: str, error_code: str) -> None:
        self._set(key, state=EffectState.FAILED, error_code=error_code[:32], lease_until=None)

    def _set(
        self, key: str, *, values_update: dict[str, Any] | None = None, **changes: Any
    ) -> None:
        row = self._rows.get(key)
        if row is None:
            return  # an UPDATE of no row
        if values_update:
            changes["values"] = {**row.values, **values_update}
        self._rows[key] = replace(row, **changes)

    def _check_unique(self, key: str, values: dict[str, Any]) -> None:
        for name in self._unique:
            if any(r.values.get(name) == values.get(name) for r in self._rows.values()):
                raise ConcurrencyConflict(f"{name} {values.get(name)} of {key} is taken")


class FakeSmsRecords:
    """`hub.ports.SmsRecords`: phone stored masked, text kept only while sending."""

    def __init__(self, tables: FakeStore, *, now: datetime) -> None:
        self._t = tables
        self._now = now

    async def find(self, key: str) -> EffectRecord | None:
        row = self._t.sms.get(key)
        if row is None:
            return None
        return EffectRecord(
            key=row.sms_id,
            state=_SMS_STATE[row.state],
            attempts=row.attempts,
            lease_until=row.lease_until,
            result=row.provider_message_id,
            created_at=row.created_at,
        )

    async def start_attempt(
        self, key: str, *, seen: EffectRecord | None, lease: timedelta, **values: Any
    ) -> None:
        cmd: SendSms = values["command"]
        provider: str = values["provider"]
        row = self._t.sms.get(key)
        if seen is None:
            if row is not None:
                raise ConcurrencyConflict(f"sms {key} was started by another attempt")
            self._t.sms[key] = SmsRow(
                sms_id=cmd.sms_id,
                order_id=cmd.order_id,
                purpose=cmd.purpose,
                to_masked=mask_phone(cmd.to),
                body=cmd.body,
                provider=provider,
                state="sending",
                attempts=1,
                lease_until=self._now + lease,
                created_at=self._now,
            )
            return
        if row is None or row.state != "sending" or not _free(row.lease_until, self._now):
            raise ConcurrencyConflict(f"sms {key} was taken by another attempt")
        self._t.sms[key] = replace(row, attempts=row.attempts + 1, lease_until=self._now + lease)

    async def mark_done(self, key: str, result: str, **values: Any) -> None:
        if any(r.provider_message_id == result for r in self._t.sms.values() if r.sms_id != key):
            raise ConcurrencyConflict(f"provider message id {result} is recorded twice")
        self._set(key, state="sent", body="", provider_message_id=result, lease_until=None)

    async def release_lease(self, key: str) -> None:
        self._set(key, lease_until=None)

    async def mark_failed(self, key: str, error_code: str) -> None:
        self._set(key, state="failed", body="", error_code=error_code[:32], lease_until=None)

    async def record_delivery_status(
        self, provider_message_id: str, status: str, *, sms_id: str | None = None
    ) -> bool:
        rank = DELIVERY_RANK.get(status)
        if rank is None:
            return False
        hits = [
            r
            for r in self._t.sms.values()
            if (r.provider_message_id == provider_message_id or (sms_id and r.sms_id == sms_id))
            and r.delivery_rank < rank
        ]
        for row in hits:
            self._t.sms[row.sms_id] = replace(row, delivery_status=status, delivery_rank=rank)
        return len(hits) == 1

    def _set(self, key: str, **changes: Any) -> None:
        row = self._t.sms.get(key)
        if row is not None:
            self._t.sms[key] = replace(row, **changes)


class FakeSmsQuota:
    """`hub.ports.SmsQuota`: today's counts per scope, refused over the limits (no number kept:
    the phone is hashed as the database does)."""

    def __init__(self, tables: FakeStore, *, now: datetime, limits: SmsLimits) -> None:
        self._t = tables
        self._day = now.date().isoformat()
        self._limits = limits

    async def take(self, *, order_id: str | None, phone: str) -> Limit | None:
        digest = hashlib.sha256(phone.encode()).hexdigest()[:40]
        scopes: list[tuple[Limit, str, int]] = [
            ("day", "day", self._limits.per_day),
            ("phone", f"phone:{digest}", self._limits.per_phone),
        ]
        if order_id:
            scopes.append(("order", f"order:{order_id}", self._limits.per_order))
        for limit, scope, most in scopes:
            if self._t.sms_quota.get((scope, self._day), 0) >= most:
                return limit
        for _, scope, _ in scopes:
            key = (scope, self._day)
            self._t.sms_quota[key] = self._t.sms_quota.get(key, 0) + 1
        return None
