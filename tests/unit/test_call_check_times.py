"""Spoken Chinese time expressions become windows relative to the call's own time."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from hub.domain.call_check.times import parse_windows

SH = ZoneInfo("Asia/Shanghai")
TUESDAY = datetime(2026, 3, 3, 10, 0, tzinfo=SH)


def _window(text: str, now: datetime = TUESDAY, default_day: date | None = None) -> list[str]:
    return [
        f"{w.start:%Y-%m-%d %H:%M}/{w.end:%Y-%m-%d %H:%M}"
        for w in parse_windows(text, now=now, zone=SH, default_day=default_day)
    ]


@pytest.mark.parametrize(
    ("spoken", "window"),
    [
        ("明天下午两点", "2026-03-04 14:00/2026-03-04 15:00"),
        ("后天上午", "2026-03-05 09:00/2026-03-05 12:00"),
        ("周三上午", "2026-03-04 09:00/2026-03-04 12:00"),
        ("下周一下午三点半", "2026-03-09 15:30/2026-03-09 16:30"),
        ("3月5日14:30", "2026-03-05 14:30/2026-03-05 15:30"),
        ("三月五号下午", "2026-03-05 13:00/2026-03-05 18:00"),
        ("今天晚上七点", "2026-03-03 19:00/2026-03-03 20:00"),
        ("上午九点到十一点", "2026-03-03 09:00/2026-03-03 11:00"),
        ("两点到四点", "2026-03-03 14:00/2026-03-03 16:00"),
        ("中午", "2026-03-03 11:30/2026-03-03 13:30"),
        ("十点左右", "2026-03-03 09:30/2026-03-03 10:30"),
        ("十一点到一点", "2026-03-03 11:00/2026-03-03 13:00"),
        ("中午一点", "2026-03-03 13:00/2026-03-03 14:00"),
        ("三点以后", "2026-03-03 15:00/2026-03-03 18:00"),
        ("十点之前", "2026-03-03 08:00/2026-03-03 10:00"),
        ("九点一刻", "2026-03-03 09:15/2026-03-03 10:15"),
        ("明天", "2026-03-04 00:00/2026-03-05 00:00"),
        ("大后天", "2026-03-06 00:00/2026-03-07 00:00"),
        ("星期五下午2点", "2026-03-06 14:00/2026-03-06 15:00"),
        ("礼拜天", "2026-03-08 00:00/2026-03-09 00:00"),
        ("周末", "2026-03-07 00:00/2026-03-09 00:00"),
        ("下周", "2026-03-09 00:00/2026-03-16 00:00"),
        ("今晚八点", "2026-03-03 20:00/2026-03-03 21:00"),
        ("５号下午", "2026-03-05 13:00/2026-03-05 18:00"),
        ("两点半到四点半", "2026-03-03 14:30/2026-03-03 16:30"),
        ("下午２：３０", "2026-03-03 14:30/2026-03-03 15:30"),
        ("明朝下半天", "2026-03-04 13:00/2026-03-04 18:00"),
        ("一点钟", "2026-03-03 13:00/2026-03-03 14:00"),
    ],
)
def test_expression_is_read_as_the_documented_window(spoken: str, window: str) -> None:
    assert _window(spoken) == [window]


@pytest.mark.parametrize(
    "spoken", ["早一点来", "快一点", "南京西路88号", "一时半会儿", "2月30号下午", "稍等一下", ""]
)
def test_words_that_are_not_times_give_no_window(spoken: str) -> None:
    assert _window(spoken) == []


def test_a_bare_weekday_on_sunday_is_the_coming_one_and_next_week_starts_monday() -> None:
    sunday = datetime(2026, 3, 8, 15, 0, tzinfo=SH)
    assert _window("周一上午", sunday) == ["2026-03-09 09:00/2026-03-09 12:00"]
    assert _window("下周一上午", sunday) == ["2026-03-09 09:00/2026-03-09 12:00"]
    assert _window("这周六", sunday) == ["2026-03-07 00:00/2026-03-08 00:00"]


def test_a_bare_weekday_naming_today_is_today() -> None:
    assert _window("周二下午", TUESDAY) == ["2026-03-03 13:00/2026-03-03 18:00"]


def test_a_day_of_month_already_past_is_next_months() -> None:
    late_january = datetime(2026, 1, 30, 9, 0, tzinfo=SH)
    assert _window("2号下午", late_january) == ["2026-02-02 13:00/2026-02-02 18:00"]


def test_dates_and_relative_days_roll_over_into_the_next_year() -> None:
    new_years_eve = datetime(2026, 12, 31, 16, 0, tzinfo=SH)
    assert _window("1月3号上午", new_years_eve) == ["2027-01-03 09:00/2027-01-03 12:00"]
    assert _window("明天上午", new_years_eve) == ["2027-01-01 09:00/2027-01-01 12:00"]
    assert _window("下周三", new_years_eve) == ["2027-01-06 00:00/2027-01-07 00:00"]
    assert _window("5号下午", new_years_eve) == ["2027-01-05 13:00/2027-01-05 18:00"]


def test_a_time_without_a_day_takes_the_day_named_before() -> None:
    assert _window("下午两点", default_day=date(2026, 3, 6)) == [
        "2026-03-06 14:00/2026-03-06 15:00"
    ]
    assert _window("明天不行，后天上午吧") == [
        "2026-03-04 00:00/2026-03-05 00:00",
        "2026-03-05 09:00/2026-03-05 12:00",
    ]
    assert _window("周四吧，下午三点") == ["2026-03-05 15:00/2026-03-05 16:00"]


def test_windows_are_in_the_calls_zone_whatever_zone_the_call_time_is_in() -> None:
    utc_call = datetime(2026, 3, 3, 17, 30, tzinfo=ZoneInfo("UTC"))  # 01:30 on the 4th in Shanghai
    assert _window("明天上午", utc_call) == ["2026-03-05 09:00/2026-03-05 12:00"]
