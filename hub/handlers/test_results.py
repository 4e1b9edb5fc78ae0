"""Test results from the field app: ping and speed tests judged and stored on the order.

`record_test_result` runs in the message processor (inbox + state + outbox, one transaction),
whether the test came over AMQP or HTTP (`hub.handlers.table`). The screenshots a result
references are uploaded before it (`ScreenshotUploads`), content-addressed.
"""

from __future__ import annotations

from hub.domain import test_results
from hub.domain.acceptance import AcceptancePolicy
from hub.domain.clock import DEFAULT_WINDOW, ClockWindow
from hub.errors import IllegalTransition, InvalidMessage
from hub.handlers.reactions import record_events
from hub.ports import UnitOfWork
from schemas.v1 import PingResultRecorded, RecordPingResult, RecordSpeedTest, SpeedTestRecorded


async def record_test_result(
    cmd: RecordPingResult | RecordSpeedTest,
    uow: UnitOfWork,
    *,
    policy: AcceptancePolicy,
    clock: ClockWindow = DEFAULT_WINDOW,
    most: int = 50,
) -> None:
    """Judge and store a ping or speed test; the same test id sent again changes nothing."""
    existing = await uow.results.find(cmd.order_id, cmd.test_id)
    if existing is not None:
        if existing.measured_at == cmd.measured_at and existing.technician_id == cmd.technician_id:
            return
        raise IllegalTransition(f"test id {cmd.test_id} is already used on order {cmd.order_id}")
    await _require_uploaded(uow, cmd)
    if len(await uow.results.list(cmd.order_id)) >= most:
        raise IllegalTransition(f"order {cmd.order_id} already has {most} test results")
    order = await uow.orders.get(cmd.order_id)
    limits = policy.thresholds_for(order.details.product, order.details.bandwidth_mbps)
    new, events = test_results.record_test(order, cmd, now=uow.now, limits=limits, clock=clock)
    await uow.orders.save(new, expected_version=order.version, now=uow.now)
    for event in events:
        assert isinstance(event, PingResultRecorded | SpeedTestRecorded)
        await uow.results.add(event, note=cmd.note)
    await record_events(uow, events)


async def _require_uploaded(uow: UnitOfWork, cmd: RecordPingResult | RecordSpeedTest) -> None:
    if not cmd.screenshots:
        return
    uploaded = {s.sha256 for s in await uow.screenshots.list(cmd.order_id)}
    for index, sha256 in enumerate(cmd.screenshots):
        if sha256 not in uploaded:
            raise InvalidMessage(
                f"screenshots.{index}: no screenshot {sha256[:12]}… was uploaded for this order"
            )
