"""window_matches: the window the customer agreed to in the call is the window booked.

Every time window named in the call is a proposal, unless it is negated where it is said
(明天不行, 原来约的周三), is about something else (短信通知, 提前联系您), or the other party's reply
turns it down (不行 / 不对). The agreed window is the last proposal left; a later, coarser
restatement (约好了明天 after 明天下午两点) keeps the finer one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime

from hub.domain.call_check.call import Call, found, search
from hub.domain.call_check.model import Finding
from hub.domain.call_check.phrases import REJECT, TIME_NEGATED_BEFORE, TIME_NOT_BOOKING
from hub.domain.call_check.sentences import Sentence
from hub.domain.call_check.times import TimeWindow, parse_windows

_CLAUSE_END = re.compile(r"[，,。！？!?；;\s]")
_AFTER_CHARS = 12


@dataclass(frozen=True, slots=True)
class Proposal:
    """A window named in one sentence."""

    sentence: Sentence
    window: TimeWindow


def _negated(sentence: Sentence, window: TimeWindow, next_start: int) -> bool:
    text = sentence.norm
    clause_start = max((m.end() for m in _CLAUSE_END.finditer(text, 0, window.span[0])), default=0)
    if search(TIME_NEGATED_BEFORE, text[clause_start : window.span[0]]):
        return True
    after = text[window.span[1] : min(next_start, window.span[1] + _AFTER_CHARS)]
    ends = [m.start() for m in _CLAUSE_END.finditer(after)]
    # The rest of this clause and the next one: 明天下午，我们这边没人.
    scope = after[: ends[1]] if len(ends) > 1 else after
    return bool(search(REJECT, scope))


def proposals(call: Call) -> list[Proposal]:
    """Windows named in the call that nothing next to them negates."""
    out: list[Proposal] = []
    day: date | None = None
    zone = call.facts.zone
    for sentence in call.sentences:
        windows = parse_windows(sentence.norm, now=call.facts.call_time, zone=zone, default_day=day)
        if not windows:
            continue
        day = next((w.day for w in reversed(windows) if w.day), day)
        if search(TIME_NOT_BOOKING, sentence.norm):
            continue
        starts = [w.span[0] for w in windows[1:]] + [len(sentence.norm)]
        out.extend(
            Proposal(sentence, w)
            for w, nxt in zip(windows, starts, strict=True)
            if not _negated(sentence, w, nxt)
        )
    return out


def _turned_down(call: Call, proposal: Proposal) -> bool:
    reply = call.reply_to(proposal.sentence)
    if reply is None:
        return False
    clauses = reply.clauses
    return bool(clauses) and bool(search(REJECT, clauses[0]))


def agreed(call: Call) -> Proposal | None:
    """The last proposal the other party did not turn down (finer restatements win)."""
    current: Proposal | None = None
    for proposal in proposals(call):
        if _turned_down(call, proposal):
            continue
        if current is not None and _contains(proposal.window, current.window):
            continue
        current = proposal
    return current


def _contains(outer: TimeWindow, inner: TimeWindow) -> bool:
    """Strictly coarser: `outer` holds `inner` and more."""
    covers = outer.start <= inner.start and inner.end <= outer.end
    return covers and (outer.start, outer.end) != (inner.start, inner.end)


def _fmt(start: datetime, end: datetime) -> str:
    if start.date() == end.date():
        return f"{start:%Y-%m-%d %H:%M}–{end:%H:%M}"
    return f"{start:%Y-%m-%d %H:%M}–{end:%Y-%m-%d %H:%M}"


def window_matches(call: Call) -> Finding:
    """The agreed window overlaps the booked window."""
    facts = call.facts
    zone = facts.zone
    chosen = agreed(call)
    booked = _fmt(facts.booked_start.astimezone(zone), facts.booked_end.astimezone(zone))
    if chosen is None:
        return found(
            "window_matches", False, None, f"no time is agreed in the call (booked {booked})"
        )
    window = chosen.window
    said = f"「{window.expression}」 = {_fmt(window.start, window.end)}"
    if window.start < facts.booked_end and facts.booked_start < window.end:
        return found(
            "window_matches", True, chosen.sentence, f"agreed {said} overlaps booked {booked}"
        )
    return found("window_matches", False, chosen.sentence, f"agreed {said} but booked {booked}")
