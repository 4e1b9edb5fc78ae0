"""Delivery steps of the state machine: tests, the signed report, billing — no I/O."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from hub.domain import close_out, test_results, work_order
from hub.domain.acceptance import AcceptancePolicy
from hub.domain.flow_log import entry_for
from hub.domain.work_order import Status, decide
from hub.errors import IllegalTransition, NotAssigned, StaleReport
from schemas.v1 import (
    BillingStarted,
    PingResultRecorded,
    SignedReportAccepted,
    SpeedTestRecorded,
    WorkOrderCompleted,
)
from tests import delivery_factories as df
from tests import factories

NOW = datetime.now(UTC)  # the factories measure tests "now"; the hub refuses far-off times


@pytest.fixture(autouse=True)
def _now() -> None:
    """`NOW` is taken again for each test: a long test session must not age it."""
    global NOW  # noqa: PLW0603
    NOW = datetime.now(UTC)


SHA = "ab" * 32
LIMITS = AcceptancePolicy().thresholds_for("数据专线", 100)


def _checked_in(order_id: str = "WO-D1") -> work_order.WorkOrder:
    order, _ = work_order.create(factories.create_order(order_id), now=NOW)
    for cmd in (factories.dispatch(order_id), factories.check_in(order_id)):
        order, _ = decide(order, cmd, now=NOW, radius_m=500)
    return order


def _signed(order: work_order.WorkOrder, version: int = 1) -> work_order.WorkOrder:
    new, _ = close_out.accept_signed_report(
        order, df.report_signed(order.order_id, version, SHA), now=NOW, latest_version=version
    )
    return new


def _archived() -> work_order.WorkOrder:
    order = _signed(_checked_in())
    order, _ = decide(order, factories.archive(order.order_id), now=NOW, radius_m=500)
    return order


def test_a_test_on_site_is_judged_and_bumps_the_version() -> None:
    order = _checked_in()
    new, events = test_results.record_test(order, df.ping(order.order_id), now=NOW, limits=LIMITS)
    assert new.version == order.version + 1
    assert new.status is Status.CHECKED_IN
    assert isinstance(events[0], PingResultRecorded)
    assert events[0].verdict.passed
    assert entry_for(events[0], seq=new.version).step == "ping_test"


def test_a_slow_speed_test_is_recorded_as_failed() -> None:
    order = _checked_in()
    cmd = df.speed(order.order_id, 100, share=0.5)
    _, events = test_results.record_test(order, cmd, now=NOW, limits=LIMITS)
    assert isinstance(events[0], SpeedTestRecorded)
    assert events[0].verdict.failed_checks == ["down_mbps", "up_mbps"]
    assert "不合格" in entry_for(events[0], seq=5).summary


def test_tests_before_check_in_are_refused() -> None:
    order, _ = work_order.create(factories.create_order("WO-D2"), now=NOW)
    order, _ = decide(order, factories.dispatch("WO-D2"), now=NOW, radius_m=500)
    with pytest.raises(IllegalTransition, match="must be checked_in"):
        test_results.record_test(order, df.ping("WO-D2"), now=NOW, limits=LIMITS)


def test_tests_by_another_technician_are_refused() -> None:
    order = _checked_in()
    with pytest.raises(NotAssigned):
        test_results.record_test(order, df.ping(order.order_id, "T999"), now=NOW, limits=LIMITS)


def test_a_signed_latest_report_completes_an_order_on_site() -> None:
    order = _checked_in()
    signed = df.report_signed(order.order_id, 2, SHA)
    new, events = close_out.accept_signed_report(order, signed, now=NOW, latest_version=2)
    assert new.status is Status.COMPLETED
    assert new.signed_report is not None
    assert (new.signed_report.version, new.signed_report.sha256) == (2, SHA)
    assert [type(e) for e in events] == [SignedReportAccepted, WorkOrderCompleted]
    assert [e.version for e in events] == [order.version + 1, order.version + 2]
    assert new.version == order.version + 2


def test_a_signature_after_the_technician_completed_keeps_the_order_completed() -> None:
    order = _checked_in()
    order, _ = decide(order, factories.complete(order.order_id), now=NOW, radius_m=500)
    signed = df.report_signed(order.order_id, 1, SHA)
    new, events = close_out.accept_signed_report(order, signed, now=NOW, latest_version=1)
    assert new.status is Status.COMPLETED
    assert [type(e) for e in events] == [SignedReportAccepted]


def test_a_signature_of_an_older_version_is_refused() -> None:
    order = _checked_in()
    signed = df.report_signed(order.order_id, 1, SHA)
    with pytest.raises(StaleReport, match="only the latest version can be signed"):
        close_out.accept_signed_report(order, signed, now=NOW, latest_version=2)


def test_the_same_signature_twice_changes_nothing_and_another_is_refused() -> None:
    order = _signed(_checked_in())
    again, events = close_out.accept_signed_report(
        order, df.report_signed(order.order_id, 1, SHA), now=NOW, latest_version=1
    )
    assert (again, events) == (order, [])
    with pytest.raises(IllegalTransition, match="already holds signed report v1"):
        close_out.accept_signed_report(
            order, df.report_signed(order.order_id, 1, "cd" * 32), now=NOW, latest_version=1
        )


def test_a_signature_before_check_in_is_refused() -> None:
    order, _ = work_order.create(factories.create_order("WO-D3"), now=NOW)
    with pytest.raises(IllegalTransition, match="must be checked_in or completed"):
        close_out.accept_signed_report(
            order, df.report_signed("WO-D3", 1, SHA), now=NOW, latest_version=1
        )


def test_billing_needs_an_archived_order_with_a_signed_report() -> None:
    assert "not archived" in str(close_out.billing_refusal(_signed(_checked_in())))
    unsigned = _checked_in()
    unsigned, _ = decide(unsigned, factories.complete(unsigned.order_id), now=NOW, radius_m=500)
    unsigned, _ = decide(unsigned, factories.archive(unsigned.order_id), now=NOW, radius_m=500)
    assert "no signed delivery report" in str(close_out.billing_refusal(unsigned))
    assert close_out.billing_refusal(_archived()) is None


def test_billing_starts_once_and_a_repeat_changes_nothing() -> None:
    order = _archived()
    new, events = close_out.record_billing_started(order, "BIL-1", now=NOW)
    assert new.billing_reference == "BIL-1"
    assert [type(e) for e in events] == [BillingStarted]
    assert entry_for(events[0], seq=new.version).summary == "起租"
    assert close_out.record_billing_started(new, "BIL-1", now=NOW) == (new, [])
    with pytest.raises(IllegalTransition, match="already bills under BIL-1"):
        close_out.record_billing_started(new, "BIL-2", now=NOW)


def test_billing_an_unsigned_order_is_refused() -> None:
    order = replace(_archived(), signed_report=None)
    with pytest.raises(IllegalTransition, match="no signed delivery report"):
        close_out.record_billing_started(order, "BIL-1", now=NOW)
