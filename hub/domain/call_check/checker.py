"""check(transcript, facts) -> CallVerdict: every rule, a 0-100 score, pass only if all pass."""

from __future__ import annotations

from collections.abc import Callable

from hub.domain.call_check.address import address_confirmed
from hub.domain.call_check.agreed_window import window_matches
from hub.domain.call_check.call import Call
from hub.domain.call_check.model import (
    RULE_WEIGHTS,
    BookingFacts,
    CallVerdict,
    Finding,
    Segment,
    Transcript,
)
from hub.domain.call_check.rules import closing, no_forbidden_phrases, opening, reschedule_reason
from hub.domain.call_check.sentences import bounded, split
from hub.domain.call_check.speakers import attribute

RULE_CHECKS: tuple[Callable[[Call], Finding], ...] = (
    opening,
    window_matches,
    address_confirmed,
    reschedule_reason,
    no_forbidden_phrases,
    closing,
)


def check(transcript: Transcript, facts: BookingFacts) -> CallVerdict:
    """Judge one call against the booking; total over any transcript, bounded in work."""
    segments, notes = bounded(transcript.segments)
    speakers = attribute(segments, facts)
    labelled = [
        Segment(a.speaker, s.start_s, s.end_s, s.text)
        for s, a in zip(segments, speakers, strict=True)
    ]
    inferred = sum(1 for s in segments if s.speaker is None)
    if inferred:
        notes.append(f"speakers inferred by rules for {inferred} of {len(segments)} segments")
    call = Call(split(labelled), facts)
    findings = tuple(rule(call) for rule in RULE_CHECKS)
    return CallVerdict(
        call_id=transcript.call_id,
        findings=findings,
        score=score(findings, facts),
        passed=all(f.passed for f in findings),
        notes=tuple(notes),
        speakers=tuple(speakers),
    )


def score(findings: tuple[Finding, ...], facts: BookingFacts) -> int:
    """Passed weight over applicable weight, 0-100 (reschedule_reason applies to reschedules)."""
    applicable = {
        rule: weight
        for rule, weight in RULE_WEIGHTS.items()
        if rule != "reschedule_reason" or facts.is_reschedule
    }
    earned = sum(applicable.get(f.rule, 0) for f in findings if f.passed)
    return round(100 * earned / sum(applicable.values()))
