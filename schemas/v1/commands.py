"""Commands: requests to the hub, named imperatively. Each is consumed from its own queue."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, model_validator

from schemas.v1.common import (
    AccountManager,
    Contact,
    Contract,
    Coordinates,
    InstallAddress,
    Moment,
    NoteText,
    OrderId,
    Phone,
    ReasonText,
    ShortText,
    Technician,
    TechnicianId,
)
from schemas.v1.resources import ResourceAssignment


class CreateWorkOrder(Contract):
    """Open a work order for a new enterprise line (sent by the customer-support system)."""

    order_id: OrderId
    customer_name: ShortText = Field(description="Enterprise customer's registered name")
    contact: Contact = Field(description="On-site contact who receives appointments and links")
    product: ShortText = Field(description="Product, e.g. 数据专线 (leased line), 互联网专线")
    bandwidth_mbps: int = Field(gt=0, le=400_000, description="Ordered bandwidth in Mbit/s")
    install_address: InstallAddress
    account_manager: AccountManager
    resources: ResourceAssignment | None = Field(
        default=None,
        description="The line's resources as the inventory (综资) assigned them (a copy)",
    )


class DispatchWorkOrder(Contract):
    """Assign a work order to a technician for an appointment window (派单)."""

    order_id: OrderId
    technician: Technician
    appointment_start: Moment = Field(description="Start of the booked visit window")
    appointment_end: Moment = Field(description="End of the booked visit window")

    @model_validator(mode="after")
    def _window_is_ordered(self) -> DispatchWorkOrder:
        if self.appointment_end <= self.appointment_start:
            raise ValueError("appointment_end must be after appointment_start")
        return self


class CheckIn(Contract):
    """Record the technician's arrival on site with his GPS position (签到)."""

    order_id: OrderId
    technician_id: TechnicianId
    position: Coordinates = Field(description="Technician's GPS position at check-in")
    at: Moment | None = Field(
        default=None, description="When the phone took the position; the hub's clock if absent"
    )


class CompleteWorkOrder(Contract):
    """The technician reports the installation done (竣工)."""

    order_id: OrderId
    technician_id: TechnicianId
    note: NoteText = Field(default="", description="Free-text note from the technician")


class ArchiveWorkOrder(Contract):
    """Close a completed order for good (归档)."""

    order_id: OrderId
    reason: ReasonText = Field(default="completed", description="Why the order is archived")


class SendSms(Contract):
    """Send one SMS; `sms_id` is the business idempotency key (one text per id, ever).

    A text that carries a secret (a signing link, a one-time code) travels sealed: `sealed_body`
    is its AES-GCM ciphertext under the hub's key, so neither the broker nor the outbox table
    ever holds it in clear; other texts travel as `body`. Exactly one of the two is set.
    """

    sms_id: Annotated[str, Field(min_length=8, max_length=128, description="Idempotency key")]
    to: Phone
    body: Annotated[str | None, Field(min_length=1, max_length=1600)] = Field(
        default=None, description="Text of the SMS, when it carries no secret"
    )
    sealed_body: Annotated[str | None, Field(min_length=16, max_length=4000)] = Field(
        default=None,
        description="The text sealed with the hub's key (`v1.<base64url>`), when it carries a "
        "signing link or a code; only the hub's SMS consumer can open it",
    )
    purpose: ShortText = Field(description="Why it is sent, e.g. dispatch_notice")
    order_id: OrderId | None = Field(default=None, description="Work order it concerns, if any")

    @model_validator(mode="after")
    def _one_text(self) -> SendSms:
        if (self.body is None) == (self.sealed_body is None):
            raise ValueError("exactly one of body and sealed_body must be given")
        return self


class VerifyCheckIn(Contract):
    """Check, when the appointment window has passed, that the technician checked in."""

    order_id: OrderId
