"""The customer's visit link (预约确认链接): texted with each booked window, it opens a page where
the customer confirms the window or asks for another, and follows the order in plain words.

A link is a bearer secret like a signing link: the token (256 bits) is texted once and only its
SHA-256 is stored; a newer window revokes the older links; a link lasts until some days after its
window. Looking at the page changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

LINK_LIFETIME_AFTER_WINDOW = timedelta(days=14)
"""How long after its window a link still shows the order's progress."""


@dataclass(frozen=True, slots=True)
class VisitLink:
    """One link texted for one window (order version) of an order."""

    link_id: str
    order_id: str
    window_version: int
    to_masked: str
    created_at: datetime
    expires_at: datetime
    revoked: bool = False

    def open_at(self, now: datetime) -> bool:
        return not self.revoked and now < self.expires_at


class Progress(StrEnum):
    """An order's steps as the customer reads them, in order."""

    BOOKED = "booked"  # 已预约
    ACCEPTED = "accepted"  # 装维人员已接单
    CONFIRMED = "confirmed"  # 上门时间已确认
    ON_THE_WAY = "on_the_way"  # 装维人员已出发
    ARRIVED = "arrived"  # 装维人员已到达
    TESTING = "testing"  # 线路测试中
    REPORT_READY = "report_ready"  # 交付报告待您签署
    SIGNED = "signed"  # 已签署，业务开通


@dataclass(frozen=True, slots=True)
class VisitFacts:
    """What the hub knows of an order, as far as the customer's page needs it."""

    accepted: bool
    confirmed: bool
    on_the_way: bool
    arrived: bool
    tested: bool
    report_ready: bool
    signed: bool


def progress(facts: VisitFacts) -> list[tuple[Progress, bool]]:
    """Every step with whether it is reached; a later step reached implies the earlier ones."""
    reached = [
        True,
        facts.accepted,
        facts.confirmed,
        facts.on_the_way,
        facts.arrived,
        facts.tested,
        facts.report_ready,
        facts.signed,
    ]
    last = max(i for i, done in enumerate(reached) if done)
    return [(step, i <= last) for i, step in enumerate(Progress)]
