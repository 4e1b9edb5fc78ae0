"""Lexing and grouping of spoken Chinese time expressions (the grammar half of `times`).

A mention is [day] [period] [clock [to [period] clock]] [modifier], at least one part present:
明天下午两点, 周三上午, 下周一下午三点半, 3月5日14:30, 上午九点到十一点, 十点左右.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from hub.domain.call_check.numerals import NUMERAL as N

_TOKEN = re.compile(
    r"(?P<rel>大后天|后天|明天|明日|明儿|今天|今日|今儿)"
    r"|(?P<relp>今晚|明晚|明早|今早)"
    r"|(?P<week>(?P<wpre>下下个?|下个?|这个?|本)?(?:周|星期|礼拜|週)(?P<wday>[一二三四五六日天末1-7]))"
    r"|(?P<wk>(?P<wkpre>下下个?|下个?|这个?|本)(?:周|星期|礼拜))"
    rf"|(?P<date>(?:(?P<year>[0-9]{{4}})年)?(?P<month>{N})月(?P<mday>{N})(?:日|号)?)"
    rf"|(?P<dnum>(?P<dnum_v>{N})(?:日|号)(?=的?(?:凌晨|早|上午|中午|下午|傍晚|晚|{N}点|[0-9]{{1,2}}:|那天|那一天)))"
    rf"|(?P<clock>(?P<h>{N})(?::(?P<mm>[0-9]{{2}})|(?:点钟|点|时(?!候|间|半会))"
    rf"(?P<frac>半|一刻|三刻|整|过?(?P<m>{N})分?)?))"
    r"|(?P<period>凌晨|大清早|清早|一早|早上|早晨|上午|中午|午后|下午|傍晚|晚上|晚间|夜里|白天)"
    r"|(?P<range>到|至|~|—|-)"
    r"|(?P<alt>或者|或|还是)"
)
_MODIFIER = re.compile(r"左右|前后|之前|以前|之后|以后|过后|前|后(?!天)")
_FILLER = re.compile(r"[\s的在吧那个这大概约就是了从呢啊呀嗯，,]")
_DAY_KINDS = ("rel", "relp", "week", "wk", "date", "dnum")
# 一点 is also "a little" (早一点, 快一点): as a clock it needs a time word next to it.
_ONE_OCLOCK_OK_AFTER = re.compile(r"^(钟|左右|前后|之前|以前|之后|以后|到|至|-|半)")


@dataclass
class RawMention:
    """The tokens of one time expression before resolution."""

    start: int
    end: int
    day: re.Match[str] | None = None
    period: str | None = None
    clock: re.Match[str] | None = None
    end_period: str | None = None
    end_clock: re.Match[str] | None = None
    modifier: str | None = None
    range_open: bool = field(default=False, repr=False)


def _kind(match: re.Match[str]) -> str:
    return next(k for k in (*_DAY_KINDS, "clock", "period", "range", "alt") if match.group(k))


def _is_clock(match: re.Match[str], text: str, prev: RawMention | None) -> bool:
    if match.group("h") not in ("一", "1") or match.group("frac") or match.group("mm"):
        return True
    if match.group(0).endswith(("钟", "时")):
        return True
    if prev is not None and (prev.day or prev.period or prev.range_open):
        return True
    return bool(_ONE_OCLOCK_OK_AFTER.match(text[match.end() : match.end() + 2]))


def lex(text: str) -> list[RawMention]:
    """Group the time tokens of `text` (normalised) into mentions, left to right."""
    mentions: list[RawMention] = []
    cur: RawMention | None = None
    last_end = 0
    for match in _TOKEN.finditer(text):
        kind = _kind(match)
        if cur is not None and len(_FILLER.sub("", text[last_end : match.start()])) > 1:
            cur = None
        if kind == "clock" and not _is_clock(match, text, cur):
            continue
        cur = _add(cur, kind, match, mentions)
        if cur is not None:
            cur.end = max(cur.end, match.end())
            if kind == "clock":
                _modifier(cur, text)
        last_end = match.end()
    return [m for m in mentions if m.day or m.period or m.clock]


def _add(
    cur: RawMention | None, kind: str, match: re.Match[str], out: list[RawMention]
) -> RawMention | None:
    """Fold one token into the current mention or start a new one; None after a separator."""
    if kind == "alt":
        return None
    if kind == "range":
        if cur is not None and cur.clock is not None and cur.end_clock is None:
            cur.range_open = True
        return cur
    if cur is None or _starts_new(cur, kind):
        cur = RawMention(start=match.start(), end=match.end())
        out.append(cur)
    if kind in _DAY_KINDS:
        cur.day = match
    elif kind == "period":
        if cur.range_open:
            cur.end_period = match.group(0)
        else:
            cur.period = match.group(0)
    elif cur.range_open:
        cur.end_clock, cur.range_open = match, False
    else:
        cur.clock = match
    return cur


def _starts_new(cur: RawMention, kind: str) -> bool:
    if cur.modifier is not None:
        return True
    if kind in _DAY_KINDS:
        return bool(cur.day or cur.period or cur.clock)
    if kind == "period":
        return not cur.range_open and bool(cur.period or cur.clock)
    return cur.clock is not None and not cur.range_open


def _modifier(cur: RawMention, text: str) -> None:
    if cur.end_clock is None and not cur.range_open:
        found = _MODIFIER.match(text, cur.end)
        if found:
            cur.modifier = found.group(0)
            cur.end = found.end()
