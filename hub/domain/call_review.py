"""The spot-check queue of booking calls (抽查): which checked calls a supervisor reviews, the
review itself, and how often the checker agrees with the reviewers. Pure values, no I/O.

Every call the checker fails goes to the queue; of the calls it passes, a configurable share
does, chosen by the call id (the same call is always chosen or not, whatever replays).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum

from hub.domain.call_check import CallVerdict, Segment
from hub.domain.errors import IllegalTransition


class ReviewState(StrEnum):
    NOT_SAMPLED = "not_sampled"  # passed and not drawn for review
    PENDING = "pending"  # waiting for a reviewer
    REVIEWED = "reviewed"


@dataclass(frozen=True, slots=True)
class Review:
    """A reviewer's verdict on one call."""

    reviewer: str
    passed: bool
    note: str
    at: datetime


@dataclass(frozen=True, slots=True)
class CheckedCall:
    """One booking call: its transcript, the checker's verdict and the review, if any."""

    call_id: str
    order_id: str
    call_kind: str
    recorded_at: datetime
    checked_at: datetime
    booked_start: datetime
    booked_end: datetime
    segments: tuple[Segment, ...]
    verdict: CallVerdict
    state: ReviewState
    review: Review | None = None


def drawn(call_id: str, *, passed: bool, sample_pct: int) -> bool:
    """Whether a checked call goes to a reviewer: always when it failed, else `sample_pct` %."""
    if not passed:
        return True
    bucket = int.from_bytes(hashlib.sha256(call_id.encode()).digest()[:4], "big") % 100
    return bucket < sample_pct


def reviewed(
    call: CheckedCall, *, reviewer: str, passed: bool, note: str, now: datetime
) -> CheckedCall:
    """Record a reviewer's verdict; a call is reviewed once (a second review is refused)."""
    if call.state is ReviewState.REVIEWED:
        assert call.review is not None
        raise IllegalTransition(
            f"call {call.call_id} was reviewed by {call.review.reviewer} already"
        )
    review = Review(reviewer=reviewer, passed=passed, note=note, at=now)
    return replace(call, state=ReviewState.REVIEWED, review=review)


@dataclass(frozen=True, slots=True)
class Agreement:
    """How the checker's verdicts compare with the reviewers' on the reviewed calls."""

    reviewed: int
    both_pass: int
    both_fail: int
    checker_only_passed: int  # the reviewer failed a call the checker passed
    checker_only_failed: int  # the reviewer passed a call the checker failed

    @property
    def rate(self) -> float:
        """Share of reviewed calls where both said the same (0 when none was reviewed)."""
        return (self.both_pass + self.both_fail) / self.reviewed if self.reviewed else 0.0
