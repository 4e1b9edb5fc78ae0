"""Transient failures retry with delays; durable timers fire through the outbox."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from adapters.support.embedded import EmbeddedWorkOrderSystem
from hub.bootstrap import Hub
from hub.db.timers import TimerStatus
from hub.handlers.timer_kinds import ACCEPTANCE_DEADLINE, CHECK_IN_DEADLINE
from schemas.v1 import VerifyCheckIn
from tests import factories
from tests.fakes.standin_oracles import SupportRecords
from tests.helpers import eventually, publish
from tests.services import list_queues

pytestmark = pytest.mark.integration


async def _mirrored_lines(hub: Hub, order_id: str) -> int:
    return await SupportRecords.of(hub.work_order_system).flow_log_lines(order_id)


async def test_support_outage_is_retried_with_delays_and_nothing_is_lost(hub: Hub) -> None:
    support = hub.work_order_system
    assert isinstance(support, EmbeddedWorkOrderSystem)
    support.unavailable = True
    await publish(hub, factories.create_order("WO-RETRY"))

    async def retries_happened() -> bool:
        scheduled = hub.metrics.retries_scheduled.labels("support.flow_log")._value.get()
        return bool(scheduled >= 2)

    await eventually(retries_happened, timeout=10)
    assert await _mirrored_lines(hub, "WO-RETRY") == 0
    support.unavailable = False

    async def mirrored() -> bool:
        return await _mirrored_lines(hub, "WO-RETRY") == 1

    await eventually(mirrored, timeout=10)
    parked = hub.metrics.messages_parked.labels("support.flow_log", "TransientAdapterError")
    assert parked._value.get() == 0
    # One retry reached the system once: a retry must not fan out into several copies.
    calls = await SupportRecords.of(support).calls("append_flow_log")
    assert calls == [("append_flow_log", "flow-log:WO-RETRY:1")]


async def test_an_outage_longer_than_the_retry_budget_parks_the_message(
    hub: Hub, vhost: str
) -> None:
    support = hub.work_order_system
    assert isinstance(support, EmbeddedWorkOrderSystem)
    support.unavailable = True
    await publish(hub, factories.create_order("WO-PARK"))
    parking = hub.topology.parking_queue("support.flow_log").name

    def parked_count() -> int:
        return list_queues(vhost).get(parking, (0, 0, 0))[0]

    async def parked() -> bool:
        return parked_count() == 1

    # 4 attempts with delays 0.2 s, 0.4 s, 0.8 s in the test settings.
    await eventually(parked, timeout=15, interval=0.3)
    calls = await SupportRecords.of(support).calls()
    assert calls == [], "an unavailable system must not record effects"


async def test_a_missed_appointment_is_flagged_by_its_durable_timer(hub: Hub) -> None:
    await publish(hub, factories.create_order("WO-LATE"))
    # The window ended an hour ago: the check-in deadline timer is due at once.
    await publish(hub, factories.dispatch("WO-LATE", hours=1, starts_in_hours=-2))

    async def overdue_logged() -> bool:
        async with hub.uow() as uow:
            steps = [e.step for e in await uow.flow_log.list("WO-LATE")]
        return steps == ["created", "dispatched", "check_in_overdue"]

    await eventually(overdue_logged, timeout=10)
    async with hub.uow() as uow:
        timers = {t.kind: t for t in await uow.timers.list()}
    assert set(timers) == {CHECK_IN_DEADLINE, ACCEPTANCE_DEADLINE}  # 接单 is due in 30 min
    timer = timers[CHECK_IN_DEADLINE]
    assert timer.status is TimerStatus.FIRED
    assert timer.message == VerifyCheckIn(order_id="WO-LATE")
    assert timers[ACCEPTANCE_DEADLINE].status is TimerStatus.PENDING


async def test_a_timer_moved_earlier_fires_at_its_new_time(hub: Hub) -> None:
    async with hub.uow() as uow:
        timer_id = await uow.timers.schedule(
            kind="test",
            due_at=datetime.now(UTC) + timedelta(days=1),
            message=VerifyCheckIn(order_id="WO-MOVED"),
        )
        await uow.commit()
    assert await hub.scheduler.fire_due() == 0
    async with hub.uow() as uow:
        await uow.timers.move(timer_id, datetime.now(UTC) - timedelta(seconds=1))
        await uow.commit()

    async def fired() -> bool:
        async with hub.uow() as uow:
            return (await uow.timers.get(timer_id)).status is TimerStatus.FIRED

    await eventually(fired, timeout=5)


async def test_a_cancelled_timer_never_fires(hub: Hub) -> None:
    async with hub.uow() as uow:
        timer_id = await uow.timers.schedule(
            kind="test",
            due_at=datetime.now(UTC) + timedelta(seconds=1),
            message=VerifyCheckIn(order_id="WO-NOPE"),
        )
        await uow.timers.cancel(timer_id)
        await uow.commit()
    assert await hub.scheduler.fire_due() == 0
    async with hub.uow() as uow:
        assert (await uow.timers.get(timer_id)).status is TimerStatus.CANCELLED
