"""The test-result consumers with the in-memory broker: a result is judged, stored, announced."""

from __future__ import annotations

from hub.bootstrap import Hub
from hub.handlers.timer_kinds import REPORT_RENDER
from schemas.v1 import PingMeasurement
from tests import delivery_factories as df
from tests import factories
from tests.consumers.memory_reads import outbox_bodies, parked
from tests.delivery_support import checked_in
from tests.helpers import publish

LOSSY_PING = PingMeasurement(**{**df.GOOD_PING.model_dump(), "received": 90, "loss_pct": 10.0})


async def test_a_ping_result_is_stored_judged_and_announced(memory_hub: Hub) -> None:
    await checked_in(memory_hub, "WO-T1")
    cmd = df.ping("WO-T1", test_id="p-good-1")

    await publish(memory_hub, cmd)

    async with memory_hub.uow.read() as uow:
        [stored] = await uow.results.list("WO-T1")
        timers = await uow.timers.list()
    assert (stored.test_id, stored.kind, stored.verdict.passed) == ("p-good-1", "ping", True)
    assert stored.measurement == cmd.ping
    [announced] = await outbox_bodies(memory_hub, "PingResultRecorded.v1")
    assert (announced["test_id"], announced["verdict"]["passed"]) == ("p-good-1", True)
    # A new result asks for the next report version (debounced by a timer).
    assert [t.order_id for t in timers if t.kind == REPORT_RENDER] == ["WO-T1"]
    assert parked(memory_hub) == []


async def test_a_lossy_ping_is_stored_as_failed_naming_the_check(memory_hub: Hub) -> None:
    await checked_in(memory_hub, "WO-T2")

    await publish(memory_hub, df.ping("WO-T2", measurement=LOSSY_PING))

    async with memory_hub.uow.read() as uow:
        [stored] = await uow.results.list("WO-T2")
    assert (stored.verdict.passed, stored.verdict.failed_checks) == (False, ["loss_pct"])
    [announced] = await outbox_bodies(memory_hub, "PingResultRecorded.v1")
    assert announced["verdict"] == {"passed": False, "failed_checks": ["loss_pct"]}


async def test_a_slow_speed_test_is_stored_as_failed_and_announced(memory_hub: Hub) -> None:
    order = factories.create_order("WO-T3")
    await checked_in(memory_hub, "WO-T3", order)

    speed = df.speed("WO-T3", order.bandwidth_mbps, share=0.5, test_id="s-slow-1")
    await publish(memory_hub, speed)

    async with memory_hub.uow.read() as uow:
        [stored] = await uow.results.list("WO-T3")
    assert (stored.test_id, stored.kind, stored.verdict.passed) == ("s-slow-1", "speed", False)
    assert "down_mbps" in stored.verdict.failed_checks
    [announced] = await outbox_bodies(memory_hub, "SpeedTestRecorded.v1")
    assert (announced["test_id"], announced["verdict"]["passed"]) == ("s-slow-1", False)
