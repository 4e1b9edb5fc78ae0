"""Work orders through the command table: create, dispatch, check in, complete, archive."""

from __future__ import annotations

from datetime import timedelta

import pytest

from hub.domain.work_order import Status
from hub.errors import IllegalTransition
from hub.handlers.timer_kinds import CHECK_IN_DEADLINE
from hub.ports import TimerStatus
from schemas.v1 import (
    CheckInOverdue,
    FlowLogEntry,
    SendSms,
    VerifyCheckIn,
    WorkOrderCreated,
    WorkOrderDispatched,
)
from tests import factories
from tests.handlers.harness import FakeHub


async def test_a_new_order_is_stored_and_its_creation_published(hub: FakeHub) -> None:
    await hub.created("WO-1")
    assert hub.tables.orders["WO-1"].status is Status.CREATED
    assert hub.tables.published_types() == ["WorkOrderCreated", "FlowLogEntry"]


async def test_dispatch_texts_the_technician_and_sets_the_check_in_deadline(hub: FakeHub) -> None:
    await hub.created("WO-1")
    dispatch = hub.dispatch("WO-1")
    await hub.run(dispatch)
    [notice] = hub.tables.published(SendSms)
    assert notice.purpose == "dispatch_notice"
    assert notice.to == factories.technician().phone
    [deadline] = [t for t in hub.tables.timers.values() if t.kind == CHECK_IN_DEADLINE]
    assert deadline.due_at == dispatch.appointment_end
    await hub.deliver(SendSms)
    assert [s.sms_id for s in hub.sms.to(factories.technician().phone)] == [notice.sms_id]


async def test_check_in_cancels_the_deadline(hub: FakeHub) -> None:
    await hub.checked_in("WO-1")
    assert hub.tables.orders["WO-1"].status is Status.CHECKED_IN
    statuses = {t.kind: t.status for t in hub.tables.timers.values()}
    assert statuses[CHECK_IN_DEADLINE] is TimerStatus.CANCELLED
    assert set(statuses.values()) == {TimerStatus.CANCELLED}  # nothing fires after arrival


async def test_a_missed_appointment_is_flagged_when_its_deadline_fires(hub: FakeHub) -> None:
    await hub.dispatched("WO-1")
    assert await hub.fire_timers() == 0  # not due yet
    hub.clock.advance(timedelta(hours=4, minutes=1))
    assert await hub.fire_timers() == 2  # the check-in deadline, and the acceptance deadline
    assert hub.tables.published(VerifyCheckIn) == [VerifyCheckIn(order_id="WO-1")]
    await hub.deliver(VerifyCheckIn)
    [overdue] = hub.tables.published(CheckInOverdue)
    assert overdue.technician_id == "T001"


async def test_the_lifecycle_writes_one_numbered_flow_log_line_per_step(hub: FakeHub) -> None:
    await hub.checked_in("WO-1")
    await hub.run(factories.complete("WO-1"))
    await hub.run(factories.archive("WO-1"))
    assert hub.tables.orders["WO-1"].status is Status.ARCHIVED
    lines = [e for e in hub.tables.published(FlowLogEntry) if e.order_id == "WO-1"]
    assert [e.seq for e in lines] == [1, 2, 3, 4, 5]
    await hub.deliver()
    assert hub.support.orders["WO-1"] == "archived"
    assert sorted(e.seq for e in hub.support.flow_log.values()) == [1, 2, 3, 4, 5]


async def test_a_message_delivered_twice_has_one_effect(hub: FakeHub) -> None:
    await hub.created("WO-1")
    assert await hub.run(hub.dispatch("WO-1"), message_id="m-1") is True
    published = list(hub.tables.outbox)
    assert await hub.run(hub.dispatch("WO-1"), message_id="m-1") is False
    assert hub.tables.outbox == published
    assert hub.tables.orders["WO-1"].version == 2
    assert hub.metrics.duplicates_suppressed.labels("workorder.dispatch")._value.get() == 1


async def test_the_same_create_under_a_new_id_is_accepted_without_effect(hub: FakeHub) -> None:
    cmd = await hub.created("WO-1")
    assert await hub.run(cmd) is True
    assert len(hub.tables.published(WorkOrderCreated)) == 1
    assert hub.tables.orders["WO-1"].version == 1
    changed = cmd.model_copy(update={"bandwidth_mbps": cmd.bandwidth_mbps + 1})
    with pytest.raises(IllegalTransition, match="already exists with different data"):
        await hub.run(changed)


async def test_an_illegal_step_is_refused_and_leaves_nothing_behind(hub: FakeHub) -> None:
    await hub.created("WO-1")
    before = (dict(hub.tables.orders), list(hub.tables.outbox), dict(hub.tables.inbox))
    with pytest.raises(IllegalTransition, match="cannot complete order WO-1"):
        await hub.run(factories.complete("WO-1"), message_id="m-2")
    assert (hub.tables.orders, hub.tables.outbox, hub.tables.inbox) == before
    # Not even its inbox row stayed: a fixed redelivery would run it.


async def test_a_lost_optimistic_race_is_retried_and_applied_once(hub: FakeHub) -> None:
    await hub.created("WO-1")
    hub.uow.conflict_next_commits = 2
    assert await hub.run(hub.dispatch("WO-1")) is True
    assert hub.tables.orders["WO-1"].status is Status.DISPATCHED
    assert len(hub.tables.published(WorkOrderDispatched)) == 1
    assert len(hub.tables.published(SendSms)) == 1
