"""Test results: what the contracts accept, and how thresholds judge a test."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from hub.domain.acceptance import AcceptancePolicy, AcceptanceRule, judge_ping, judge_speed
from schemas.v1 import PingMeasurement, SpeedMeasurement
from tests.delivery_factories import GOOD_PING

POLICY = AcceptancePolicy(
    default=AcceptanceRule(),
    by_product={"互联网专线": AcceptanceRule(up_ratio=0.5, max_rtt_avg_ms=80)},
)


def _ping(**changes: object) -> PingMeasurement:
    return PingMeasurement.model_validate({**GOOD_PING.model_dump(), **changes})


def _field_of(exc: pytest.ExceptionInfo[ValidationError]) -> list[str]:
    return [".".join(str(p) for p in e["loc"]) for e in exc.value.errors()]


@pytest.mark.parametrize("loss", [-0.1, 100.1])
def test_loss_outside_0_to_100_percent_is_refused(loss: float) -> None:
    with pytest.raises(ValidationError) as exc:
        _ping(loss_pct=loss)
    assert _field_of(exc) == ["loss_pct"]


def test_negative_round_trip_time_is_refused() -> None:
    with pytest.raises(ValidationError) as exc:
        _ping(rtt_min_ms=-1.0)
    assert _field_of(exc) == ["rtt_min_ms"]


def test_round_trip_times_must_be_ordered() -> None:
    with pytest.raises(ValidationError, match="min <= avg <= max"):
        _ping(rtt_min_ms=5.0, rtt_avg_ms=4.0, rtt_max_ms=9.0)


def test_more_replies_than_requests_are_refused() -> None:
    with pytest.raises(ValidationError, match="received cannot exceed sent"):
        _ping(sent=10, received=11)


def test_replies_without_round_trip_times_are_refused() -> None:
    with pytest.raises(ValidationError, match="required with replies"):
        _ping(rtt_avg_ms=None)


def test_a_ping_with_no_replies_needs_no_times_and_fails() -> None:
    ping = _ping(received=0, loss_pct=100, rtt_min_ms=None, rtt_avg_ms=None, rtt_max_ms=None)
    verdict = judge_ping(ping, POLICY.thresholds_for("数据专线", 100))
    assert not verdict.passed
    assert verdict.failed_checks == ["received", "loss_pct"]


@pytest.mark.parametrize("field", ["down_mbps", "up_mbps", "jitter_ms"])
def test_negative_speed_values_are_refused(field: str) -> None:
    values = {"down_mbps": 90.0, "up_mbps": 90.0, "jitter_ms": 1.0, field: -1.0}
    with pytest.raises(ValidationError) as exc:
        SpeedMeasurement.model_validate(values)
    assert _field_of(exc) == [field]


def test_thresholds_scale_with_the_ordered_bandwidth() -> None:
    limits = POLICY.thresholds_for("数据专线", 500)
    assert (limits.min_down_mbps, limits.min_up_mbps) == (450.0, 450.0)
    assert (limits.max_loss_pct, limits.max_rtt_avg_ms) == (1.0, 50.0)


def test_a_product_can_have_its_own_rule() -> None:
    limits = POLICY.thresholds_for("互联网专线", 1000)
    assert (limits.min_down_mbps, limits.min_up_mbps, limits.max_rtt_avg_ms) == (900, 500, 80)


def test_speed_at_ninety_percent_passes_and_just_below_fails() -> None:
    limits = POLICY.thresholds_for("数据专线", 100)
    at = SpeedMeasurement(down_mbps=90, up_mbps=90, jitter_ms=2)
    below = SpeedMeasurement(down_mbps=89.9, up_mbps=95, jitter_ms=31)
    assert judge_speed(at, limits).passed
    assert judge_speed(below, limits).failed_checks == ["down_mbps", "jitter_ms"]


def test_loss_above_one_percent_or_slow_round_trips_fail_a_ping() -> None:
    limits = POLICY.thresholds_for("数据专线", 100)
    assert judge_ping(_ping(loss_pct=1.0, received=99), limits).passed
    verdict = judge_ping(_ping(loss_pct=2.0, received=98, rtt_avg_ms=60, rtt_max_ms=70), limits)
    assert verdict.failed_checks == ["loss_pct", "rtt_avg_ms"]
