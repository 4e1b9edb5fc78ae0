"""Spoken Chinese time expressions → windows of aware datetimes, relative to the call's time.

Conventions (docs/call-compliance.md lists them with examples):
- a day alone is the whole day (00:00-24:00); a week (下周) is Monday to Monday;
- periods: 凌晨 00-06, 早上/早晨/清早/一早 07-10, 上午 09-12, 中午 11:30-13:30, 午后 13-15,
  下午 13-18, 傍晚 17-19, 晚上/晚间/夜里 18-22, 白天 08-18;
- a clock time is a one-hour window from it; 左右/前后 make it ±30 min; 之前/以前/前 run from the
  period's start (or 08:00) to it; 之后/以后/后 from it to the period's end (or 18:00);
- a bare hour 1-6 with no period is afternoon (installers work 08-18); 7-12 is morning;
- a bare weekday (周三) is the next such day, today included; 下周三 is in next week;
- a date without a year that lies more than 30 days back is next year's; a bare 5号 is this
  month's, or next month's once past;
- a time without a day takes the day named last in the call, else the call's own day.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo

from hub.domain.call_check.numerals import to_int
from hub.domain.call_check.sentences import normalise
from hub.domain.call_check.time_tokens import RawMention, lex

PERIODS: dict[str, tuple[time, time]] = {
    "凌晨": (time(0), time(6)),
    "早上": (time(7), time(10)),
    "早晨": (time(7), time(10)),
    "清早": (time(7), time(10)),
    "大清早": (time(7), time(10)),
    "一早": (time(7), time(10)),
    "上午": (time(9), time(12)),
    "中午": (time(11, 30), time(13, 30)),
    "午后": (time(13), time(15)),
    "下午": (time(13), time(18)),
    "傍晚": (time(17), time(19)),
    "晚上": (time(18), time(22)),
    "晚间": (time(18), time(22)),
    "夜里": (time(18), time(22)),
    "白天": (time(8), time(18)),
}
_AFTERNOON = {"午后", "下午", "傍晚", "晚上", "晚间", "夜里"}
_WEEKDAY = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6, "末": 5}
_REL_DAYS = {
    "今天": 0,
    "今日": 0,
    "今儿": 0,
    "明天": 1,
    "明日": 1,
    "明儿": 1,
    "后天": 2,
    "大后天": 3,
}
_REL_PERIOD = {"今晚": (0, "晚上"), "明晚": (1, "晚上"), "明早": (1, "早上"), "今早": (0, "早上")}
_WORKDAY = (time(8), time(18))


@dataclass(frozen=True, slots=True)
class TimeWindow:
    """A window named in speech; `day` is set when the expression named its day itself."""

    start: datetime
    end: datetime
    expression: str
    span: tuple[int, int]
    day: date | None


def parse_windows(
    text: str, *, now: datetime, zone: tzinfo, default_day: date | None = None
) -> list[TimeWindow]:
    """Every time window named in `text`, in order; unresolvable expressions are skipped."""
    norm = normalise(text)
    today = now.astimezone(zone).date()
    out: list[TimeWindow] = []
    for raw in lex(norm):
        window = _resolve(raw, today=today, zone=zone, default_day=default_day)
        if window is not None:
            start, end, day = window
            out.append(TimeWindow(start, end, norm[raw.start : raw.end], (raw.start, raw.end), day))
            default_day = day or default_day
    return out


def _resolve(
    raw: RawMention, *, today: date, zone: tzinfo, default_day: date | None
) -> tuple[datetime, datetime, date | None] | None:
    named = _day(raw.day, today) if raw.day is not None else None
    if raw.day is not None and named is None:
        return None
    day, span_days = named if named is not None else (default_day or today, 1)
    period = raw.period or _implied_period(raw.day)
    if raw.clock is None and period is None:
        start, end = datetime.combine(day, time(0), zone), datetime.combine(day, time(0), zone)
        return start, end + timedelta(days=span_days), day if named else None
    window = _clock_window(raw.clock, raw, period, day, zone) if raw.clock else None
    if window is None and period is not None:
        lo, hi = PERIODS[period]
        window = datetime.combine(day, lo, zone), datetime.combine(day, hi, zone)
    if window is None:
        return None
    return window[0], window[1], day if named else None


def _implied_period(day: re.Match[str] | None) -> str | None:
    return _REL_PERIOD[day.group(0)][1] if day is not None and day.group("relp") else None


def _day(match: re.Match[str], today: date) -> tuple[date, int] | None:
    """The day (and how many days it spans) a day token names."""
    if match.group("rel"):
        return today + timedelta(days=_REL_DAYS[match.group("rel")]), 1
    if match.group("relp"):
        return today + timedelta(days=_REL_PERIOD[match.group("relp")][0]), 1
    if match.group("week"):
        return _weekday(match.group("wpre") or "", match.group("wday"), today)
    if match.group("wk"):
        return _week(match.group("wkpre"), today)
    if match.group("date"):
        return _date(match, today)
    mday = to_int(match.group("dnum_v"))
    return _month_day(today, mday) if mday is not None else None


def _week(prefix: str, today: date) -> tuple[date, int]:
    """这周: the rest of this week; 下周: next Monday to Monday."""
    weeks = _week_offset(prefix)
    if weeks == 0:
        return today, 7 - today.weekday()
    return today - timedelta(days=today.weekday()) + timedelta(weeks=weeks), 7


def _week_offset(prefix: str) -> int:
    return 2 if prefix.startswith("下下") else 1 if prefix.startswith("下") else 0


def _weekday(prefix: str, token: str, today: date) -> tuple[date, int]:
    wanted = _WEEKDAY.get(token)
    if wanted is None:
        wanted = int(token) - 1 if token.isdigit() else 0
    span = 2 if token == "末" else 1
    monday = today - timedelta(days=today.weekday())
    if prefix:
        return monday + timedelta(weeks=_week_offset(prefix), days=wanted), span
    ahead = (wanted - today.weekday()) % 7
    return today + timedelta(days=ahead), span


def _date(match: re.Match[str], today: date) -> tuple[date, int] | None:
    month, mday = to_int(match.group("month")), to_int(match.group("mday"))
    if month is None or mday is None:
        return None
    year = int(match.group("year")) if match.group("year") else today.year
    if not today.year - 1 <= year <= today.year + 1:
        return None
    named = _valid(year, month, mday)
    if named is None:
        return None
    if not match.group("year") and named < today - timedelta(days=30):
        named = _valid(year + 1, month, mday)
    return (named, 1) if named is not None else None


def _month_day(today: date, mday: int) -> tuple[date, int] | None:
    named = _valid(today.year, today.month, mday)
    if named is not None and named >= today:
        return named, 1
    year, month = (today.year + 1, 1) if today.month == 12 else (today.year, today.month + 1)
    following = _valid(year, month, mday)
    return (following, 1) if following is not None else None


def _valid(year: int, month: int, mday: int) -> date | None:
    try:
        return date(year, month, mday)
    except ValueError:
        return None


def _clock_window(
    clock: re.Match[str], raw: RawMention, period: str | None, day: date, zone: tzinfo
) -> tuple[datetime, datetime] | None:
    first = _clock(clock, period)
    if first is None:
        return None
    start = datetime.combine(day, time(0), zone) + first
    if raw.end_clock is not None:
        second = _clock(raw.end_clock, raw.end_period or period)
        if second is not None:
            if second <= first and second < timedelta(hours=12):
                second += timedelta(hours=12)
            if second > first:
                return start, start + (second - first)
    return _modified(start, raw.modifier, period, day, zone)


def _modified(
    at: datetime, modifier: str | None, period: str | None, day: date, zone: tzinfo
) -> tuple[datetime, datetime]:
    lo, hi = PERIODS[period] if period else _WORKDAY
    if modifier in ("左右", "前后"):
        return at - timedelta(minutes=30), at + timedelta(minutes=30)
    if modifier in ("之前", "以前", "前"):
        begin = datetime.combine(day, lo, zone)
        return (begin if begin < at else at - timedelta(hours=1)), at
    if modifier in ("之后", "以后", "过后", "后"):
        finish = datetime.combine(day, hi, zone)
        return at, (finish if finish > at else at + timedelta(hours=1))
    return at, at + timedelta(hours=1)


def _clock(match: re.Match[str], period: str | None) -> timedelta | None:
    """Time of day as an offset from midnight, the hour adjusted by the period."""
    hour = to_int(match.group("h"))
    minute = _minute(match)
    if hour is None or minute is None or not 0 <= hour <= 24 or not 0 <= minute <= 59:
        return None
    return timedelta(hours=_hour_in(period, hour), minutes=minute)


def _hour_in(period: str | None, hour: int) -> int:
    """下午两点 → 14, 中午一点 → 13, bare 两点 → 14 (working hours), 凌晨十二点 → 0."""
    afternoon = (period in _AFTERNOON and 1 <= hour < 12) or (period == "中午" and 1 <= hour <= 3)
    if afternoon or (period is None and 1 <= hour <= 6):
        return hour + 12
    return 0 if period == "凌晨" and hour == 12 else hour


def _minute(match: re.Match[str]) -> int | None:
    if match.group("mm"):
        return int(match.group("mm"))
    frac = match.group("frac") or ""
    if frac in ("", "整"):
        return 0
    fixed = {"半": 30, "一刻": 15, "三刻": 45}
    if frac in fixed:
        return fixed[frac]
    return to_int(match.group("m")) if match.group("m") else 0
