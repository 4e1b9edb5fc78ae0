"""Request bodies and responses of the booking-call compliance API (抽查)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from hub.domain.call_review import Agreement, CheckedCall, ReviewState
from schemas.v1.common import Contract, ReasonText


class ReviewRequest(Contract):
    """A supervisor's verdict on one call."""

    passed: bool = Field(description="Whether the call kept the booking standard")
    note: ReasonText = Field(default="", description="Why, in one line")


class FindingView(BaseModel):
    rule: str
    passed: bool
    quote: str = Field(description="The transcribed sentence the finding rests on")
    explanation: str


class ReviewView(BaseModel):
    reviewer: str
    passed: bool
    note: str
    at: datetime


class SegmentView(BaseModel):
    speaker: str | None = Field(description="As the platform sent it (null: not separated)")
    start_s: float
    end_s: float
    text: str


class CallSummary(BaseModel):
    """A checked call, as listed in the review queue."""

    call_id: str
    order_id: str
    call_kind: str
    recorded_at: datetime
    score: int = Field(description="0-100: the weight of the rules passed")
    passed: bool = Field(description="The checker's verdict: every rule passed")
    state: ReviewState
    review: ReviewView | None

    @classmethod
    def of(cls, call: CheckedCall) -> CallSummary:
        return cls(**_summary(call))


class CallDetail(CallSummary):
    """A checked call with its findings, the speakers taken and the transcript."""

    booked_start: datetime
    booked_end: datetime
    findings: list[FindingView]
    notes: list[str]
    speakers: list[str] = Field(description="Per segment, the speaker the checker took and why")
    segments: list[SegmentView]

    @classmethod
    def of_call(cls, call: CheckedCall) -> CallDetail:
        v = call.verdict
        return cls(
            **_summary(call),
            booked_start=call.booked_start,
            booked_end=call.booked_end,
            findings=[
                FindingView(rule=f.rule, passed=f.passed, quote=f.quote, explanation=f.explanation)
                for f in v.findings
            ],
            notes=list(v.notes),
            speakers=[f"{a.speaker}: {a.reason}" for a in v.speakers],
            segments=[
                SegmentView(speaker=s.speaker, start_s=s.start_s, end_s=s.end_s, text=s.text)
                for s in call.segments
            ],
        )


class AgreementView(BaseModel):
    """How often the checker and the reviewers agree, over every reviewed call."""

    reviewed: int
    both_pass: int
    both_fail: int
    checker_only_passed: int = Field(description="Reviewer failed a call the checker passed")
    checker_only_failed: int = Field(description="Reviewer passed a call the checker failed")
    rate: float = Field(description="(both_pass + both_fail) ÷ reviewed")

    @classmethod
    def of(cls, a: Agreement) -> AgreementView:
        return cls(
            reviewed=a.reviewed,
            both_pass=a.both_pass,
            both_fail=a.both_fail,
            checker_only_passed=a.checker_only_passed,
            checker_only_failed=a.checker_only_failed,
            rate=round(a.rate, 4),
        )


def _summary(call: CheckedCall) -> dict[str, object]:
    review = call.review
    return {
        "call_id": call.call_id,
        "order_id": call.order_id,
        "call_kind": call.call_kind,
        "recorded_at": call.recorded_at,
        "score": call.verdict.score,
        "passed": call.verdict.passed,
        "state": call.state,
        "review": ReviewView(
            reviewer=review.reviewer, passed=review.passed, note=review.note, at=review.at
        )
        if review
        else None,
    }
