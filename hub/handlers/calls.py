"""Booking-call compliance (预约信息 AI 翻译 and 抽查): check each transcript the call platform
sends against the booking it was about, queue failing and sampled calls for a reviewer, and
record the reviewer's verdict."""

from __future__ import annotations

from datetime import datetime

from hub.domain.call_check import BookingFacts, Segment, Transcript, check
from hub.domain.call_review import CheckedCall, ReviewState, drawn, reviewed
from hub.domain.work_order import WorkOrder
from hub.errors import IllegalTransition, NotFound
from hub.ports import UnitOfWork, UnitOfWorkFactory
from schemas.v1 import TranscriptReady


async def check_transcript(msg: TranscriptReady, uow: UnitOfWork, *, sample_pct: int) -> None:
    """Judge one call; the same call sent again is not checked twice."""
    if await uow.calls.find(msg.call_id) is not None:
        return
    order = await uow.orders.get(msg.order_id)
    start, end = await _window_of_call(uow, order, msg.call_id)
    facts = BookingFacts(
        booked_start=start,
        booked_end=end,
        call_time=msg.recorded_at,
        install_address=order.details.install_address.text,
        company_name=order.details.customer_name,
        is_reschedule=msg.call_kind == "reschedule",
        timezone=uow.appointment_policy.zone.key,
    )
    segments = tuple(Segment(s.speaker, s.start_s, s.end_s, s.text) for s in msg.segments)
    verdict = check(Transcript(msg.call_id, msg.order_id, segments), facts)
    pending = drawn(msg.call_id, passed=verdict.passed, sample_pct=sample_pct)
    await uow.calls.add(
        CheckedCall(
            call_id=msg.call_id,
            order_id=msg.order_id,
            call_kind=msg.call_kind,
            recorded_at=msg.recorded_at,
            checked_at=uow.now,
            booked_start=start,
            booked_end=end,
            segments=segments,
            verdict=verdict,
            state=ReviewState.PENDING if pending else ReviewState.NOT_SAMPLED,
        )
    )


async def _window_of_call(
    uow: UnitOfWork, order: WorkOrder, call_id: str
) -> tuple[datetime, datetime]:
    """The window booked in that call (the history line that names it), else the order's."""
    for change in reversed(await uow.appointments.history(order.order_id)):
        if change.call_id == call_id:
            return change.window_start, change.window_end
    if order.appointment_start is None or order.appointment_end is None:
        raise IllegalTransition(
            f"order {order.order_id} has no booked visit to check call {call_id} against"
        )
    return order.appointment_start, order.appointment_end


class CallReviews:
    """A supervisor's verdict on a checked call (抽查)."""

    def __init__(self, uow: UnitOfWorkFactory) -> None:
        self._uow = uow

    async def review(self, call_id: str, *, reviewer: str, passed: bool, note: str) -> CheckedCall:
        """Record the verdict; a call is reviewed once."""
        async with self._uow() as uow:
            call = await uow.calls.find(call_id)
            if call is None:
                raise NotFound(f"no checked call {call_id}")
            done = reviewed(call, reviewer=reviewer, passed=passed, note=note, now=uow.now)
            await uow.calls.save_review(done)
            await uow.commit()
            return done
