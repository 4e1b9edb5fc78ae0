"""Booking-call compliance through the command table: each transcript is checked against the
booking made in that call, failing and sampled calls wait for a supervisor, whose verdicts
give the checker's agreement figure."""

from __future__ import annotations

from datetime import timedelta

import pytest

from hub.domain.call_review import ReviewState
from hub.errors import IllegalTransition
from hub.handlers.calls import CallReviews
from schemas.v1 import Requester, RescheduleAppointment, RescheduleReason, TranscriptReady
from schemas.v1.calls import TranscriptSegment
from tests.handlers.harness import FakeHub
from tests.handlers.test_appointments import MONDAY_2PM, NOW, book

GOOD = [
    ("customer", "喂？"),
    (
        "dispatcher",
        "您好，这里是中国电信政企调度，我是调度员小王，工号3021。请问是上海某某科技有限公司吗？",
    ),
    ("customer", "对，是的。"),
    ("dispatcher", "您的专线需要上门安装，给您预约明天下午两点到四点可以吗？"),
    ("customer", "可以。"),
    ("dispatcher", "跟您确认一下安装地址，是上海市黄浦区南京东路1号对吗？"),
    ("customer", "对的。"),
    ("dispatcher", "好的，感谢您的接听，再见。"),
    ("customer", "再见。"),
]
RUDE = [
    ("customer", "喂？"),
    ("dispatcher", "喂，明天上午九点装宽带。"),
    ("customer", "几点到？"),
    ("dispatcher", "不知道，你看着办。"),
]


@pytest.fixture
def hub(hub: FakeHub) -> FakeHub:
    hub.clock.now = NOW
    return hub


def transcript(
    call_id: str, lines: list[tuple[str, str]], *, unlabelled: bool = False
) -> TranscriptReady:
    return TranscriptReady(
        call_id=call_id,
        order_id="WO-1",
        recorded_at=NOW - timedelta(minutes=5),
        call_kind="booking",
        segments=[
            TranscriptSegment(
                speaker=None if unlabelled else who,  # type: ignore[arg-type]
                start_s=4.0 * i,
                end_s=4.0 * i + 3.5,
                text=text,
            )
            for i, (who, text) in enumerate(lines)
        ],
    )


async def booked(hub: FakeHub) -> None:
    await hub.created()
    await hub.run(book())  # booked in call CALL-42: Monday 14:00-16:00 Shanghai


async def test_a_compliant_booking_call_passes_every_rule(hub: FakeHub) -> None:
    await booked(hub)
    await hub.run(transcript("CALL-42", GOOD, unlabelled=True))
    call = hub.tables.calls["CALL-42"]
    assert [f.rule for f in call.verdict.findings if not f.passed] == []
    assert (call.verdict.score, call.verdict.passed) == (100, True)
    assert (call.booked_start, call.booked_end) == (MONDAY_2PM, MONDAY_2PM + timedelta(hours=2))
    assert any("speakers inferred" in note for note in call.verdict.notes)


async def test_a_failing_call_waits_for_review_with_the_sentences_it_failed_on(
    hub: FakeHub,
) -> None:
    await booked(hub)
    await hub.run(transcript("CALL-42", RUDE))
    call = hub.tables.calls["CALL-42"]
    failed = {f.rule: f for f in call.verdict.findings if not f.passed}
    assert {"opening", "window_matches", "no_forbidden_phrases", "closing"} <= set(failed)
    assert failed["no_forbidden_phrases"].quote == "不知道，你看着办。"
    assert failed["window_matches"].quote == "喂，明天上午九点装宽带。"  # agreed ≠ booked
    assert call.state is ReviewState.PENDING


async def test_the_window_checked_is_the_one_booked_in_that_call(hub: FakeHub) -> None:
    await booked(hub)
    await hub.run(
        RescheduleAppointment(
            order_id="WO-1",
            window_start=MONDAY_2PM + timedelta(days=1),
            window_end=MONDAY_2PM + timedelta(days=1, hours=2),
            reason=RescheduleReason.WEATHER,
            requested_by=Requester.CUSTOMER,
            by="D007",
        )
    )
    await hub.run(transcript("CALL-42", GOOD))  # the booking call arrives after the move
    assert hub.tables.calls["CALL-42"].booked_start == MONDAY_2PM
    assert hub.tables.calls["CALL-42"].verdict.passed


async def test_a_call_sent_again_is_checked_once(hub: FakeHub) -> None:
    await booked(hub)
    await hub.run(transcript("CALL-42", RUDE))
    await hub.run(transcript("CALL-42", GOOD))  # the platform resends, another message id
    assert not hub.tables.calls["CALL-42"].verdict.passed


async def test_a_call_about_an_order_without_a_booking_is_refused(hub: FakeHub) -> None:
    await hub.created()
    with pytest.raises(IllegalTransition, match="no booked visit"):
        await hub.run(transcript("CALL-9", GOOD))
    assert hub.tables.calls == {}


def test_passing_calls_are_drawn_at_the_configured_rate() -> None:
    from hub.domain.call_review import drawn

    ids = [f"CALL-{i}" for i in range(2000)]
    share = sum(drawn(i, passed=True, sample_pct=10) for i in ids) / len(ids)
    assert 0.08 < share < 0.12
    assert not any(drawn(i, passed=True, sample_pct=0) for i in ids)
    assert all(drawn(i, passed=False, sample_pct=0) for i in ids)  # failing: always
    assert [drawn(i, passed=True, sample_pct=10) for i in ids] == [
        drawn(i, passed=True, sample_pct=10) for i in ids
    ]  # the same call is always drawn the same way


async def test_reviews_give_the_checkers_agreement_and_a_call_is_reviewed_once(
    hub: FakeHub,
) -> None:
    await booked(hub)
    await hub.run(transcript("CALL-42", RUDE))
    await hub.run(transcript("CALL-43", GOOD))
    reviews = CallReviews(hub.uow)
    await reviews.review("CALL-42", reviewer="sup-1", passed=False, note="态度差")
    await reviews.review("CALL-43", reviewer="sup-1", passed=False, note="未核对联系人")
    with pytest.raises(IllegalTransition, match="reviewed by sup-1 already"):
        await reviews.review("CALL-42", reviewer="sup-2", passed=True, note="")
    async with hub.uow.read() as uow:
        agreement = await uow.calls.agreement()
        pending = await uow.calls.list(state=ReviewState.PENDING)
    assert (agreement.reviewed, agreement.both_fail, agreement.checker_only_passed) == (2, 1, 1)
    assert agreement.rate == 0.5
    assert pending == []
    assert hub.tables.calls["CALL-42"].review.note == "态度差"  # type: ignore[union-attr]
