"""Who said what, when the call platform sent no speaker labels: explainable rules.

Each unlabelled segment gets a cue score (+ dispatcher, − customer):
- strong (±3/±2): the standard opening (greeting + 中国电信/10000) or a staff number (工号) mark
  the dispatcher, and so does asking for the customer's company; answering the phone
  (喂/哪位) or naming the company as one's own (我们是…公司) marks the customer;
- weak (±1 each, at most ±2): the dispatcher's words (您, 给您, 预约, 师傅, 请问, 登记…) or the
  customer's (你们, 我们公司, 几点到, 怎么回事…).
Turns alternate, a segment that starts inside the previous one (an interruption) almost
surely belongs to the other speaker, and labels the platform sent are kept. The most likely
sequence of speakers under these scores is chosen (Viterbi over two states), and each segment
is told why: its own cue, an interruption, or alternation with its neighbours.
"""

from __future__ import annotations

import itertools
import re

from hub.domain.call_check.model import Attribution, BookingFacts, Segment, Speaker
from hub.domain.call_check.phrases import GREETINGS
from hub.domain.call_check.sentences import contains_word, normalise

_STAFF_ID = re.compile(r"工号|员工号|我是[^，。,]{0,8}(电信|调度|装维|客服|预约)")
_ASKS = re.compile(r"吗|吧|\?|请问|是不是|是否|对吗")
_ANSWERS_PHONE = re.compile(r"^(喂+|哪位|你好[,，]?哪位|谁啊|你是哪里|哪里)")
_OWN_COMPANY = re.compile(r"我们是|我是|我们这里是|这里是|对[，,]?是")
_DISPATCHER_WEAK = re.compile(
    r"您|请问|预约|改约|上门|师傅|安装地址|确认一下|登记|工单|安排|给你|帮你|为你|10000"
)
_CUSTOMER_WEAK = re.compile(
    r"你们|我们(公司|单位|老板|那天|这边没|办公室|前台)|几点(到|来)|什么时候来|我那天|我不在|"
    r"怎么回事|怎么办|要不要|能不能"
)
_COMPANY_AFFIXES = re.compile(r"有限责任公司|股份有限公司|有限公司|公司|集团|^上海(市)?|^中国")

# Log-odds: how much turns alternate, and how much more after an interruption.
_SWITCH, _STAY = -0.29, -1.39  # ln 0.75, ln 0.25
_SWITCH_OVERLAP, _STAY_OVERLAP = -0.05, -3.0
_LABELLED = 50.0


def company_core(name: str) -> str:
    """The distinctive part of a company name (上海某某科技有限公司 → 某某科技)."""
    core = _COMPANY_AFFIXES.sub("", normalise(name)).strip()
    return core if len(core) >= 2 else normalise(name).strip()


def _strong_cue(norm: str, facts: BookingFacts, core: str) -> tuple[int, str] | None:
    opening_words = any(contains_word(norm, w) for w in facts.greeting_words)
    if opening_words and any(g in norm for g in GREETINGS):
        return 3, "greets with the standard opening"
    if _STAFF_ID.search(norm):
        return 3, "identifies as staff (工号 / 我是…电信)"
    stripped = norm.strip()
    if _ANSWERS_PHONE.match(stripped) and len(stripped) <= 8:
        return -3, "answers the phone (喂 / 哪位)"
    if core and core in norm and _OWN_COMPANY.search(norm):
        return -2, "names the company as their own"
    if core and core in norm and _ASKS.search(norm):
        return 2, "asks whether this is the customer's company"
    return None


def cue(text: str, facts: BookingFacts, core: str | None = None) -> tuple[int, str]:
    """A score (+ dispatcher, − customer) and the reason for it ('' when there is no cue)."""
    norm = normalise(text)
    strong = _strong_cue(norm, facts, company_core(facts.company_name) if core is None else core)
    if strong is not None:
        return strong
    dispatcher = {m.group(0) for m in _DISPATCHER_WEAK.finditer(norm)}
    customer = {m.group(0) for m in _CUSTOMER_WEAK.finditer(norm)}
    score = max(-2, min(2, len(dispatcher) - len(customer)))
    if score > 0:
        return score, "uses the dispatcher's words (" + " / ".join(sorted(dispatcher)) + ")"
    if score < 0:
        return score, "uses the customer's words (" + " / ".join(sorted(customer)) + ")"
    return 0, ""


def _other(speaker: Speaker) -> Speaker:
    return "customer" if speaker == "dispatcher" else "dispatcher"


def attribute(segments: list[Segment], facts: BookingFacts) -> list[Attribution]:
    """A speaker and a reason for every segment, in order."""
    if not segments:
        return []
    core = company_core(facts.company_name)
    cues = [(0, "") if s.speaker else cue(s.text, facts, core) for s in segments]
    emissions = [_emission(s, c[0]) for s, c in zip(segments, cues, strict=True)]
    overlaps = [False] + [b.start_s < a.end_s for a, b in itertools.pairwise(segments)]
    path = _viterbi(emissions, overlaps)
    return [
        _explain(seg, speaker, c, overlap)
        for seg, speaker, c, overlap in zip(segments, path, cues, overlaps, strict=True)
    ]


def _emission(segment: Segment, score: int) -> tuple[float, float]:
    """Log-scores of (dispatcher, customer) for one segment."""
    if segment.speaker is not None:
        return (0.0, -_LABELLED) if segment.speaker == "dispatcher" else (-_LABELLED, 0.0)
    return (float(score), -float(score))


def _viterbi(emissions: list[tuple[float, float]], overlaps: list[bool]) -> list[Speaker]:
    states: tuple[Speaker, Speaker] = ("dispatcher", "customer")
    # A call with no cue at all starts with the caller: a slight prior for the dispatcher.
    best = [emissions[0][0] + 0.1, emissions[0][1]]
    back: list[tuple[int, int]] = []
    for emission, overlap in zip(emissions[1:], overlaps[1:], strict=True):
        switch, stay = (_SWITCH_OVERLAP, _STAY_OVERLAP) if overlap else (_SWITCH, _STAY)
        step, scores = [], []
        for now in (0, 1):
            came = max((0, 1), key=lambda was: best[was] + (stay if was == now else switch))
            step.append(came)
            scores.append(best[came] + (stay if came == now else switch) + emission[now])
        back.append((step[0], step[1]))
        best = scores
    state = 0 if best[0] >= best[1] else 1
    path = [state]
    for step_back in reversed(back):
        state = step_back[state]
        path.append(state)
    return [states[s] for s in reversed(path)]


def _explain(seg: Segment, speaker: Speaker, c: tuple[int, str], overlap: bool) -> Attribution:
    score, why = c
    if seg.speaker is not None:
        return Attribution(speaker, "labelled by the call platform")
    agrees = (score > 0) == (speaker == "dispatcher")
    if score != 0 and agrees:
        return Attribution(speaker, why)
    if overlap:
        return Attribution(speaker, "starts while the other speaker talks")
    if score != 0:
        return Attribution(speaker, f"turns alternate (outweighs a weak cue: {why})")
    return Attribution(speaker, "turns alternate")
