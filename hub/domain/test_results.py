"""Test results of a work order, pure: ping and speed tests judged against thresholds.

    checked_in ── record ping / speed test (any number, each judged) ──▶ checked_in

Like `hub.domain.work_order.decide`, `record_test` returns the new order and its event (each
event bumps the version by one) and raises a `DomainError` for an illegal step.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import datetime

from hub.domain.acceptance import judge_ping, judge_speed
from hub.domain.clock import DEFAULT_WINDOW, ClockWindow
from hub.domain.errors import IllegalTransition, NotAssigned
from hub.domain.work_order import Status, WorkOrder
from schemas.v1 import (
    PingResultRecorded,
    RecordPingResult,
    RecordSpeedTest,
    ResultKind,
    SpeedTestRecorded,
    Thresholds,
    Verdict,
    WorkOrderEvent,
)

Step = tuple[WorkOrder, list[WorkOrderEvent]]


def record_test(
    order: WorkOrder,
    cmd: RecordPingResult | RecordSpeedTest,
    *,
    now: datetime,
    limits: Thresholds,
    clock: ClockWindow = DEFAULT_WINDOW,
) -> Step:
    """Judge a test the assigned technician ran on site and record it on the order."""
    if order.status is not Status.CHECKED_IN:
        raise IllegalTransition(
            f"cannot record a test on order {order.order_id}: it is {order.status}, "
            "must be checked_in (tests are run on site, before the report is signed)"
        )
    if order.technician is None or order.technician.id != cmd.technician_id:
        raise NotAssigned(
            f"cannot record a test on order {order.order_id}: "
            f"not dispatched to technician {cmd.technician_id}"
        )
    clock.require_plausible(cmd.measured_at, now=now, what="the measurement time (measured_at)")
    new = replace(order, version=order.version + 1)
    common = {
        "order_id": order.order_id,
        "version": new.version,
        "occurred_at": now,
        "technician_id": cmd.technician_id,
        "test_id": cmd.test_id,
        "measured_at": cmd.measured_at,
        "thresholds": limits,
        "screenshots": cmd.screenshots,
    }
    event: WorkOrderEvent
    if isinstance(cmd, RecordPingResult):
        event = PingResultRecorded(**common, ping=cmd.ping, verdict=judge_ping(cmd.ping, limits))
    else:
        event = SpeedTestRecorded(**common, speed=cmd.speed, verdict=judge_speed(cmd.speed, limits))
    return new, [event]


def overall_passed(results: Iterable[tuple[ResultKind, Verdict]]) -> bool:
    """The order's tests pass together: the latest ping and the latest speed test both pass.

    `results` in the order they were recorded; a kind never run fails the whole.
    """
    latest = dict(results)
    return set(latest) == set(ResultKind) and all(v.passed for v in latest.values())
