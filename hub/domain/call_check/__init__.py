"""Compliance checking of booking-call transcripts (预约信息 AI 翻译 and 抽查).

`check(transcript, facts)` labels the speakers if the call platform did not, then applies the
rules named in `RULES` (opening, window_matches, address_confirmed, reschedule_reason,
no_forbidden_phrases, closing); docs/call-compliance.md describes each one.
"""

from hub.domain.call_check.checker import check
from hub.domain.call_check.model import (
    RULE_WEIGHTS,
    RULES,
    Attribution,
    BookingFacts,
    CallVerdict,
    Finding,
    Segment,
    Transcript,
)

__all__ = [
    "RULES",
    "RULE_WEIGHTS",
    "Attribution",
    "BookingFacts",
    "CallVerdict",
    "Finding",
    "Segment",
    "Transcript",
    "check",
]
