"""Appointments through the command table: booking with a trail, acceptance, same-day
confirmation, rescheduling with reasons, punctuality (履约) — over the fakes, on a fixed day.

The clock stands on Sunday 2026-12-06 10:00 in Shanghai; the visit is booked for Monday
14:00–16:00 there (06:00–08:00 UTC), so every text must print Shanghai time.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from hub.domain.appointment import AppointmentChange, ChangeKind, WindowRefused
from hub.domain.errors import NotAssigned
from hub.domain.signing import LinkStatus, token_digest
from hub.errors import IllegalTransition
from hub.handlers.timer_kinds import ACCEPTANCE_DEADLINE, CHECK_IN_DEADLINE, CONFIRMATION_REMINDER
from hub.ports import TimerStatus
from schemas.v1 import (
    AcceptanceOverdue,
    AcceptWorkOrder,
    AnswerVisit,
    AppointmentRescheduled,
    BookAppointment,
    BookingChannel,
    ConfirmAppointment,
    Contact,
    DispatchWorkOrder,
    FlowLogEntry,
    Punctuality,
    Requester,
    RescheduleAppointment,
    RescheduleReason,
    ReturnWorkOrder,
    SendSms,
    SetOffForVisit,
    Technician,
)
from tests import factories
from tests.handlers.harness import FakeHub
from tests.handlers.signing_steps import last_token, open_link, text_of, texts

NOW = datetime(2026, 12, 6, 2, 0, tzinfo=UTC)  # Sunday 10:00 in Shanghai
MONDAY_2PM = datetime(2026, 12, 7, 6, 0, tzinfo=UTC)  # Monday 14:00 in Shanghai
SITE_CONTACT = Contact(name="赵敏", phone="+8613900001111")


@pytest.fixture
def hub(hub: FakeHub) -> FakeHub:
    hub.clock.now = NOW
    return hub


def book(order_id: str = "WO-1", *, start: datetime = MONDAY_2PM) -> BookAppointment:
    return BookAppointment(
        order_id=order_id,
        window_start=start,
        window_end=start + timedelta(hours=2),
        contact=SITE_CONTACT,
        channel=BookingChannel.OUTBOUND_CALL,
        booked_by="D007",
        call_id="CALL-42",
        recording_ref="rec/2026/12/CALL-42.wav",
    )


def dispatch(order_id: str = "WO-1", *, start: datetime = MONDAY_2PM) -> DispatchWorkOrder:
    return DispatchWorkOrder(
        order_id=order_id,
        technician=factories.technician().model_copy(update={"team": "黄浦一班"}),
        appointment_start=start,
        appointment_end=start + timedelta(hours=2),
    )


def reschedule(
    order_id: str = "WO-1",
    *,
    start: datetime,
    by: str = "D007",
    requested_by: Requester = Requester.CUSTOMER,
    reason: RescheduleReason = RescheduleReason.CUSTOMER_REQUEST,
) -> RescheduleAppointment:
    return RescheduleAppointment(
        order_id=order_id,
        window_start=start,
        window_end=start + timedelta(hours=2),
        reason=reason,
        requested_by=requested_by,
        by=by,
    )


async def booked_and_dispatched(hub: FakeHub, order_id: str = "WO-1") -> None:
    await hub.created(order_id)
    await hub.run(book(order_id))
    await hub.run(dispatch(order_id))


def timers(hub: FakeHub, kind: str) -> list[tuple[datetime, TimerStatus]]:
    return sorted((t.due_at, t.status) for t in hub.tables.timers.values() if t.kind == kind)


def lines(hub: FakeHub) -> list[str]:
    return [e.summary for e in hub.tables.published(FlowLogEntry)]


async def test_a_booking_keeps_its_trail_and_prints_shanghai_time(hub: FakeHub) -> None:
    await hub.created()
    await hub.run(book())
    [line] = await _history(hub)
    assert (line.kind, line.by, line.channel) == (ChangeKind.BOOKED, "D007", "outbound_call")
    assert (line.contact, line.call_id) == (SITE_CONTACT, "CALL-42")
    assert line.recording_ref == "rec/2026/12/CALL-42.wav"
    assert lines(hub)[-1] == "预约上门 2026-12-07 14:00–16:00（10000 外呼）"
    assert "赵敏" not in lines(hub)[-1] and SITE_CONTACT.phone not in lines(hub)[-1]
    await hub.deliver()
    assert "预约上门 2026-12-07 14:00–16:00（10000 外呼）" in [
        e.summary for e in hub.support.flow_log.values()
    ]  # mirrored to 客保


async def test_dispatch_of_the_booked_window_adds_no_line_and_texts_local_time(
    hub: FakeHub,
) -> None:
    await booked_and_dispatched(hub)
    assert [c.kind for c in await _history(hub)] == [ChangeKind.BOOKED]
    [notice] = hub.tables.published(SendSms)
    assert "12-07 14:00–16:00" in (notice.body or "")
    assert timers(hub, ACCEPTANCE_DEADLINE) == [(NOW + timedelta(minutes=30), TimerStatus.PENDING)]
    # 09:00 on the day in Shanghai is 01:00 UTC
    assert timers(hub, CONFIRMATION_REMINDER) == [
        (datetime(2026, 12, 7, 1, 0, tzinfo=UTC), TimerStatus.PENDING)
    ]


async def test_a_dispatch_without_a_booking_books_the_window_for_the_order_contact(
    hub: FakeHub,
) -> None:
    order = await hub.created()
    await hub.run(dispatch())
    [line] = await _history(hub)
    assert (line.kind, line.channel, line.contact) == (
        ChangeKind.DISPATCHED,
        BookingChannel.DISPATCH,
        order.contact,
    )


async def test_a_re_dispatch_that_moves_the_window_is_kept_not_overwritten(hub: FakeHub) -> None:
    await booked_and_dispatched(hub)
    await hub.run(dispatch(start=MONDAY_2PM + timedelta(hours=1)))
    history = await _history(hub)
    assert [c.kind for c in history] == [ChangeKind.BOOKED, ChangeKind.DISPATCHED]
    assert [c.window_start for c in history] == [MONDAY_2PM, MONDAY_2PM + timedelta(hours=1)]


async def test_acceptance_stops_the_deadline_and_a_second_tap_changes_nothing(
    hub: FakeHub,
) -> None:
    await booked_and_dispatched(hub)
    await hub.run(AcceptWorkOrder(order_id="WO-1", technician_id="T001"))
    version = hub.order("WO-1").version
    await hub.run(AcceptWorkOrder(order_id="WO-1", technician_id="T001"))
    assert hub.order("WO-1").version == version
    assert hub.order("WO-1").accepted_at == NOW
    assert timers(hub, ACCEPTANCE_DEADLINE) == [
        (NOW + timedelta(minutes=30), TimerStatus.CANCELLED)
    ]
    assert lines(hub).count("装维人员接单") == 1


async def test_only_the_technician_dispatched_to_may_accept(hub: FakeHub) -> None:
    await booked_and_dispatched(hub)
    with pytest.raises(NotAssigned):
        await hub.run(AcceptWorkOrder(order_id="WO-1", technician_id="T999"))


async def test_an_order_not_accepted_in_time_goes_on_the_dispatchers_list(hub: FakeHub) -> None:
    await booked_and_dispatched(hub)
    hub.clock.advance(timedelta(minutes=31))
    assert await hub.fire_timers() == 1
    await hub.deliver()
    [overdue] = hub.tables.published(AcceptanceOverdue)
    assert overdue.technician_id == "T001"
    async with hub.uow.read() as uow:
        assert [o.order_id for o in await uow.orders.needing_attention()] == ["WO-1"]
    assert "装维人员 T001 未按时接单，已提醒调度" in [
        e.summary for e in hub.support.flow_log.values()
    ]
    await hub.run(AcceptWorkOrder(order_id="WO-1", technician_id="T001"))
    async with hub.uow.read() as uow:
        assert await uow.orders.needing_attention() == []  # accepted late: off the list


async def test_confirmation_needs_acceptance_and_stops_the_reminder(hub: FakeHub) -> None:
    await booked_and_dispatched(hub)
    confirm = ConfirmAppointment(order_id="WO-1", technician_id="T001")
    with pytest.raises(IllegalTransition, match="accept"):
        await hub.run(confirm)
    await hub.run(AcceptWorkOrder(order_id="WO-1", technician_id="T001"))
    await hub.run(confirm)
    assert hub.order("WO-1").appointment.confirmed_at == NOW  # type: ignore[union-attr]
    assert [s for _, s in timers(hub, CONFIRMATION_REMINDER)] == [TimerStatus.CANCELLED]
    assert [c.kind for c in await _history(hub)][-1] is ChangeKind.CONFIRMED
    assert lines(hub)[-1] == "二次预约：与客户确认上门 2026-12-07 14:00–16:00"


async def test_an_unconfirmed_visit_reminds_the_technician_once_on_the_day(hub: FakeHub) -> None:
    await booked_and_dispatched(hub)
    await hub.run(AcceptWorkOrder(order_id="WO-1", technician_id="T001"))
    hub.clock.now = datetime(2026, 12, 7, 1, 0, tzinfo=UTC)
    assert await hub.fire_timers() == 1
    await hub.deliver()
    reminders = [s for s in hub.tables.published(SendSms) if s.purpose == "confirmation_reminder"]
    assert len(reminders) == 1
    assert reminders[0].to == factories.technician().phone
    assert "今日上门 12-07 14:00–16:00 尚未二次预约" in (reminders[0].body or "")
    assert [s.sms_id for s in hub.sms.to(factories.technician().phone)].count(
        reminders[0].sms_id
    ) == 1


async def test_a_reschedule_keeps_reason_and_windows_and_moves_the_check_in_deadline(
    hub: FakeHub,
) -> None:
    await booked_and_dispatched(hub)
    tuesday = MONDAY_2PM + timedelta(days=1)
    await hub.run(reschedule(start=tuesday, reason=RescheduleReason.SITE_NOT_READY))
    *_, moved = await _history(hub)
    assert (moved.kind, moved.reason, moved.requested_by) == (
        ChangeKind.RESCHEDULED,
        RescheduleReason.SITE_NOT_READY,
        Requester.CUSTOMER,
    )
    assert (moved.window_start, moved.reschedules, moved.by) == (tuesday, 1, "D007")
    assert timers(hub, CHECK_IN_DEADLINE) == [
        (MONDAY_2PM + timedelta(hours=2), TimerStatus.CANCELLED),
        (tuesday + timedelta(hours=2), TimerStatus.PENDING),
    ]
    assert lines(hub)[-1] == (
        "改约（第 1 次，客户提出，现场未具备条件）：2026-12-07 14:00–16:00 → 2026-12-08 14:00–16:00"
    )
    [notice] = [s for s in hub.tables.published(SendSms) if s.purpose == "reschedule_notice"]
    assert notice.to == factories.technician().phone
    assert "新的上门时段 12-08 14:00–16:00" in (notice.body or "")


async def test_the_third_reschedule_flags_the_order_for_the_supervisor(hub: FakeHub) -> None:
    await booked_and_dispatched(hub)
    for day in (1, 2, 3):
        await hub.run(reschedule(start=MONDAY_2PM + timedelta(days=day)))
    [*_, third] = hub.tables.published(AppointmentRescheduled)
    assert (third.reschedules, third.flagged) == (3, True)
    assert lines(hub)[-1].endswith("，已提交主管")
    async with hub.uow.read() as uow:
        assert [o.order_id for o in await uow.orders.needing_attention()] == ["WO-1"]


@pytest.mark.parametrize(
    ("start", "why"),
    [
        (NOW - timedelta(hours=1), "in the future"),
        (datetime(2026, 12, 7, 13, 0, tzinfo=UTC), "working hours"),  # 21:00 in Shanghai
        (datetime(2026, 12, 7, 11, 30, tzinfo=UTC), "working hours"),  # ends 21:30
    ],
)
async def test_a_window_in_the_past_or_after_hours_is_refused(
    hub: FakeHub, start: datetime, why: str
) -> None:
    await booked_and_dispatched(hub)
    version = hub.order("WO-1").version
    with pytest.raises(WindowRefused, match=why):
        await hub.run(reschedule(start=start))
    assert hub.order("WO-1").version == version


async def test_no_reschedule_after_check_in(hub: FakeHub) -> None:
    await booked_and_dispatched(hub)
    await hub.run(factories.check_in("WO-1"))
    with pytest.raises(IllegalTransition, match="after check-in"):
        await hub.run(reschedule(start=MONDAY_2PM + timedelta(days=1)))


async def test_a_technician_may_move_only_his_own_visit(hub: FakeHub) -> None:
    await booked_and_dispatched(hub)
    with pytest.raises(NotAssigned):
        await hub.run(
            reschedule(
                start=MONDAY_2PM + timedelta(days=1),
                by="T999",
                requested_by=Requester.TECHNICIAN,
                reason=RescheduleReason.TECHNICIAN_UNAVAILABLE,
            )
        )
    await hub.run(
        reschedule(
            start=MONDAY_2PM + timedelta(days=1),
            by="T001",
            requested_by=Requester.TECHNICIAN,
            reason=RescheduleReason.TECHNICIAN_UNAVAILABLE,
        )
    )
    # he moved it himself: no SMS tells him what he already knows
    assert not [s for s in hub.tables.published(SendSms) if s.purpose == "reschedule_notice"]


async def test_booking_twice_asks_for_a_reschedule(hub: FakeHub) -> None:
    await hub.created()
    await hub.run(book())
    with pytest.raises(IllegalTransition, match="reschedule"):
        await hub.run(book(start=MONDAY_2PM + timedelta(days=1)))


async def test_check_ins_give_punctuality_and_the_monthly_figure(hub: FakeHub) -> None:
    # WO-1 on time; WO-2 missed, then kept 25 minutes late; WO-3 by another team, missed
    for order_id in ("WO-1", "WO-2", "WO-3"):
        await booked_and_dispatched(hub, order_id)
    other = Technician(id="T002", name="刘洋", phone="+8613911112222", team="浦东二班")
    await hub.run(dispatch("WO-3").model_copy(update={"technician": other}))
    hub.clock.now = MONDAY_2PM + timedelta(minutes=30)
    await hub.run(factories.check_in("WO-1"))
    hub.clock.now = MONDAY_2PM + timedelta(hours=2, minutes=1)
    await hub.fire_timers()
    await hub.deliver()
    hub.clock.now = MONDAY_2PM + timedelta(hours=2, minutes=25)
    await hub.run(factories.check_in("WO-2"))
    assert (hub.order("WO-1").punctuality, hub.order("WO-1").minutes_late) == (
        Punctuality.ON_TIME,
        0,
    )
    assert (hub.order("WO-2").punctuality, hub.order("WO-2").minutes_late) == (
        Punctuality.LATE,
        25,
    )
    assert hub.order("WO-3").punctuality is Punctuality.MISSED
    assert lines(hub)[-1].endswith("，超出预约时段 25 分钟")
    async with hub.uow.read() as uow:
        by_tech = await uow.appointments.punctuality(month="2026-12", by="technician")
        by_team = await uow.appointments.punctuality(month="2026-12", by="team")
        assert await uow.appointments.punctuality(month="2026-11", by="team") == []
    assert [(f.key, f.due, f.on_time, f.late, f.missed) for f in by_tech] == [
        ("T001", 2, 1, 1, 0),
        ("T002", 1, 0, 0, 1),
    ]
    assert [(f.key, round(f.rate, 2)) for f in by_team] == [("浦东二班", 0.0), ("黄浦一班", 0.5)]


async def _history(hub: FakeHub, order_id: str = "WO-1") -> list[AppointmentChange]:
    async with hub.uow.read() as uow:
        return await uow.appointments.history(order_id)


async def test_the_signing_link_goes_to_the_last_booked_contact(hub: FakeHub) -> None:
    await booked_and_dispatched(hub)
    hub.clock.now = MONDAY_2PM
    await hub.run(factories.check_in("WO-1"))
    await hub.use_cases.signing.send_link("WO-1")
    assert [s.to for s in texts(hub, "signing_link")] == [SITE_CONTACT.phone]


async def test_booking_another_contact_revokes_links_sent_to_the_old_number(hub: FakeHub) -> None:
    await booked_and_dispatched(hub)
    hub.clock.now = MONDAY_2PM
    await hub.run(factories.check_in("WO-1"))
    await hub.use_cases.signing.send_link("WO-1")
    old_token = last_token(hub)
    await hub.run(ReturnWorkOrder(order_id="WO-1", technician_id="T001", reason="光箱满"))
    other = Contact(name="钱进", phone="+8613900002222")
    await hub.run(book(start=MONDAY_2PM + timedelta(days=1)).model_copy(update={"contact": other}))
    link = await open_link(hub, old_token)
    assert link.status is LinkStatus.REVOKED
    async with hub.uow.read() as uow:
        trail = await uow.signing.audit_trail("WO-1")
    assert [e.kind for e in trail][-1] == "link_revoked"


def visit_token(hub: FakeHub, window_version: int) -> str:
    [sms] = [
        s for s in texts(hub, "visit_link") if s.sms_id == f"visit-link:WO-1:v{window_version}"
    ]
    assert sms.body is None  # the link travels sealed, like a signing link
    return text_of(hub, sms).rsplit("/v/", 1)[1]


async def test_a_booking_texts_the_booked_contact_a_link_to_the_visit(hub: FakeHub) -> None:
    await hub.created()
    await hub.run(book())
    await hub.deliver()
    [sms] = texts(hub, "visit_link")
    assert sms.to == SITE_CONTACT.phone
    assert "已预约上门 12-07 14:00–16:00" in text_of(hub, sms)
    token = visit_token(hub, hub.order("WO-1").version)
    async with hub.uow.read() as uow:
        link = await uow.visit_links.by_token(token_digest(token))
    assert link is not None and link.open_at(NOW)
    assert link.expires_at == MONDAY_2PM + timedelta(hours=2, days=14)


async def test_a_move_texts_a_new_link_and_the_old_one_stops(hub: FakeHub) -> None:
    await booked_and_dispatched(hub)
    await hub.deliver()
    old = visit_token(hub, 2)
    await hub.run(reschedule(start=MONDAY_2PM + timedelta(days=1)))
    await hub.deliver()
    new = visit_token(hub, hub.order("WO-1").appointment.window_version)  # type: ignore[union-attr]
    async with hub.uow.read() as uow:
        old_link = await uow.visit_links.by_token(token_digest(old))
        new_link = await uow.visit_links.by_token(token_digest(new))
    assert old_link is not None and old_link.revoked
    assert new_link is not None and new_link.open_at(NOW)


async def test_the_customer_confirms_once_and_the_dispatcher_sees_it(hub: FakeHub) -> None:
    await booked_and_dispatched(hub)
    answer = AnswerVisit(order_id="WO-1", link_id="link-0001", window_version=2, answer="confirm")
    await hub.run(answer)
    await hub.run(answer.model_copy())  # pressed twice, another message
    assert hub.order("WO-1").appointment.customer_confirmed_at == NOW  # type: ignore[union-attr]
    assert lines(hub).count("客户确认预约时段 2026-12-07 14:00–16:00") == 1


async def test_a_customers_request_for_another_window_waits_for_the_dispatcher(
    hub: FakeHub,
) -> None:
    await booked_and_dispatched(hub)
    wanted = MONDAY_2PM + timedelta(days=2)
    await hub.run(
        AnswerVisit(
            order_id="WO-1",
            link_id="link-0001",
            window_version=2,
            answer="change",
            wanted_start=wanted,
            wanted_end=wanted + timedelta(hours=3),
            reason=RescheduleReason.SITE_NOT_READY,
            reason_text="机房装修",
        )
    )
    assert (hub.order("WO-1").appointment_start, hub.order("WO-1").version) == (MONDAY_2PM, 4)
    assert lines(hub)[-1] == (
        "客户申请改约（现场未具备条件：机房装修）：希望 2026-12-09 14:00–17:00，待调度处理"
    )
    async with hub.uow.read() as uow:
        assert [o.order_id for o in await uow.orders.needing_attention()] == ["WO-1"]
    await hub.run(reschedule(start=wanted, reason=RescheduleReason.SITE_NOT_READY))
    assert hub.order("WO-1").appointment.pending_request is None  # type: ignore[union-attr]
    async with hub.uow.read() as uow:
        assert await uow.orders.needing_attention() == []


async def test_an_answer_to_a_window_that_moved_is_refused(hub: FakeHub) -> None:
    await booked_and_dispatched(hub)
    await hub.run(reschedule(start=MONDAY_2PM + timedelta(days=1)))
    stale = AnswerVisit(order_id="WO-1", link_id="link-0001", window_version=2, answer="confirm")
    with pytest.raises(IllegalTransition, match="was moved since"):
        await hub.run(stale)


async def test_setting_off_needs_acceptance_and_is_kept_once(hub: FakeHub) -> None:
    await booked_and_dispatched(hub)
    set_off = SetOffForVisit(order_id="WO-1", technician_id="T001")
    with pytest.raises(IllegalTransition, match="accept"):
        await hub.run(set_off)
    await hub.run(AcceptWorkOrder(order_id="WO-1", technician_id="T001"))
    await hub.run(set_off)
    await hub.run(set_off.model_copy())
    assert hub.order("WO-1").appointment.set_off_at == NOW  # type: ignore[union-attr]
    assert lines(hub).count("装维人员已出发") == 1
    with pytest.raises(NotAssigned):
        await hub.run(SetOffForVisit(order_id="WO-1", technician_id="T999"))
