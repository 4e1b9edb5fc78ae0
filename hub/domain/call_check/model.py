"""What the compliance checker reads (a transcript, the booking facts) and what it answers."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal
from zoneinfo import ZoneInfo

Speaker = Literal["dispatcher", "customer"]

# Rule names, in the order findings are reported; weights sum to 100 (see docs/call-compliance.md).
RULE_WEIGHTS: dict[str, int] = {
    "opening": 15,
    "window_matches": 30,
    "address_confirmed": 20,
    "reschedule_reason": 10,
    "no_forbidden_phrases": 15,
    "closing": 10,
}
RULES: tuple[str, ...] = tuple(RULE_WEIGHTS)

# Work bound per transcript: a hostile or runaway transcript is truncated, never refused.
MAX_SEGMENTS = 400
MAX_SEGMENT_CHARS = 2000
MAX_TOTAL_CHARS = 20_000
MAX_SENTENCES = 600

DEFAULT_GREETING_WORDS: tuple[str, ...] = ("中国电信", "电信", "10000")


@dataclass(frozen=True, slots=True)
class Segment:
    """One stretch of speech; `speaker` is None when the platform did not separate voices."""

    speaker: Speaker | None
    start_s: float
    end_s: float
    text: str


@dataclass(frozen=True, slots=True)
class Transcript:
    """A recorded booking call as the call platform transcribed it."""

    call_id: str
    order_id: str
    segments: tuple[Segment, ...]


@dataclass(frozen=True, slots=True)
class BookingFacts:
    """What the hub knows about the booking the call was about."""

    booked_start: datetime
    booked_end: datetime
    call_time: datetime
    install_address: str
    company_name: str
    is_reschedule: bool = False
    timezone: str = "Asia/Shanghai"
    # Words that name the company in the standard opening; any one of them suffices.
    greeting_words: tuple[str, ...] = DEFAULT_GREETING_WORDS

    def __post_init__(self) -> None:
        for name in ("booked_start", "booked_end", "call_time"):
            if getattr(self, name).tzinfo is None:
                raise ValueError(f"{name} must be timezone-aware")
        if self.booked_end <= self.booked_start:
            raise ValueError("booked_end must be after booked_start")
        ZoneInfo(self.timezone)  # an unknown zone fails here, not in the middle of a check

    @property
    def zone(self) -> ZoneInfo:
        """The zone in which spoken times (明天下午两点) are meant."""
        return ZoneInfo(self.timezone)


@dataclass(frozen=True, slots=True)
class Attribution:
    """The speaker the checker took for one segment, and why."""

    speaker: Speaker
    reason: str


@dataclass(frozen=True, slots=True)
class Finding:
    """One rule's outcome, with the sentence it rests on ('' when no sentence applies)."""

    rule: str
    passed: bool
    quote: str
    explanation: str


@dataclass(frozen=True, slots=True)
class CallVerdict:
    """All findings of one call, its 0-100 score and whether every rule passed."""

    call_id: str
    findings: tuple[Finding, ...]
    score: int
    passed: bool
    notes: tuple[str, ...] = field(default=())
    speakers: tuple[Attribution, ...] = field(default=())

    def finding(self, rule: str) -> Finding:
        """The finding of `rule` (every verdict holds one per rule)."""
        return next(f for f in self.findings if f.rule == rule)
