"""An order's appointment (预约) and the rules a window must keep: pure values, no I/O.

The window itself is the order's `appointment_start`/`appointment_end`; `Appointment` holds
who booked it, how, for which contact, how often it moved and whether the technician
confirmed it on the day. The commands that change it are decided in `hub.domain.booking`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from hub.domain.errors import InvalidInput
from schemas.v1 import Contact
from schemas.v1.appointments import BookingChannel, Requester, RescheduleReason
from schemas.v1.events import Punctuality

SHANGHAI = ZoneInfo("Asia/Shanghai")


class WindowRefused(InvalidInput):
    """A visit window breaks a booking rule (in the past, outside working hours)."""


@dataclass(frozen=True, slots=True)
class AppointmentPolicy:
    """The booking rules from settings."""

    zone: ZoneInfo = SHANGHAI
    opens: time = time(8, 0)  # local time a visit may start from
    closes: time = time(20, 0)  # local time a visit must end by
    flag_at: int = 3  # this many reschedules of one booking go to the supervisor
    accept_within: timedelta = timedelta(minutes=30)  # 接单 deadline after dispatch
    confirm_by: time = time(9, 0)  # local time on the day the visit should be confirmed by

    def require_bookable(self, start: datetime, end: datetime, *, now: datetime) -> None:
        """Raise `WindowRefused` unless the window lies ahead and within one working day."""
        if start <= now:
            raise WindowRefused("the new window must start in the future")
        local_start, local_end = start.astimezone(self.zone), end.astimezone(self.zone)
        if local_start.date() != local_end.date():
            raise WindowRefused("a visit window must start and end on the same day")
        if local_start.time() < self.opens or local_end.time() > self.closes:
            raise WindowRefused(
                f"a visit window must lie within working hours, {self.opens:%H:%M}–"
                f"{self.closes:%H:%M} ({self.zone.key})"
            )

    def month_of(self, moment: datetime) -> str:
        """The month a moment falls in, where people work: `2026-12`."""
        return f"{moment.astimezone(self.zone):%Y-%m}"

    def reminder_due(self, start: datetime) -> datetime:
        """When to remind a technician who has not confirmed: `confirm_by` on the day of the
        visit, or an hour before it starts if that is earlier."""
        local = start.astimezone(self.zone)
        by = datetime.combine(local.date(), self.confirm_by, tzinfo=self.zone)
        return min(by, start - timedelta(hours=1))


@dataclass(frozen=True, slots=True)
class PendingRequest:
    """Another window the customer asked for from the visit link, waiting for the dispatcher."""

    wanted_start: datetime
    wanted_end: datetime
    reason: RescheduleReason
    reason_text: str
    at: datetime


@dataclass(frozen=True, slots=True)
class Appointment:
    """Who booked the order's current window, and what happened to it since."""

    contact: Contact
    channel: BookingChannel
    booked_by: str
    booked_at: datetime
    window_version: int  # the order version that set the current window (a visit's key)
    reschedules: int = 0
    flagged: bool = False  # reached the policy's reschedule count: the supervisor looks at it
    confirmed_at: datetime | None = None
    call_id: str | None = None
    recording_ref: str | None = None
    customer_confirmed_at: datetime | None = None  # the customer confirmed from the link
    pending_request: PendingRequest | None = None  # the customer asked for another window
    set_off_at: datetime | None = None  # the technician set off for this window (出发)


def punctuality(end: datetime | None, at: datetime) -> tuple[Punctuality | None, int]:
    """How a check-in at `at` kept a window ending at `end`: on time, or late by whole minutes."""
    if end is None:
        return None, 0
    if at <= end:
        return Punctuality.ON_TIME, 0
    return Punctuality.LATE, math.ceil((at - end).total_seconds() / 60)


class ChangeKind(StrEnum):
    """What a line of the appointment history records."""

    BOOKED = "booked"
    DISPATCHED = "dispatched"  # the dispatch set or moved the window
    RESCHEDULED = "rescheduled"
    CONFIRMED = "confirmed"


@dataclass(frozen=True, slots=True)
class AppointmentChange:
    """One line of an order's appointment history (预约留痕)."""

    order_id: str
    version: int  # the order version the change produced
    at: datetime
    kind: ChangeKind
    window_start: datetime
    window_end: datetime
    by: str
    contact: Contact
    channel: BookingChannel
    requested_by: Requester | None = None
    reason: RescheduleReason | None = None
    reason_text: str = ""
    reschedules: int = 0
    call_id: str | None = None
    recording_ref: str | None = None


@dataclass(frozen=True, slots=True)
class Visit:
    """A booked window that fell due and how it was kept: the facts behind 履约率."""

    order_id: str
    window_version: int  # the order version that set the window
    technician_id: str
    team: str | None
    month: str  # `2026-12`: the month of the window's start, in the policy's zone
    window_start: datetime
    window_end: datetime
    outcome: Punctuality
    minutes_late: int = 0
    checked_in_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class PunctualityFigure:
    """履约率 of one technician or team in one month: visits on time ÷ visits due."""

    month: str
    key: str  # a technician id or a team name
    due: int
    on_time: int
    late: int
    missed: int

    @property
    def rate(self) -> float:
        return self.on_time / self.due if self.due else 0.0
