"""Request bodies and responses of the appointment API (预约, 接单, 二次预约, 改约, 履约率)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Literal

from pydantic import BaseModel, Field, model_validator

from hub.domain.appointment import AppointmentChange, ChangeKind, PunctualityFigure
from hub.domain.pii import mask_phone_middle
from hub.domain.work_order import Status, WorkOrder
from schemas.v1 import BookingChannel, Contact, Punctuality, Requester, RescheduleReason
from schemas.v1.appointments import MAX_WINDOW, RecordingRef
from schemas.v1.calls import CallId
from schemas.v1.common import Contract, Moment, ReasonText

# --- requests ---------------------------------------------------------------------------------


class _Window(Contract):
    window_start: Moment = Field(description="Start of the visit window")
    window_end: Moment = Field(description="End of the visit window (same day, ≤ 12 h)")

    @model_validator(mode="after")
    def _window_is_ordered(self) -> _Window:
        if self.window_end <= self.window_start:
            raise ValueError("window_end must be after window_start")
        if self.window_end - self.window_start > MAX_WINDOW:
            raise ValueError(f"a visit window lasts at most {MAX_WINDOW // timedelta(hours=1)} h")
        return self


class BookRequest(_Window):
    """The visit the dispatcher agreed with the customer on the phone (预约)."""

    contact: Contact = Field(description="Who will be on site; SMS and links go to this person")
    channel: Literal[BookingChannel.OUTBOUND_CALL, BookingChannel.CUSTOMER_LINK] = Field(
        default=BookingChannel.OUTBOUND_CALL,
        description="outbound_call: the console's call shown as 10000",
    )
    call_id: CallId | None = None
    recording_ref: RecordingRef | None = None


class RescheduleRequest(_Window):
    """Move the visit (改约): a reason from the fixed list, and who asked."""

    reason: RescheduleReason
    reason_text: ReasonText = Field(default="", description="Required when the reason is other")
    requested_by: Requester = Field(description="Who asked for the move")
    call_id: CallId | None = Field(
        default=None, description="The recorded call the move was agreed in, if by phone"
    )

    @model_validator(mode="after")
    def _other_says_why(self) -> RescheduleRequest:
        if self.reason is RescheduleReason.OTHER and not self.reason_text:
            raise ValueError("reason `other` needs a reason_text")
        return self


class FieldRescheduleRequest(RescheduleRequest):
    """A move the technician reports from the field app: he or the customer asked."""

    requested_by: Literal[Requester.TECHNICIAN, Requester.CUSTOMER] = Field(
        description="technician, or customer when the customer asked him"
    )


# --- responses --------------------------------------------------------------------------------


class AppointmentState(BaseModel):
    """An order's visit as it stands."""

    order_id: str
    status: Status
    window_start: datetime | None
    window_end: datetime | None
    contact: Contact | None = Field(description="The booked on-site contact")
    channel: BookingChannel | None
    reschedules: int
    flagged_for_supervisor: bool
    accepted_at: datetime | None = Field(description="When the technician accepted (接单)")
    acceptance_overdue: bool
    confirmed_at: datetime | None = Field(description="When the visit was confirmed (二次预约)")
    punctuality: Punctuality | None
    minutes_late: int

    @classmethod
    def of(cls, order: WorkOrder, *, mask: bool = False) -> AppointmentState:
        booked = order.appointment
        contact = booked.contact if booked else None
        if contact is not None and mask:
            contact = contact.model_copy(update={"phone": mask_phone_middle(contact.phone)})
        return cls(
            order_id=order.order_id,
            status=order.status,
            window_start=order.appointment_start,
            window_end=order.appointment_end,
            contact=contact,
            channel=booked.channel if booked else None,
            reschedules=booked.reschedules if booked else 0,
            flagged_for_supervisor=booked.flagged if booked else False,
            accepted_at=order.accepted_at,
            acceptance_overdue=order.acceptance_overdue,
            confirmed_at=booked.confirmed_at if booked else None,
            punctuality=order.punctuality,
            minutes_late=order.minutes_late,
        )


class HistoryLine(BaseModel):
    """One booking or change of the visit (预约留痕)."""

    version: int = Field(description="The order version this change produced")
    at: datetime
    kind: ChangeKind
    window_start: datetime
    window_end: datetime
    by: str = Field(description="Staff id of who did it")
    contact: Contact
    channel: BookingChannel
    requested_by: Requester | None
    reason: RescheduleReason | None
    reason_text: str
    reschedules: int
    call_id: str | None
    recording_ref: str | None

    @classmethod
    def of(cls, change: AppointmentChange, *, mask: bool) -> HistoryLine:
        contact = change.contact
        if mask:
            contact = contact.model_copy(update={"phone": mask_phone_middle(contact.phone)})
        return cls(
            version=change.version,
            at=change.at,
            kind=change.kind,
            window_start=change.window_start,
            window_end=change.window_end,
            by=change.by,
            contact=contact,
            channel=change.channel,
            requested_by=change.requested_by,
            reason=change.reason,
            reason_text=change.reason_text,
            reschedules=change.reschedules,
            call_id=change.call_id,
            recording_ref=change.recording_ref,
        )


class PunctualityRow(BaseModel):
    """履约率 of one technician or team in a month."""

    month: str
    key: str = Field(description="Technician id or team name ('' for technicians without one)")
    due: int = Field(description="Visits whose window fell due")
    on_time: int
    late: int
    missed: int
    rate: float = Field(description="on_time ÷ due (履约率)")

    @classmethod
    def of(cls, figure: PunctualityFigure) -> PunctualityRow:
        return cls(
            month=figure.month,
            key=figure.key,
            due=figure.due,
            on_time=figure.on_time,
            late=figure.late,
            missed=figure.missed,
            rate=round(figure.rate, 4),
        )


class AppointmentHistory(BaseModel):
    """An order's visit as it stands and its trail, oldest first."""

    current: AppointmentState
    history: list[HistoryLine]
