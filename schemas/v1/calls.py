"""Booking-call transcripts (预约信息 AI 翻译): the call platform's transcript of a booking call.

The dispatcher calls the customer from the web console (shown as 10000); the call platform
records and transcribes the call and sends ─▶ TranscriptReady ─▶ the hub checks it for
compliance (opening, agreed window = booked window, address, reschedule reason, forbidden
phrases, closing).
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AwareDatetime, Field, StringConstraints, model_validator

from schemas.v1.common import Contract, OrderId

MAX_SEGMENTS = 1000
MAX_SEGMENT_CHARS = 4000
MAX_TRANSCRIPT_CHARS = 100_000

CallId = Annotated[
    str,
    StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$"),
    Field(description="The call platform's id of the recorded call"),
]
CallKind = Literal["booking", "reschedule", "confirmation"]
SpeakerLabel = Literal["dispatcher", "customer"]


class TranscriptSegment(Contract):
    """One stretch of speech as the speech recogniser cut it."""

    speaker: SpeakerLabel | None = Field(
        default=None,
        description="Who spoke, if the platform separated the voices; null when it did not "
        "(the hub then tells dispatcher from customer by rules)",
    )
    start_s: float = Field(
        ge=0, le=86_400, description="Start of the segment, seconds from the call's start"
    )
    end_s: float = Field(
        ge=0, le=86_400, description="End of the segment, seconds from the call's start"
    )
    text: str = Field(
        max_length=MAX_SEGMENT_CHARS,
        description="Recognised text of the segment (Simplified Chinese, may hold ASR errors)",
    )

    @model_validator(mode="after")
    def _ends_after_start(self) -> TranscriptSegment:
        if self.end_s < self.start_s:
            raise ValueError("end_s must not be before start_s")
        return self


class TranscriptReady(Contract):
    """The call platform finished transcribing a booking call."""

    call_id: CallId
    order_id: OrderId
    recorded_at: AwareDatetime = Field(
        description="When the call started; resolves 明天 / 周三 in what was said"
    )
    call_kind: CallKind = Field(
        description="booking: first appointment; reschedule: 改约 of a booked one (a reason "
        "must be stated); confirmation: the technician's same-day second confirmation"
    )
    segments: list[TranscriptSegment] = Field(
        max_length=MAX_SEGMENTS,
        description="The call's segments in the order spoken; may be empty (nobody spoke)",
    )

    @model_validator(mode="after")
    def _bounded_text(self) -> TranscriptReady:
        if sum(len(s.text) for s in self.segments) > MAX_TRANSCRIPT_CHARS:
            raise ValueError(f"transcript text exceeds {MAX_TRANSCRIPT_CHARS} characters")
        return self
