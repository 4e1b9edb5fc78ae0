"""An SMS's record is read once per attempt: the lease is taken from what that read saw (one
insert for a first attempt, one compare-and-set for a retry), not after reading the row again."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from hub.db.engine import Database
from hub.db.sms import SmsRepository
from hub.db.uow import UnitOfWorkFactory
from hub.errors import TransientAdapterError
from hub.handlers.side_effects import Attempt, RecordedEffect
from schemas.v1 import SendSms
from tests.helpers import statements_run

pytestmark = pytest.mark.integration

CMD = SendSms(sms_id="sms-statements-1", to="+8613800138000", body="hi", purpose="t")


def _effect(db: Database, clock: list[datetime], *, lease: timedelta) -> RecordedEffect:
    uow = UnitOfWorkFactory(db, exchange="hub.bus", clock=lambda: clock[0])
    return RecordedEffect(
        uow, lambda u: u.sms, lease=lease, in_flight=TransientAdapterError, what="sms"
    )


async def test_an_sms_attempt_reads_its_record_once(database_url: str) -> None:
    db = Database(database_url)
    clock = [datetime(2026, 12, 5, 8, 0, tzinfo=UTC)]
    effect = _effect(db, clock, lease=timedelta(seconds=30))
    seen = statements_run(db)
    try:
        first = await effect.begin(CMD.sms_id, command=CMD, provider="log")
        clock[0] += timedelta(seconds=31)  # that attempt crashed; its lease ran out
        retry = await effect.begin(CMD.sms_id, command=CMD, provider="log")
        await effect.finish(CMD.sms_id, "P-1")
        done = await effect.begin(CMD.sms_id, command=CMD, provider="log")
        async with db.read() as conn:
            record = await SmsRepository(conn, now=clock[0]).find(CMD.sms_id)
    finally:
        await db.dispose()
    started = datetime(2026, 12, 5, 8, 0, tzinfo=UTC)
    assert first == Attempt(key=CMD.sms_id, retry=False, since=started)
    assert retry == Attempt(key=CMD.sms_id, retry=True, since=started)  # reconcile first
    assert done is None  # sent: no third attempt
    assert record is not None and (record.attempts, record.result) == (2, "P-1")
    on_record = [sql.split()[0] for sql, _ in seen if "sms_messages" in sql]
    assert on_record == [
        *("SELECT", "INSERT"),  # first attempt
        *("SELECT", "UPDATE"),  # the retry takes the lease it saw run out
        "UPDATE",  # sent
        "SELECT",  # a later delivery finds it done
        "SELECT",  # the check above
    ]
