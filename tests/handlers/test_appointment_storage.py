"""The appointment and booking-call storage behaves alike on the fakes and on SQLite (see
conftest `storage`)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from hub.domain import work_order
from hub.domain.appointment import Appointment, AppointmentChange, ChangeKind, Visit
from hub.domain.call_check import Attribution, CallVerdict, Finding, Segment
from hub.domain.call_review import CheckedCall, ReviewState, reviewed
from hub.errors import ConcurrencyConflict
from schemas.v1 import BookingChannel, Contact, Punctuality, Requester, RescheduleReason
from tests import factories
from tests.handlers.conftest import Storage

START = datetime(2026, 12, 7, 6, 0, tzinfo=UTC)
CONTACT = Contact(name="赵敏", phone="+8613900001111")


def change(version: int, kind: ChangeKind = ChangeKind.BOOKED) -> AppointmentChange:
    return AppointmentChange(
        order_id="WO-1",
        version=version,
        at=START - timedelta(days=1),
        kind=kind,
        window_start=START,
        window_end=START + timedelta(hours=2),
        by="D007",
        contact=CONTACT,
        channel=BookingChannel.OUTBOUND_CALL,
        requested_by=Requester.CUSTOMER if kind is ChangeKind.RESCHEDULED else None,
        reason=RescheduleReason.WEATHER if kind is ChangeKind.RESCHEDULED else None,
        reason_text="台风" if kind is ChangeKind.RESCHEDULED else "",
        reschedules=1 if kind is ChangeKind.RESCHEDULED else 0,
        call_id="CALL-1",
    )


def visit(
    order_id: str, outcome: Punctuality, *, tech: str = "T001", team: str | None = "A"
) -> Visit:
    return Visit(
        order_id=order_id,
        window_version=3,
        technician_id=tech,
        team=team,
        month="2026-12",
        window_start=START,
        window_end=START + timedelta(hours=2),
        outcome=outcome,
        minutes_late=7 if outcome is Punctuality.LATE else 0,
        checked_in_at=None,
    )


async def test_history_lines_come_back_in_order_and_a_line_is_written_once(
    storage: Storage,
) -> None:
    async with storage.uow() as uow:
        await uow.appointments.record(change(4, ChangeKind.RESCHEDULED))
        await uow.appointments.record(change(2))
        await uow.commit()
    async with storage.uow.read() as uow:
        assert await uow.appointments.history("WO-1") == [
            change(2),
            change(4, ChangeKind.RESCHEDULED),
        ]
        assert await uow.appointments.history("WO-2") == []
    with pytest.raises(ConcurrencyConflict):  # on record (fake) or at the commit (SQL)
        async with storage.uow() as uow:
            await uow.appointments.record(change(2))
            await uow.commit()


async def test_a_visit_is_one_fact_per_window_and_counts_per_technician_and_team(
    storage: Storage,
) -> None:
    async with storage.uow() as uow:
        await uow.appointments.record_visit(visit("WO-1", Punctuality.MISSED))
        await uow.appointments.record_visit(visit("WO-1", Punctuality.LATE))  # kept late after all
        await uow.appointments.record_visit(visit("WO-2", Punctuality.ON_TIME))
        await uow.appointments.record_visit(visit("WO-3", Punctuality.MISSED, tech="T2", team=None))
        await uow.commit()
    async with storage.uow.read() as uow:
        techs = await uow.appointments.punctuality(month="2026-12", by="technician")
        teams = await uow.appointments.punctuality(month="2026-12", by="team")
    assert [(f.key, f.due, f.on_time, f.late, f.missed) for f in techs] == [
        ("T001", 2, 1, 1, 0),
        ("T2", 1, 0, 0, 1),
    ]
    assert [(f.key, f.due, f.rate) for f in teams] == [("", 1, 0.0), ("A", 2, 0.5)]


async def test_an_order_keeps_its_appointment_and_the_attention_list_finds_it(
    storage: Storage,
) -> None:
    order, _ = work_order.create(factories.create_order("WO-1"), now=START)
    booked = Appointment(
        contact=CONTACT,
        channel=BookingChannel.FIELD_APP,
        booked_by="T001",
        booked_at=START - timedelta(days=1),
        window_version=2,
        reschedules=3,
        flagged=True,
        confirmed_at=START - timedelta(hours=5),
        call_id=None,
        recording_ref="rec/1.wav",
    )
    kept = replace(
        order,
        version=2,
        appointment=booked,
        appointment_start=START,
        appointment_end=START + timedelta(hours=2),
        accepted_at=START - timedelta(hours=6),
        punctuality=Punctuality.LATE,
        minutes_late=12,
    )
    async with storage.uow() as uow:
        await uow.orders.add(order, now=START)
        await uow.orders.save(kept, expected_version=1, now=START)
        await uow.orders.add(
            work_order.create(factories.create_order("WO-2"), now=START)[0], now=START
        )
        await uow.commit()
    async with storage.uow.read() as uow:
        assert await uow.orders.get("WO-1") == kept
        assert [o.order_id for o in await uow.orders.needing_attention()] == ["WO-1"]


def checked_call(call_id: str, *, passed: bool, state: ReviewState) -> CheckedCall:
    finding = Finding("opening", passed, "您好，这里是中国电信。", "opening named the company")
    return CheckedCall(
        call_id=call_id,
        order_id="WO-1",
        call_kind="booking",
        recorded_at=START - timedelta(days=1, minutes=int(call_id[-1])),
        checked_at=START - timedelta(days=1),
        booked_start=START,
        booked_end=START + timedelta(hours=2),
        segments=(
            Segment("dispatcher", 0.0, 3.5, "您好，这里是中国电信。"),
            Segment(None, 4, 6, "喂"),
        ),
        verdict=CallVerdict(
            call_id=call_id,
            findings=(finding,),
            score=100 if passed else 0,
            passed=passed,
            notes=("speakers inferred by rules for 1 of 2 segments",),
            speakers=(Attribution("dispatcher", "greets"), Attribution("customer", "answers")),
        ),
        state=state,
    )


async def test_checked_calls_round_trip_and_reviews_give_the_agreement(storage: Storage) -> None:
    calls = [
        checked_call("CALL-1", passed=False, state=ReviewState.PENDING),
        checked_call("CALL-2", passed=True, state=ReviewState.PENDING),
        checked_call("CALL-3", passed=True, state=ReviewState.NOT_SAMPLED),
    ]
    async with storage.uow() as uow:
        for call in calls:
            await uow.calls.add(call)
        await uow.commit()
    async with storage.uow() as uow:
        for call_id, verdict in (("CALL-1", False), ("CALL-2", False)):
            call = await uow.calls.find(call_id)
            assert call is not None
            await uow.calls.save_review(
                reviewed(call, reviewer="sup-1", passed=verdict, note="", now=START)
            )
        await uow.commit()
    async with storage.uow.read() as uow:
        assert await uow.calls.find("CALL-3") == calls[2]
        assert await uow.calls.list(state=ReviewState.PENDING) == []
        assert [c.call_id for c in await uow.calls.list()] == ["CALL-3", "CALL-2", "CALL-1"]
        agreement = await uow.calls.agreement()
    assert (agreement.reviewed, agreement.both_fail, agreement.checker_only_passed) == (2, 1, 1)
    with pytest.raises(ConcurrencyConflict):
        async with storage.uow() as uow:
            await uow.calls.add(calls[0])
