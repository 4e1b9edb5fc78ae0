"""Who said what, when the call platform sent no speaker labels: explainable rules, in order.

1. A label the platform sent is kept.
2. Strong cues decide a segment: the standard opening (greeting + 中国电信/10000), a staff
   number (工号) or asking for the customer's company mark the dispatcher; answering the phone
   (喂/哪位) or naming the company as one's own (我们是…公司) mark the customer.
3. A segment that starts inside the previous one (an interruption) is the other speaker's.
4. Weak cues decide next: 您/给您/预约/师傅 for the dispatcher, 你们/我们公司/几点来 for
   the customer.
5. Otherwise turns alternate: the speaker is the other one than the segment before.
"""

from __future__ import annotations

import re

from hub.domain.call_check.model import Attribution, BookingFacts, Segment, Speaker
from hub.domain.call_check.phrases import GREETINGS
from hub.domain.call_check.sentences import normalise

_STAFF_ID = re.compile(r"工号|员工号|我是[^，。,]{0,8}(电信|调度|装维|客服|预约)")
_ASKS = re.compile(r"吗|吧|\?|请问|是不是|是否")
_ANSWERS_PHONE = re.compile(r"^(喂+|哪位|你好哪位|谁啊|你是哪里|哪里)[？?！!。,，\s]*(哪位|你是)?")
_OWN_COMPANY = re.compile(r"(我们是|我是|我们这里是|这里是|对[，,]?是)")
_DISPATCHER_WEAK = re.compile(r"您|给你|为你|帮你|预约|改约|上门|师傅|安装地址|确认一下|工单")
_CUSTOMER_WEAK = re.compile(r"你们|我们公司|我们单位|几点到|几点来|什么时候来|我那天|我不在")
_COMPANY_AFFIXES = re.compile(r"有限责任公司|股份有限公司|有限公司|公司|集团|^上海(市)?|^中国")


def company_core(name: str) -> str:
    """The distinctive part of a company name (上海某某科技有限公司 → 某某科技)."""
    core = _COMPANY_AFFIXES.sub("", normalise(name)).strip()
    return core if len(core) >= 2 else normalise(name).strip()


def _strong_cue(norm: str, facts: BookingFacts) -> tuple[int, str] | None:
    if any(g in norm for g in GREETINGS) and any(w in norm for w in facts.greeting_words):
        return 3, "greets with the standard opening"
    if _STAFF_ID.search(norm):
        return 3, "identifies as staff (工号 / 我是…电信)"
    if _ANSWERS_PHONE.match(norm.strip()) and len(norm.strip()) <= 8:
        return -3, "answers the phone (喂 / 哪位)"
    core = company_core(facts.company_name)
    if core and core in norm and _OWN_COMPANY.search(norm):
        return -2, "names the company as their own"
    if core and core in norm and _ASKS.search(norm):
        return 2, "asks whether this is the customer's company"
    return None


def _cue(text: str, facts: BookingFacts) -> tuple[int, str]:
    """A score (+ dispatcher, − customer) and the reason for the strongest cue."""
    norm = normalise(text)
    strong = _strong_cue(norm, facts)
    if strong is not None:
        return strong
    score = len(set(_DISPATCHER_WEAK.findall(norm))) - len(set(_CUSTOMER_WEAK.findall(norm)))
    if score == 0:
        return 0, ""
    if score > 0:
        return 1, "uses the dispatcher's words (您 / 预约 / 师傅 …)"
    return -1, "uses the customer's words (你们 / 我们公司 / 几点来 …)"


def _other(speaker: Speaker) -> Speaker:
    return "customer" if speaker == "dispatcher" else "dispatcher"


def attribute(segments: list[Segment], facts: BookingFacts) -> list[Attribution]:
    """A speaker and a reason for every segment, in order."""
    cues = [(0, "") if s.speaker else _cue(s.text, facts) for s in segments]
    out: list[Attribution | None] = []
    for i, seg in enumerate(segments):
        score, why = cues[i]
        if seg.speaker is not None:
            out.append(Attribution(seg.speaker, "labelled by the call platform"))
        elif abs(score) >= 2:
            out.append(Attribution("dispatcher" if score > 0 else "customer", why))
        else:
            out.append(_by_context(i, segments, out, score, why))
    return _fill_leading(out)


def _by_context(
    i: int, segments: list[Segment], done: list[Attribution | None], score: int, why: str
) -> Attribution | None:
    prev = done[i - 1] if i > 0 else None
    if prev is not None and segments[i].start_s < segments[i - 1].end_s:
        return Attribution(_other(prev.speaker), "starts while the other speaker talks")
    if score != 0:
        return Attribution("dispatcher" if score > 0 else "customer", why)
    if prev is not None:
        return Attribution(_other(prev.speaker), "turns alternate")
    return None


def _fill_leading(done: list[Attribution | None]) -> list[Attribution]:
    """Segments before the first decided one alternate backwards from it."""
    if not done:
        return []
    first = next((i for i, a in enumerate(done) if a is not None), 0)
    # No cue anywhere: the dispatcher placed the call and is taken to speak first.
    anchor = done[first] or Attribution("dispatcher", "no cue in the call; the caller speaks first")
    out: list[Attribution] = []
    for i in range(first):
        speaker = anchor.speaker if (first - i) % 2 == 0 else _other(anchor.speaker)
        out.append(Attribution(speaker, "turns alternate (counted back from a decided segment)"))
    out.append(anchor)
    for current in done[first + 1 :]:
        out.append(current or Attribution(_other(out[-1].speaker), "turns alternate"))
    return out
