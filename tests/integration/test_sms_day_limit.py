"""The SMS limits: the hub-wide daily one counted exactly, and the count rows locked only at the
commit, so transactions that text the same number (a worker's group of dispatches to one
technician) or any number (the day's row) do not queue behind each other."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import select

from hub.db.engine import Database
from hub.db.sms_quota import SmsQuotaPolicy
from hub.db.tables import sms_quota
from hub.db.uow import UnitOfWorkFactory
from hub.domain.notifications import SmsLimits
from hub.errors import ConcurrencyConflict

pytestmark = pytest.mark.integration

LIMITS = SmsLimits(per_phone=5, per_order=5, per_day=3)


def phone(n: int) -> str:
    return f"+86139{n:08d}"


@pytest.fixture
async def uows(database_url: str) -> AsyncIterator[UnitOfWorkFactory]:
    db = Database(database_url)
    yield UnitOfWorkFactory(db, exchange="hub", sms_policy=SmsQuotaPolicy(limits=LIMITS))
    await db.dispose()


async def day_count(uows: UnitOfWorkFactory) -> int:
    async with uows.db.read() as conn:
        count = await conn.scalar(select(sms_quota.c.count).where(sms_quota.c.scope == "day"))
        return int(count or 0)


async def scopes(uows: UnitOfWorkFactory) -> set[str]:
    """The scopes that count an SMS today (a refused one is given back to 0)."""
    async with uows.db.read() as conn:
        query = select(sms_quota.c.scope).where(sms_quota.c.count > 0)
        return set((await conn.execute(query)).scalars())


async def test_the_day_limit_refuses_the_sms_over_it_and_counts_it_nowhere(
    uows: UnitOfWorkFactory,
) -> None:
    async with uows() as uow:
        taken = [await uow.sms_quota.take(order_id=f"WO-{n}", phone=phone(n)) for n in range(4)]
        await uow.commit()
    async with uows() as uow:
        later = await uow.sms_quota.take(order_id="WO-9", phone=phone(9))
        await uow.commit()
    assert taken == [None, None, None, "day"]
    assert later == "day"
    assert await day_count(uows) == 3
    refused = {f"order:WO-{n}" for n in (3, 9)}
    assert not refused & await scopes(uows)  # a refused SMS counts for its order nowhere


# SQLite has one writer: its transactions never overlap.
needs_two_writers = pytest.mark.parametrize("backend", ["postgres"], indirect=True)


@needs_two_writers
async def test_a_transaction_holding_an_sms_does_not_make_another_wait(
    uows: UnitOfWorkFactory,
) -> None:
    async with uows() as first:
        assert await first.sms_quota.take(order_id="WO-1", phone=phone(1)) is None

        async def second() -> None:
            async with uows() as uow:  # the same technician's number, and the day's row
                assert await uow.sms_quota.take(order_id="WO-2", phone=phone(1)) is None
                await uow.commit()

        await asyncio.wait_for(second(), timeout=5)  # before: waited on the day row's lock
        await first.commit()
    assert await day_count(uows) == 2


@needs_two_writers
async def test_a_commit_over_the_day_limit_fails_whole_and_its_retry_is_refused(
    uows: UnitOfWorkFactory,
) -> None:
    with pytest.raises(ConcurrencyConflict):
        async with uows() as first:
            taken = [await first.sms_quota.take(order_id=f"WO-{n}", phone=phone(n)) for n in (1, 2)]
            assert taken == [None, None]  # 0 + 2 ≤ 3 as far as this transaction can see
            async with uows() as second:
                taken = [
                    await second.sms_quota.take(order_id=f"WO-{n}", phone=phone(n)) for n in (3, 4)
                ]
                await second.commit()
            assert taken == [None, None]
            await first.commit()  # 2 + 2 > 3: refused whole
    assert await day_count(uows) == 2
    assert {"order:WO-1", "order:WO-2"}.isdisjoint(await scopes(uows))
    async with uows() as retry:
        retried = [await retry.sms_quota.take(order_id=f"WO-{n}", phone=phone(n)) for n in (1, 2)]
        await retry.commit()
    assert retried == [None, "day"]
    assert await day_count(uows) == 3
