"""The SMS limits' upsert is compiled once per number of scopes, not once per transaction
(SQLAlchemy never caches a multi-row VALUES statement; recompiling it cost about 1.3 ms of CPU per
SMS), and it still counts every scope on both databases."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from hub.db.engine import Database
from hub.db.sms_quota import SmsQuotaPolicy, SmsQuotaRepository
from hub.db.tables import sms_quota
from hub.domain.notifications import SmsLimits
from tests.helpers import statements_run

pytestmark = pytest.mark.integration


async def test_the_limit_statement_comes_from_the_cache_after_its_first_sms(
    database_url: str,
) -> None:
    db = Database(database_url)
    seen = statements_run(db)

    policy = SmsQuotaPolicy(limits=SmsLimits(per_phone=2, per_order=5, per_day=100))
    try:
        async with db.write() as conn:
            repo = SmsQuotaRepository(conn, policy, now=datetime.now(UTC))
            refusals = [await repo.take(order_id="WO-1", phone="+8613900000001") for _ in range(3)]
            refusals.append(await repo.take(order_id=None, phone="+8613900000002"))
            await repo.flush()  # the counts are written last, before the commit: 4 scopes
            for n in (3, 4):  # one SMS each, as two transactions would: 3 scopes each
                repo = SmsQuotaRepository(conn, policy, now=datetime.now(UTC))
                refusals.append(await repo.take(order_id=f"WO-{n}", phone=f"+861390000000{n}"))
                await repo.flush()
            counts = dict((await conn.execute(select(sms_quota.c.scope, sms_quota.c.count))).all())
    finally:
        await db.dispose()
    assert refusals == [None, None, "phone", None, None, None]  # a number's third text: refused
    assert counts["order:WO-1"] == 2 and counts["day"] == 5  # a refused text counts nowhere
    assert sorted(counts.values()) == [1, 1, 1, 1, 1, 2, 2, 5]
    cache_hits = [hit for sql, hit in seen if sql.startswith("INSERT INTO sms_quota")]
    assert cache_hits == [False, False, True]  # the same shape (3 scopes) again: no compile
