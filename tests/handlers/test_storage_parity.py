"""The fake unit of work behaves as `hub.db`'s does: the same case on both (see conftest)."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from hub.domain import work_order
from hub.domain.exception_directory import DirectoryEntry
from hub.domain.exception_report import ReportState, report, resolve
from hub.domain.resource_change import ChangeState, start
from hub.domain.work_order import Status
from hub.errors import ConcurrencyConflict, IllegalTransition
from hub.ports import EffectState, ReportRecord, TimerStatus
from schemas.v1 import (
    ResolveException,
    ResponsibleParty,
    ResponsibleRole,
    SendSms,
    VerifyCheckIn,
)
from tests import factories
from tests.handlers.conftest import Storage
from tests.on_site_factories import box_change, dispatched, exception, swap

LEASE = timedelta(seconds=30)


async def test_a_block_left_without_commit_leaves_nothing(storage: Storage) -> None:
    order, _ = work_order.create(factories.create_order("WO-1"), now=storage.clock())
    with pytest.raises(RuntimeError, match="handler failed"):
        async with storage.uow() as uow:
            await uow.orders.add(order, now=uow.now)
            await uow.inbox.claim("c", "m-1")
            raise RuntimeError("handler failed")
    async with storage.uow() as uow:
        assert await uow.orders.find("WO-1") is None
        assert await uow.inbox.claim("c", "m-1") is True


async def test_a_save_from_a_stale_version_is_a_conflict(storage: Storage) -> None:
    order, _ = work_order.create(factories.create_order("WO-1"), now=storage.clock())
    async with storage.uow() as uow:
        await uow.orders.add(order, now=uow.now)
        await uow.commit()
    async with storage.uow() as uow:
        await uow.orders.save(replace(order, version=2), expected_version=1, now=uow.now)
        with pytest.raises(ConcurrencyConflict):
            await uow.orders.save(replace(order, version=3), expected_version=1, now=uow.now)


async def test_the_same_key_inserted_twice_is_a_conflict(storage: Storage) -> None:
    order, _ = work_order.create(factories.create_order("WO-1"), now=storage.clock())
    async with storage.uow() as uow:
        await uow.orders.add(order, now=uow.now)
        await uow.commit()
    with pytest.raises(ConcurrencyConflict):
        async with storage.uow() as uow:
            await uow.orders.add(order, now=uow.now)
            await uow.commit()


async def test_the_flow_log_numbers_lines_by_the_event_version(storage: Storage) -> None:
    order, created = work_order.create(factories.create_order("WO-1"), now=storage.clock())
    order, dispatched_ = work_order.decide(
        order, factories.dispatch("WO-1"), now=storage.clock(), radius_m=500
    )
    async with storage.uow() as uow:
        for event in [*created, *dispatched_]:
            await uow.flow_log.append(event)
        await uow.commit()
    async with storage.uow.read() as uow:
        assert [(e.seq, e.step) for e in await uow.flow_log.list("WO-1")] == [
            (1, "created"),
            (2, "dispatched"),
        ]


async def test_a_message_id_is_claimed_once(storage: Storage) -> None:
    async with storage.uow() as uow:
        assert await uow.inbox.claim("c", "m-1") is True
        assert await uow.inbox.claim("c", "m-1") is False
        assert await uow.inbox.claim("other", "m-1") is True
        await uow.commit()
    async with storage.uow() as uow:
        assert await uow.inbox.claim("c", "m-1") is False


async def test_a_read_publishes_nothing_and_never_commits(storage: Storage) -> None:
    async with storage.uow.read() as uow:
        with pytest.raises(RuntimeError, match="cannot publish"):
            await uow.outbox.add(VerifyCheckIn(order_id="WO-1"))
        with pytest.raises(RuntimeError, match="cannot commit"):
            await uow.commit()


async def test_an_outbox_id_used_twice_is_a_conflict_at_commit(storage: Storage) -> None:
    with pytest.raises(ConcurrencyConflict):
        async with storage.uow() as uow:
            await uow.outbox.add(VerifyCheckIn(order_id="WO-1"), message_id="x-1")
            await uow.outbox.add(VerifyCheckIn(order_id="WO-2"), message_id="x-1")
            await uow.commit()


async def test_due_timers_are_claimed_once_and_marked_fired(storage: Storage) -> None:
    now = storage.clock()
    async with storage.uow() as uow:
        due = await uow.timers.schedule(kind="k", due_at=now, message=VerifyCheckIn(order_id="A"))
        await uow.timers.schedule(
            kind="k", due_at=now + timedelta(hours=1), message=VerifyCheckIn(order_id="B")
        )
        await uow.commit()
    async with storage.uow() as uow:
        assert [t.id for t in await uow.timers.claim_due(10)] == [due]
        assert await uow.timers.claim_due(10) == []
        await uow.commit()
    async with storage.uow() as uow:
        fired = await uow.timers.get(due)
        assert (fired.status, fired.fired_at) == (TimerStatus.FIRED, now)
        assert fired.message == VerifyCheckIn(order_id="A")
        with pytest.raises(IllegalTransition, match="cannot move"):
            await uow.timers.move(due, now)


async def test_pending_timers_of_a_kind_are_cancelled_together(storage: Storage) -> None:
    now = storage.clock()
    async with storage.uow() as uow:
        for order_id in ("A", "A", "B"):
            await uow.timers.schedule(
                kind="k", order_id=order_id, due_at=now, message=VerifyCheckIn(order_id=order_id)
            )
        assert await uow.timers.cancel_pending("k", order_id="A") == 2
        assert await uow.timers.cancel_pending("k", order_id="A") == 0
        statuses = sorted(t.status for t in await uow.timers.list())
    assert statuses == [TimerStatus.CANCELLED, TimerStatus.CANCELLED, TimerStatus.PENDING]


async def test_one_cancel_takes_several_kinds_of_one_order_only(storage: Storage) -> None:
    now = storage.clock()
    async with storage.uow() as uow:
        for kind, order_id in (("a", "A"), ("b", "A"), ("c", "A"), ("a", "B")):
            await uow.timers.schedule(
                kind=kind, order_id=order_id, due_at=now, message=VerifyCheckIn(order_id=order_id)
            )
        assert await uow.timers.cancel_pending("a", "b", order_id="A") == 2
        pending = {(t.kind, t.order_id) for t in await uow.timers.list(status=TimerStatus.PENDING)}
    assert pending == {("c", "A"), ("a", "B")}


@pytest.mark.parametrize("table", ["emails", "billing"])
async def test_an_effect_is_leased_to_one_attempt_at_a_time(storage: Storage, table: str) -> None:
    by_table: dict[str, dict[str, object]] = {
        "emails": {
            "order_id": "WO-1",
            "recipient": "a@example.com",
            "provider": "log",
            "possible_duplicate": False,
        },
        "billing": {"idempotency_key": "billing:WO-1"},
    }
    values = by_table[table]
    async with storage.uow() as uow:
        await getattr(uow, table).start_attempt("WO-1", seen=None, lease=LEASE, **values)
        await uow.commit()
    async with storage.uow() as uow:  # a first attempt that lost the race
        with pytest.raises(ConcurrencyConflict):
            await getattr(uow, table).start_attempt("WO-1", seen=None, lease=LEASE, **values)
    async with storage.uow() as uow:  # one that saw the row while its lease is held
        records = getattr(uow, table)
        seen = await records.find("WO-1")
        with pytest.raises(ConcurrencyConflict):
            await records.start_attempt("WO-1", seen=seen, lease=LEASE, **values)
    storage.clock.advance(LEASE)
    async with storage.uow() as uow:
        records = getattr(uow, table)
        seen = await records.find("WO-1")
        await records.start_attempt("WO-1", seen=seen, lease=LEASE, **values)
        await records.mark_done("WO-1", "REF-1")
        done = await records.find("WO-1")
        assert (done.state, done.attempts, done.result) == (EffectState.DONE, 2, "REF-1")
        assert done.lease_until is None
        with pytest.raises(ConcurrencyConflict):  # what it saw was pending; it is done now
            await records.start_attempt("WO-1", seen=seen, lease=LEASE, **values)


async def test_a_billing_key_belongs_to_one_order(storage: Storage) -> None:
    with pytest.raises(ConcurrencyConflict):
        async with storage.uow() as uow:
            await uow.billing.start_attempt(
                "WO-1", seen=None, lease=LEASE, idempotency_key="billing:X"
            )
            await uow.billing.start_attempt(
                "WO-2", seen=None, lease=LEASE, idempotency_key="billing:X"
            )
            await uow.commit()


async def test_sms_delivery_statuses_only_move_forward(storage: Storage) -> None:
    cmd = SendSms(sms_id="sms-00001", to="+8613800138000", body="hi", purpose="t")
    async with storage.uow() as uow:
        await uow.sms.start_attempt(cmd.sms_id, seen=None, lease=LEASE, command=cmd, provider="log")
        await uow.sms.mark_done(cmd.sms_id, "P-1")
        assert await uow.sms.record_delivery_status("P-1", "sent") is True
        assert await uow.sms.record_delivery_status("P-1", "queued") is False
        assert await uow.sms.record_delivery_status("P-9", "delivered", sms_id="sms-00001")
        assert await uow.sms.record_delivery_status("P-1", "nonsense") is False
        assert await uow.sms.record_delivery_status("P-1", "delivered") is False


async def test_one_resource_change_per_order_is_in_flight(storage: Storage) -> None:
    order, now = dispatched("WO-1"), storage.clock()
    first = start(swap("WO-1"), order, now=now)
    async with storage.uow() as uow:
        await uow.changes.add(first)
        await uow.commit()
    with pytest.raises(ConcurrencyConflict):
        async with storage.uow() as uow:
            await uow.changes.add(start(box_change("WO-1"), order, now=now))
    async with storage.uow() as uow:
        finished = replace(first, state=ChangeState.REFUSED, version=2, finished_at=now)
        await uow.changes.save(finished, expected_version=1)
        await uow.changes.add(start(box_change("WO-1"), order, now=now))
        assert (await uow.changes.active_for("WO-1")).change_id == "box-00001"  # type: ignore[union-attr]


async def test_a_report_version_is_stored_once(storage: Storage) -> None:
    row = ReportRecord("WO-1", 1, "d", "a" * 64, "zh", {"x": 1}, 10, storage.clock())
    async with storage.uow() as uow:
        assert await uow.reports.add(row) is True
        assert await uow.reports.add(replace(row, sha256="b" * 64)) is False
        assert await uow.reports.latest_version("WO-1") == 1
        assert (await uow.reports.latest("WO-1")).sha256 == "a" * 64  # type: ignore[union-attr]


async def test_an_exception_report_is_resolved_once(storage: Storage) -> None:
    order, now = dispatched("WO-1"), storage.clock()
    cmd = exception("WO-1")
    opened, noted, _ = report(order, cmd, responsible=cmd.responsible, now=now)  # type: ignore[arg-type]
    fix = ResolveException(report_id=opened.report_id, resolved_by="李娜", resolution="好了")
    resolved, _, _ = resolve(opened, noted, fix, now=now)
    async with storage.uow() as uow:
        await uow.exceptions.add(opened)
        await uow.exceptions.save_resolution(resolved)
        assert (await uow.exceptions.get(opened.report_id)).state is ReportState.RESOLVED
        with pytest.raises(ConcurrencyConflict):
            await uow.exceptions.save_resolution(resolved)


async def test_an_sms_is_leased_and_a_failed_one_is_final(storage: Storage) -> None:
    cmd = SendSms(sms_id="sms-00001", to="+8613800138000", body="hi", purpose="t")
    values = {"command": cmd, "provider": "log"}
    async with storage.uow() as uow:
        await uow.sms.start_attempt(cmd.sms_id, seen=None, lease=LEASE, **values)
        await uow.commit()
    async with storage.uow() as uow:  # a first attempt that lost the race
        with pytest.raises(ConcurrencyConflict):
            await uow.sms.start_attempt(cmd.sms_id, seen=None, lease=LEASE, **values)
    async with storage.uow() as uow:
        seen = await uow.sms.find(cmd.sms_id)
        with pytest.raises(ConcurrencyConflict):  # its lease is held
            await uow.sms.start_attempt(cmd.sms_id, seen=seen, lease=LEASE, **values)
        await uow.sms.release_lease(cmd.sms_id)
        await uow.sms.start_attempt(cmd.sms_id, seen=seen, lease=LEASE, **values)
        await uow.sms.mark_failed(cmd.sms_id, "PermanentAdapterError")
        failed = await uow.sms.find(cmd.sms_id)
        assert failed is not None and (failed.state, failed.attempts) == (EffectState.FAILED, 2)
        with pytest.raises(ConcurrencyConflict):
            await uow.sms.start_attempt(cmd.sms_id, seen=failed, lease=LEASE, **values)


async def test_orders_are_listed_per_technician_and_counted_per_status(storage: Storage) -> None:
    async with storage.uow() as uow:
        later = dispatched("WO-1")
        assert later.appointment_start is not None
        earlier = replace(
            dispatched("WO-2"), appointment_start=later.appointment_start - timedelta(hours=1)
        )
        for order in (later, earlier):
            await uow.orders.add(order, now=uow.now)
        created, _ = work_order.create(factories.create_order("WO-3"), now=uow.now)
        await uow.orders.add(created, now=uow.now)
        mine = await uow.orders.list_for_technician("T001", statuses={Status.DISPATCHED})
        assert [o.order_id for o in mine] == ["WO-2", "WO-1"]  # by appointment start
        assert await uow.orders.count_by_status() == {"dispatched": 2, "created": 1}


async def test_the_daily_sms_limit_refuses_the_next_text_and_counts_nothing_for_it(
    storage: Storage,
) -> None:
    phone = "+8613800138000"
    async with storage.uow() as uow:
        taken = [await uow.sms_quota.take(order_id=f"WO-{n}", phone=phone) for n in range(20)]
        assert taken == [None] * 20
        assert await uow.sms_quota.take(order_id="WO-99", phone=phone) == "phone"
        assert await uow.sms_quota.take(order_id="WO-99", phone="+8613900139000") is None
        await uow.commit()


async def test_the_exception_directory_keeps_one_entry_per_type_and_district(
    storage: Storage,
) -> None:
    party = ResponsibleParty(role=ResponsibleRole.DISPATCHER, name="调度", phone="+8613900001000")
    entry = DirectoryEntry("access_denied", "黄浦区", party, "sup-1", storage.clock())
    async with storage.uow() as uow:
        await uow.directory.put(entry)
        await uow.directory.put(replace(entry, updated_by="sup-2"))
        assert [e.updated_by for e in await uow.directory.entries()] == ["sup-2"]
        assert await uow.directory.remove("access_denied", "黄浦区") is True
        assert await uow.directory.remove("access_denied", "黄浦区") is False
        await uow.commit()
