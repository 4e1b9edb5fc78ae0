"""Ground truth of generated calls: spoken windows, bookings that match or not, and labels.

Shared by both phrase banks; holds no wording. The window conventions here are the documented
ones (docs/call-compliance.md): 上午 09-12, 下午 13-18, 中午 11:30-13:30, 晚上 18-22, a clock
time is a one-hour window, a day alone is the whole day. Bookings are made clearly inside or
clearly outside the agreed window, so a label never depends on a fine point of convention.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

ZONE = ZoneInfo("Asia/Shanghai")
PERIODS = {
    "上午": (time(9), time(12)),
    "中午": (time(11, 30), time(13, 30)),
    "下午": (time(13), time(18)),
    "晚上": (time(18), time(22)),
}


@dataclass(frozen=True)
class When:
    """A window as a person would say it: a day and a period, a clock time or a range."""

    day: date
    kind: str  # "day" | "period" | "point" | "range"
    period: str | None = None
    start: time | None = None
    end: time | None = None

    def window(self) -> tuple[datetime, datetime]:
        """The window this expression stands for."""
        at = datetime.combine(self.day, time(0), ZONE)
        if self.kind == "day":
            return at, at + timedelta(days=1)
        if self.kind == "period":
            lo, hi = PERIODS[self.period or "上午"]
            return datetime.combine(self.day, lo, ZONE), datetime.combine(self.day, hi, ZONE)
        assert self.start is not None
        start = datetime.combine(self.day, self.start, ZONE)
        if self.kind == "range":
            assert self.end is not None
            return start, datetime.combine(self.day, self.end, ZONE)
        return start, start + timedelta(hours=1)


def overlaps(a: tuple[datetime, datetime], b: tuple[datetime, datetime]) -> bool:
    """Whether two windows share any time."""
    return a[0] < b[1] and b[0] < a[1]


def random_when(
    rng: random.Random, today: date, *, not_day: date | None = None, same_day: bool = True
) -> When:
    """A plausible install window 0-12 days ahead (mostly 1-7)."""
    days = [0, 1, 2, 3, 4, 5, 6, 7, 8, 10, 12]
    weights = [3 if same_day else 0, 22, 18, 12, 10, 8, 8, 7, 5, 4, 4]
    while True:
        ahead = rng.choices(days, weights=weights)[0]
        day = today + timedelta(days=ahead)
        if day != not_day:
            break
    kind = rng.choices(["period", "point", "range", "day"], weights=[35, 35, 25, 5])[0]
    if ahead == 0:
        kind = rng.choice(["point", "period"])
        period = "下午" if kind == "period" else None
        return When(
            day,
            kind,
            period=period,
            start=time(rng.choice([15, 16, 17])) if kind == "point" else None,
        )
    if kind == "day":
        return When(day, "day")
    if kind == "period":
        return When(
            day, "period", period=rng.choices(["上午", "下午", "中午"], weights=[45, 45, 10])[0]
        )
    if kind == "point":
        hour = rng.choice([9, 10, 11, 13, 14, 15, 16])
        minute = rng.choice([0, 0, 0, 30])
        return When(day, "point", start=time(hour, minute))
    lo = rng.choice([9, 10, 13, 14, 15])
    return When(day, "range", start=time(lo), end=time(lo + rng.choice([1, 2, 2, 3])))


def matching_booking(rng: random.Random, when: When) -> tuple[datetime, datetime]:
    """A booked window inside the agreed one (or starting at the agreed time)."""
    start, end = when.window()
    if when.kind == "day":
        start = datetime.combine(when.day, time(rng.choice([9, 14])), ZONE)
        return start, start + timedelta(hours=2)
    if when.kind == "point":
        return start, start + timedelta(hours=2)
    if when.kind == "period" and rng.random() < 0.5 and when.period in ("上午", "下午"):
        offset = timedelta(hours=rng.choice([0, 1]))
        return start + offset, start + offset + timedelta(hours=2)
    return start, end


def wrong_booking(
    rng: random.Random, when: When, rejected: When | None
) -> tuple[datetime, datetime]:
    """A booked window that shares no time with the agreed one."""
    agreed = when.window()
    if rejected is not None and not overlaps(rejected.window(), agreed) and rng.random() < 0.6:
        return matching_booking(rng, rejected)
    for _ in range(20):
        if when.kind != "day" and rng.random() < 0.4:
            hour = 14 if agreed[0].hour < 12 else 9
            start = datetime.combine(when.day, time(hour), ZONE)
        else:
            shift = rng.choice([-2, -1, 1, 1, 2, 7])
            day = when.day + timedelta(days=shift)
            start = datetime.combine(day, time(rng.choice([9, 10, 14, 15])), ZONE)
        candidate = (start, start + timedelta(hours=2))
        if not overlaps(candidate, agreed):
            return candidate
    raise AssertionError("no disjoint window found")
