"""An external side effect done once per business key, across crashes and duplicate deliveries.

    begin: record the attempt, take a lease (one transaction)
      ─▶ [retry of an attempt that may have gone out: ask the system first (`lookup`)]
      ─▶ call the system ─▶ finish: record the result + what it causes (one transaction)

A second delivery while a lease is held is retried later (`in_flight`, transient); after a
crash the lease runs out and the next attempt reconciles before calling again. A refusal
(permanent) marks the effect failed; an outage (transient) releases the lease. SMS, e-mail and
billing are each one `RecordedEffect`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypeVar

from hub.errors import ConcurrencyConflict, PermanentAdapterError, TransientAdapterError
from hub.ports import EffectRecords, EffectState, UnitOfWork, UnitOfWorkFactory

T = TypeVar("T")
Check = Callable[[UnitOfWork], Awaitable[None]]
Then = Callable[[UnitOfWork], Awaitable[object]]


@dataclass(frozen=True, slots=True)
class Attempt:
    """A leased attempt; `retry` if an earlier one may already have reached the system."""

    key: str
    retry: bool
    since: datetime


class RecordedEffect:
    """The lease / reconcile / record discipline for one kind of side effect."""

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        records: Callable[[UnitOfWork], EffectRecords],
        *,
        lease: timedelta,
        in_flight: type[TransientAdapterError],
        what: str,
    ) -> None:
        self._uow = uow
        self._records = records
        self._lease = lease
        self._in_flight = in_flight
        self._what = what

    async def begin(self, key: str, *, check: Check | None = None, **values: Any) -> Attempt | None:
        """Take the lease; None if the effect is already done (or failed for good).

        `check` runs in the same transaction before the lease is taken (it may raise).
        """
        try:
            async with self._uow() as uow:
                records = self._records(uow)
                record = await records.find(key)
                if record is not None and record.state is not EffectState.PENDING:
                    return None
                if check is not None:
                    await check(uow)
                if record is not None and record.lease_until and record.lease_until > uow.now:
                    raise self._in_flight(f"{self._what} {key} is being handled elsewhere")
                await records.start_attempt(key, seen=record, lease=self._lease, **values)
                await uow.commit()
        except ConcurrencyConflict as exc:  # another attempt inserted or leased it first
            raise self._in_flight(f"{self._what} {key} is being handled elsewhere") from exc
        since = record.created_at if record is not None else uow.now
        return Attempt(key=key, retry=record is not None, since=since)

    async def call(self, key: str, call: Awaitable[T]) -> T:
        """Run one call to the system; a failure ends the attempt (failed, or lease released)."""
        try:
            return await call
        except PermanentAdapterError as exc:
            async with self._uow() as uow:
                await self._records(uow).mark_failed(key, type(exc).__name__)
                await uow.commit()
            raise
        except TransientAdapterError:
            async with self._uow() as uow:
                await self._records(uow).release_lease(key)
                await uow.commit()
            raise

    async def finish(
        self, key: str, result: str, *, then: Then | None = None, **values: Any
    ) -> None:
        """Record the system's answer and, in the same transaction, what it causes."""
        async with self._uow() as uow:
            await self._records(uow).mark_done(key, result, **values)
            if then is not None:
                await then(uow)
            await uow.commit()
