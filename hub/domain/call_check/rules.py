"""The rules that need no time or address reasoning: opening, reason, forbidden phrases, closing."""

from __future__ import annotations

import re

from hub.domain.call_check.call import Call, found, search
from hub.domain.call_check.model import Finding
from hub.domain.call_check.phrases import (
    CAUSAL,
    CLOSINGS,
    EXEMPT,
    FORBIDDEN,
    GREETINGS,
    REASON_WINDOW,
    REASONS,
    RESCHEDULE,
    SELF_IDENTIFICATION,
)
from hub.domain.call_check.sentences import Sentence, contains_word

OPENING_SENTENCES = 4
CLOSING_SENTENCES = 3
_FORBIDDEN = [re.compile(p) for p in FORBIDDEN]
_EXEMPT = [re.compile(p) for p in EXEMPT]


def opening(call: Call) -> Finding:
    """The dispatcher's first turns greet, name the company and say who is calling."""
    first_turns = sorted({s.turn for s in call.by("dispatcher")})[:2]
    said = [s for s in call.by("dispatcher") if s.turn in first_turns][:OPENING_SENTENCES]
    if not said:
        return found("opening", False, None, "the dispatcher says nothing")
    greeting = next((s for s in said if any(g in s.norm for g in GREETINGS)), None)
    words = call.facts.greeting_words
    company = next((s for s in said if any(contains_word(s.norm, w) for w in words)), None)
    self_id = next((s for s in said if search(SELF_IDENTIFICATION, s.norm)), None)
    missing = [
        name
        for name, sentence in (
            ("a greeting (您好)", greeting),
            ("the company (" + " / ".join(call.facts.greeting_words) + ")", company),
            ("who is calling (我是… / 工号…)", self_id),
        )
        if sentence is None
    ]
    if missing:
        return found("opening", False, said[0], "the opening lacks " + ", ".join(missing))
    return found("opening", True, company, "greets, names the company and self-identifies")


def reschedule_reason(call: Call) -> Finding:
    """On a reschedule call, someone states why the appointment moves."""
    if not call.facts.is_reschedule:
        return found("reschedule_reason", True, None, "not a reschedule call: no reason needed")
    change = next((s for s in call.sentences if search(RESCHEDULE, s.norm)), None)
    nearby = call.sentences[change.index : change.index + REASON_WINDOW] if change else []
    for sentence in call.sentences:
        cue = search(CAUSAL, sentence.norm)
        if cue is None and sentence in nearby:
            cue = search(REASONS, sentence.norm)
        if cue:
            return found(
                "reschedule_reason", True, sentence, f"a reason is stated ({cue.group(0)})"
            )
    return found("reschedule_reason", False, change, "the appointment moves but no reason is given")


def _offence(sentence: Sentence) -> str | None:
    for pattern in _FORBIDDEN:
        for match in pattern.finditer(sentence.norm):
            if not any(_covers(e, sentence.norm, match) for e in _EXEMPT):
                return match.group(0)
    return None


def _covers(exempt: re.Pattern[str], text: str, match: re.Match[str]) -> bool:
    return any(e.start() <= match.start() and match.end() <= e.end() for e in exempt.finditer(text))


def no_forbidden_phrases(call: Call) -> Finding:
    """The dispatcher says nothing rude, dismissive or off-script (phrases.FORBIDDEN)."""
    said = call.by("dispatcher")
    for sentence in said:
        phrase = _offence(sentence)
        if phrase is not None:
            return found(
                "no_forbidden_phrases", False, sentence, f"the dispatcher says 「{phrase}」"
            )
    return found(
        "no_forbidden_phrases", True, None, f"no forbidden phrase in {len(said)} sentences"
    )


def closing(call: Call) -> Finding:
    """The dispatcher's last turn (its last few sentences) thanks the customer or says goodbye."""
    said = call.by("dispatcher")
    last = [s for s in said if s.turn == said[-1].turn][-CLOSING_SENTENCES:] if said else []
    for sentence in reversed(last):
        if any(word in sentence.norm for word in CLOSINGS):
            return found("closing", True, sentence, "closes with thanks or a goodbye")
    return found(
        "closing",
        False,
        last[-1] if last else None,
        "the dispatcher ends without thanks or a goodbye",
    )
