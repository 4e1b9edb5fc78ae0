"""Outgoing SMS as rows: recorded before the provider call and after it.

The text is kept only while the SMS is being sent and blanked once it is sent or failed (it
carries signing links and one-time codes, S1); the phone is stored masked. Nothing reads either
back: a retry or a `lookup` after an expired lease takes them from the `SendSms` command.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import bindparam, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql import Update

from hub.db.errors import unique_violations_as_conflicts
from hub.db.tables import sms_messages
from hub.domain.notifications import DELIVERY_RANK
from hub.domain.pii import mask_phone
from hub.errors import ConcurrencyConflict
from hub.ports.records import EffectRecord, EffectState
from schemas.v1 import SendSms


class SmsState(StrEnum):
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"


_EFFECT_STATE = {
    "sending": EffectState.PENDING,
    "sent": EffectState.DONE,
    "failed": EffectState.FAILED,
}


# Built once, as in `hub.db.work_orders`: building a statement costs about as much CPU as running
# it, and every SMS runs three of these.
_SELECT_SMS = select(sms_messages).where(sms_messages.c.sms_id == bindparam("key"))
_INSERT_SMS = insert(sms_messages)
_TAKE_LEASE = (  # compare-and-set: only a pending row whose lease is free or ran out
    update(sms_messages)
    .where(sms_messages.c.sms_id == bindparam("key"))
    .where(sms_messages.c.state == SmsState.SENDING.value)
    .where(
        or_(
            sms_messages.c.lease_until.is_(None),
            sms_messages.c.lease_until <= bindparam("now"),
        )
    )
    .values(
        attempts=sms_messages.c.attempts + 1,
        lease_until=bindparam("lease_until"),
        updated_at=bindparam("now"),
    )
)
_SET = update(sms_messages).where(sms_messages.c.sms_id == bindparam("key"))


def _final(state: SmsState, **values: Any) -> Update:
    """A sent or failed SMS: no lease, and the text blanked."""
    return _SET.values(
        state=state.value, body="", lease_until=None, updated_at=bindparam("now"), **values
    )


_MARK_SENT = _final(SmsState.SENT, provider_message_id=bindparam("result"))
_MARK_FAILED = _final(SmsState.FAILED, error_code=bindparam("error_code"))
_RELEASE = _SET.values(lease_until=None, updated_at=bindparam("now"))


class SmsRepository:
    """State of each SMS by its idempotency key (`hub.ports.SmsRecords`)."""

    def __init__(self, conn: AsyncConnection, *, now: datetime) -> None:
        self._conn = conn
        self._now = now

    async def find(self, key: str) -> EffectRecord | None:
        row = (await self._conn.execute(_SELECT_SMS, {"key": key})).mappings().first()
        if row is None:
            return None
        return EffectRecord(
            key=row["sms_id"],
            state=_EFFECT_STATE[row["state"]],
            attempts=row["attempts"],
            lease_until=row["lease_until"],
            result=row["provider_message_id"],
            created_at=row["created_at"],
        )

    async def start_attempt(
        self, key: str, *, seen: EffectRecord | None, lease: timedelta, **values: Any
    ) -> None:
        """Record that a send is about to happen, leased so no one else sends meanwhile.

        `values` carry `command` (the `SendSms`) and `provider` (the platform's name).
        """
        cmd: SendSms = values["command"]
        provider: str = values["provider"]
        if seen is None:
            with unique_violations_as_conflicts(f"sms {key} was started by another attempt"):
                await self._conn.execute(
                    _INSERT_SMS,
                    {
                        "sms_id": key,
                        "order_id": cmd.order_id,
                        "purpose": cmd.purpose,
                        "to_phone": mask_phone(cmd.to),
                        "body": cmd.body or cmd.sealed_body,  # a secret stays sealed
                        "provider": provider,
                        "state": SmsState.SENDING.value,
                        "attempts": 1,
                        "lease_until": self._now + lease,
                        "delivery_rank": 0,
                        "created_at": self._now,
                        "updated_at": self._now,
                    },
                )
            return
        # The caller saw the row with a free lease; another worker may have taken the lease or
        # finished since, and then this attempt must not go on to send.
        result = await self._conn.execute(
            _TAKE_LEASE, {"key": key, "now": self._now, "lease_until": self._now + lease}
        )
        if result.rowcount != 1:
            raise ConcurrencyConflict(f"sms {key} was taken by another attempt")

    async def mark_done(self, key: str, result: str, **values: Any) -> None:
        """Final: the provider took it (`result`: its message id); the text is blanked."""
        await self._conn.execute(_MARK_SENT, {"key": key, "result": result, "now": self._now})

    async def release_lease(self, key: str) -> None:
        """The attempt ended without a result; the next one may start at once (and reconcile)."""
        await self._conn.execute(_RELEASE, {"key": key, "now": self._now})

    async def mark_failed(self, key: str, error_code: str) -> None:
        """Final: the provider refused it for good; the text is blanked."""
        await self._conn.execute(
            _MARK_FAILED, {"key": key, "error_code": error_code[:32], "now": self._now}
        )

    async def record_delivery_status(
        self, provider_message_id: str, status: str, *, sms_id: str | None = None
    ) -> bool:
        """Store a provider status only if it moves forward; True if it changed anything.

        `sms_id` (from the signed callback URL) finds the row even when the callback arrives
        before the hub recorded the provider's id (a crash, or a fast provider).
        """
        rank = DELIVERY_RANK.get(status)
        if rank is None:
            return False
        match = sms_messages.c.provider_message_id == provider_message_id
        if sms_id:
            match = or_(match, sms_messages.c.sms_id == sms_id)
        result = await self._conn.execute(
            update(sms_messages)
            .where(match)
            .where(sms_messages.c.delivery_rank < rank)
            .values(delivery_status=status, delivery_rank=rank, updated_at=self._now)
        )
        return result.rowcount == 1
