"""Small builders for call-check tests: a booking and a call from (speaker, text) lines."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from hub.domain.call_check import BookingFacts, Segment, Transcript

SH = ZoneInfo("Asia/Shanghai")
CALLED = datetime(2026, 3, 3, 10, 0, tzinfo=SH)  # a Tuesday
ADDRESS = "上海市静安区南京西路1266号恒隆广场32楼"
COMPANY = "上海恒信科技有限公司"
OPENING = "您好，这里是中国电信政企调度，我是调度员小王，工号3021。请问是恒信科技吗？"
CLOSING = "好的，感谢您的接听，再见。"
WHO = {"d": "dispatcher", "c": "customer"}


def facts(
    start: tuple[int, int] = (5, 9), end: tuple[int, int] = (5, 12), *, reschedule: bool = False
) -> BookingFacts:
    """A booking on (day of March 2026, hour) to (day, hour), called on Tuesday 3 March."""
    return BookingFacts(
        booked_start=datetime(2026, 3, start[0], start[1], tzinfo=SH),
        booked_end=datetime(2026, 3, end[0], end[1], tzinfo=SH),
        call_time=CALLED,
        install_address=ADDRESS,
        company_name=COMPANY,
        is_reschedule=reschedule,
    )


def call(lines: list[tuple[str, str]], *, labelled: bool = True) -> Transcript:
    """A transcript, one segment per line, four seconds apart."""
    segments = tuple(
        Segment(WHO[who] if labelled else None, 4.0 * i, 4.0 * i + 3.5, text)
        for i, (who, text) in enumerate(lines)
    )
    return Transcript("call-1", "WO-1", segments)


def good_call() -> list[tuple[str, str]]:
    """A compliant booking call for the window 5 March 09:00-12:00."""
    return [
        ("c", "喂？"),
        ("d", OPENING),
        ("c", "对，是的。"),
        ("d", "您的专线需要上门安装，给您预约明天下午两点可以吗？"),
        ("c", "明天下午不行，后天上午吧。"),
        ("d", "好的，那就给您约后天上午九点到十二点。"),
        ("c", "行。"),
        ("d", "跟您确认一下安装地址，是南京西路1266号恒隆广场32楼对吗？"),
        ("c", "对的。"),
        ("d", CLOSING),
        ("c", "再见。"),
    ]
