"""Acceptance of on-site tests: which thresholds apply to an order, and whether a test met them.

Thresholds scale with the ordered bandwidth (e.g. download >= 90 % of it) and can be set per
product; the values that applied are stored with each result and printed on the report.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from schemas.v1 import PingMeasurement, SpeedMeasurement, Thresholds, Verdict


@dataclass(frozen=True, slots=True)
class AcceptanceRule:
    """Limits for one product; speeds are fractions of the ordered bandwidth."""

    down_ratio: float = 0.9
    up_ratio: float = 0.9
    max_loss_pct: float = 1.0
    max_rtt_avg_ms: float = 50.0
    max_jitter_ms: float = 30.0


@dataclass(frozen=True, slots=True)
class AcceptancePolicy:
    """The default rule and per-product overrides (product name as written on the order)."""

    default: AcceptanceRule = AcceptanceRule()
    by_product: Mapping[str, AcceptanceRule] = field(default_factory=dict)

    def thresholds_for(self, product: str, bandwidth_mbps: int) -> Thresholds:
        """The concrete thresholds for an order of `product` at `bandwidth_mbps`."""
        rule = self.by_product.get(product, self.default)
        return Thresholds(
            min_down_mbps=round(rule.down_ratio * bandwidth_mbps, 2),
            min_up_mbps=round(rule.up_ratio * bandwidth_mbps, 2),
            max_jitter_ms=rule.max_jitter_ms,
            max_loss_pct=rule.max_loss_pct,
            max_rtt_avg_ms=rule.max_rtt_avg_ms,
        )


def judge_ping(ping: PingMeasurement, limits: Thresholds) -> Verdict:
    """A ping passes with replies, loss within the limit and an average round trip within it."""
    failed = []
    if ping.received == 0:
        failed.append("received")
    if ping.loss_pct > limits.max_loss_pct:
        failed.append("loss_pct")
    if ping.rtt_avg_ms is not None and ping.rtt_avg_ms > limits.max_rtt_avg_ms:
        failed.append("rtt_avg_ms")
    return Verdict(passed=not failed, failed_checks=failed)


def judge_speed(speed: SpeedMeasurement, limits: Thresholds) -> Verdict:
    """A speed test passes when both directions reach their minimum and jitter stays low."""
    failed = []
    if speed.down_mbps < limits.min_down_mbps:
        failed.append("down_mbps")
    if speed.up_mbps < limits.min_up_mbps:
        failed.append("up_mbps")
    if speed.jitter_ms > limits.max_jitter_ms:
        failed.append("jitter_ms")
    return Verdict(passed=not failed, failed_checks=failed)
