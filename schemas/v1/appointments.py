"""Appointments (预约): booking with a trail, acceptance (接单), same-day confirmation (二次预约)
and rescheduling with a reason (改约).

    BookAppointment ─▶ AppointmentBooked          (dispatcher's outbound call shown as 10000,
                                                   field app, customer link)
    DispatchWorkOrder ─▶ WorkOrderDispatched       (a window the dispatch moves is kept too)
    AcceptWorkOrder ─▶ WorkOrderAccepted           (the technician takes the order)
    ConfirmAppointment ─▶ AppointmentConfirmed     (on the day, with the customer)
    RescheduleAppointment ─▶ AppointmentRescheduled (reason, who asked, old and new window)
    VerifyAcceptance ─▶ AcceptanceOverdue          (timer: not accepted in time)

Every event is a work-order event: one flow-log line (预约 / 接单 / 改约 ...) mirrored to the
work-order system (客保), one message on the bus.
"""

from __future__ import annotations

from datetime import timedelta
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import AfterValidator, AwareDatetime, Field, StringConstraints, model_validator

from schemas.v1.calls import CallId
from schemas.v1.common import (
    Contact,
    Contract,
    Moment,
    OrderId,
    ReasonText,
    TechnicianId,
    single_line,
)
from schemas.v1.events import WorkOrderEvent

MAX_WINDOW = timedelta(hours=12)
"""A visit window longer than this is not an appointment."""

StaffId = Annotated[
    str,
    StringConstraints(min_length=1, max_length=100, strip_whitespace=True),
    AfterValidator(single_line),
    Field(description="Who did it: a staff id or sign-in subject, one visible line"),
]
RecordingRef = Annotated[
    str,
    StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9_./:-]{0,199}$"),
    Field(description="The call platform's reference of the call recording"),
]


class BookingChannel(StrEnum):
    """How the appointment was made."""

    OUTBOUND_CALL = "outbound_call"  # the dispatcher's console, shown to the customer as 10000
    FIELD_APP = "field_app"  # the technician, from i运维
    CUSTOMER_LINK = "customer_link"  # the customer, from the link in the booking SMS
    DISPATCH = "dispatch"  # the window came with the dispatch command (no booking before it)


class RescheduleReason(StrEnum):
    """Why a visit moved (the fixed list every 改约 picks from)."""

    CUSTOMER_REQUEST = "customer_request"
    SITE_NOT_READY = "site_not_ready"
    RESOURCES = "resources"
    EQUIPMENT_ROOM_ACCESS = "equipment_room_access"
    WEATHER = "weather"
    TECHNICIAN_UNAVAILABLE = "technician_unavailable"
    OTHER = "other"


class Requester(StrEnum):
    """Who asked for a reschedule."""

    CUSTOMER = "customer"
    TECHNICIAN = "technician"
    DISPATCHER = "dispatcher"


class _Window(Contract):
    window_start: Moment = Field(description="Start of the booked visit window")
    window_end: Moment = Field(description="End of the booked visit window")

    @model_validator(mode="after")
    def _window_is_ordered(self) -> _Window:
        if self.window_end <= self.window_start:
            raise ValueError("window_end must be after window_start")
        if self.window_end - self.window_start > MAX_WINDOW:
            raise ValueError("a visit window lasts at most 12 hours")
        return self


class BookAppointment(_Window):
    """Book the visit with the customer (预约), before or after dispatch, once per booking."""

    order_id: OrderId
    contact: Contact = Field(
        description="The person the customer says will be on site; SMS and the signing link "
        "go to this contact from now on"
    )
    channel: BookingChannel
    booked_by: StaffId
    call_id: CallId | None = Field(
        default=None, description="The call platform's id, when booked by phone"
    )
    recording_ref: RecordingRef | None = None


class AcceptWorkOrder(Contract):
    """The technician takes the dispatched order (接单)."""

    order_id: OrderId
    technician_id: TechnicianId


class ConfirmAppointment(Contract):
    """On the day, the technician confirmed the visit with the customer (二次预约)."""

    order_id: OrderId
    technician_id: TechnicianId


class SetOffForVisit(Contract):
    """The technician set off for the visit (出发): the customer's page says he is on the way."""

    order_id: OrderId
    technician_id: TechnicianId


class RescheduleAppointment(_Window):
    """Move the visit to another window (改约), with a reason from the fixed list."""

    order_id: OrderId
    reason: RescheduleReason
    reason_text: ReasonText = Field(
        default="", description="Free text; required when the reason is `other`"
    )
    requested_by: Requester
    by: StaffId
    call_id: CallId | None = Field(
        default=None, description="The call platform's id, when the move was agreed by phone"
    )

    @model_validator(mode="after")
    def _other_says_why(self) -> RescheduleAppointment:
        if self.reason is RescheduleReason.OTHER and not self.reason_text:
            raise ValueError("reason `other` needs a reason_text")
        return self


class VerifyAcceptance(Contract):
    """Timer: check that the technician accepted the order in time."""

    order_id: OrderId
    technician_id: TechnicianId


class RemindConfirmation(Contract):
    """Timer: remind the technician to confirm today's visit if he has not."""

    order_id: OrderId
    window_version: int = Field(ge=1, description="The order version that set the window")


class SendVisitLink(Contract):
    """Text the booked contact the window and a link to confirm it or ask for another one."""

    order_id: OrderId
    window_version: int = Field(ge=1, description="The order version that set the window")


CustomerReason = Literal[
    RescheduleReason.CUSTOMER_REQUEST,
    RescheduleReason.SITE_NOT_READY,
    RescheduleReason.EQUIPMENT_ROOM_ACCESS,
    RescheduleReason.OTHER,
]


class AnswerVisit(Contract):
    """The customer's answer on the visit page: the window suits, or please another one.

    Another window is a request for the dispatcher (a pending change), never applied as is.
    """

    order_id: OrderId
    link_id: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_-]{8,64}$")]
    window_version: int = Field(ge=1, description="The window the customer saw")
    answer: Literal["confirm", "change"]
    wanted_start: Moment | None = Field(default=None, description="The window asked for")
    wanted_end: Moment | None = None
    reason: CustomerReason | None = None
    reason_text: ReasonText = ""

    @model_validator(mode="after")
    def _change_says_what(self) -> AnswerVisit:
        if self.answer == "change":
            if self.wanted_start is None or self.wanted_end is None or self.reason is None:
                raise ValueError("a change needs wanted_start, wanted_end and a reason")
            if self.wanted_end <= self.wanted_start:
                raise ValueError("wanted_end must be after wanted_start")
            if self.reason is RescheduleReason.OTHER and not self.reason_text:
                raise ValueError("reason `other` needs a reason_text")
        return self


class AppointmentBooked(WorkOrderEvent):
    """A visit was booked."""

    window_start: AwareDatetime
    window_end: AwareDatetime
    contact: Contact
    channel: BookingChannel
    booked_by: str
    call_id: str | None = None
    recording_ref: str | None = None


class WorkOrderAccepted(WorkOrderEvent):
    """The technician took the order (接单)."""

    technician_id: TechnicianId


class AppointmentConfirmed(WorkOrderEvent):
    """The technician confirmed the visit with the customer on the day (二次预约)."""

    technician_id: TechnicianId
    window_start: AwareDatetime
    window_end: AwareDatetime


class TechnicianOnTheWay(WorkOrderEvent):
    """The technician set off for the visit."""

    technician_id: TechnicianId


class AppointmentRescheduled(WorkOrderEvent):
    """The visit moved to another window (改约)."""

    old_start: AwareDatetime
    old_end: AwareDatetime
    window_start: AwareDatetime
    window_end: AwareDatetime
    reason: RescheduleReason
    reason_text: str = ""
    requested_by: Requester
    by: str
    call_id: str | None = None
    reschedules: int = Field(ge=1, description="How many times this booking has moved")
    flagged: bool = Field(description="True once the count reaches the supervisor's threshold")


class VisitConfirmedByCustomer(WorkOrderEvent):
    """The customer confirmed the booked window from the visit link."""

    window_start: AwareDatetime
    window_end: AwareDatetime


class RescheduleRequested(WorkOrderEvent):
    """The customer asked for another window from the visit link; the dispatcher decides."""

    window_start: AwareDatetime = Field(description="The booked window")
    window_end: AwareDatetime
    wanted_start: AwareDatetime
    wanted_end: AwareDatetime
    reason: RescheduleReason
    reason_text: str = ""


class AcceptanceOverdue(WorkOrderEvent):
    """The technician did not accept the dispatched order in time."""

    technician_id: TechnicianId
