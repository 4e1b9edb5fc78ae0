"""Events: facts the hub publishes, named in the past tense."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Literal

from pydantic import AwareDatetime, Field

from schemas.v1.commands import CreateWorkOrder
from schemas.v1.common import Contract, Coordinates, OrderId, Technician, TechnicianId


class Punctuality(StrEnum):
    """How a check-in kept the booked window (履约)."""

    ON_TIME = "on_time"  # checked in before the window ended
    LATE = "late"  # checked in after the window ended
    MISSED = "missed"  # the window ended with no check-in (so far)


class WorkOrderEvent(Contract):
    """Fields every work-order event carries."""

    order_id: OrderId
    version: int = Field(ge=1, description="Order version after this change (optimistic lock)")
    occurred_at: AwareDatetime = Field(description="When the change happened (UTC)")


class WorkOrderCreated(WorkOrderEvent):
    """A work order was opened."""

    order: CreateWorkOrder = Field(description="The order as it was created")
    reissued_from: OrderId | None = Field(
        default=None,
        description="The archived order this one replaces after an on-site fix, if any",
    )


class WorkOrderDispatched(WorkOrderEvent):
    """A work order was assigned to a technician."""

    technician: Technician
    appointment_start: AwareDatetime
    appointment_end: AwareDatetime


class TechnicianCheckedIn(WorkOrderEvent):
    """The technician checked in on site."""

    technician_id: TechnicianId
    position: Coordinates
    distance_m: float = Field(ge=0, description="Distance in metres to the install address")
    radius_m: float = Field(gt=0, description="Configured check-in radius in metres")
    within_radius: bool = Field(description="Whether distance_m <= radius_m")
    punctuality: Punctuality | None = Field(
        default=None, description="Against the booked window; null for orders without one"
    )
    minutes_late: int = Field(
        default=0, ge=0, description="Whole minutes after the window's end (0 when on time)"
    )


class WorkOrderCompleted(WorkOrderEvent):
    """The technician reported the installation done."""

    technician_id: TechnicianId
    note: Annotated[str, Field(max_length=2000)] = ""


class WorkOrderArchived(WorkOrderEvent):
    """The work order was archived; no further steps are possible."""

    reason: str = Field(max_length=200)


class CheckInOverdue(WorkOrderEvent):
    """The appointment window ended without a check-in."""

    technician_id: TechnicianId
    appointment_end: AwareDatetime


class SmsSent(Contract):
    """An SMS was handed to the provider."""

    sms_id: str = Field(description="Idempotency key of the SendSms command")
    provider: str = Field(description="Provider name: log or twilio")
    provider_message_id: str = Field(description="The provider's id (Twilio MessageSid)")
    order_id: OrderId | None = None
    purpose: str


class SmsWithheld(WorkOrderEvent):
    """An SMS about the order was not sent: a daily limit was reached (see HUB_SMS_LIMIT_*)."""

    purpose: str = Field(max_length=64, description="What the SMS was for, e.g. signing_code")
    limit: Literal["order", "phone", "day"] = Field(
        description="Which limit: `order` (per order and day), `phone` (per number and day), "
        "`day` (all SMS of the hub per day)"
    )
    to: str | None = Field(default=None, description="The number it was for, masked")
