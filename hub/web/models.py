"""Request bodies and response documents of the HTTP API."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field, model_validator

from hub.domain.work_order import Status, WorkOrder
from hub.web.appointment_models import AppointmentState
from schemas.v1 import (
    AccountManager,
    Contact,
    Coordinates,
    FlowLogEntry,
    InstallAddress,
    Technician,
)
from schemas.v1.common import Contract, Moment, NoteText, OrderId, ReasonText

# --- requests ---------------------------------------------------------------------------------


class CheckInRequest(Contract):
    """The technician's arrival on site (签到)."""

    position: Coordinates = Field(description="The phone's GPS position (WGS-84)")
    at: Moment | None = Field(
        default=None, description="When the phone took the position; the hub's clock if absent"
    )


class CompleteRequest(Contract):
    """The technician reports the installation done (竣工)."""

    note: NoteText = Field(default="", description="Free-text note from the technician")


class DispatchRequest(Contract):
    """Assign the order to a technician for an appointment window (派单)."""

    order_id: OrderId | None = Field(
        default=None, description="Optional; if given it must equal the order id in the path"
    )
    technician: Technician
    appointment_start: Moment = Field(description="Start of the booked visit window")
    appointment_end: Moment = Field(description="End of the booked visit window")

    @model_validator(mode="after")
    def _window_is_ordered(self) -> DispatchRequest:
        if self.appointment_end <= self.appointment_start:
            raise ValueError("appointment_end must be after appointment_start")
        return self


class ArchiveRequest(Contract):
    """Close a completed order for good (归档)."""

    order_id: OrderId | None = Field(
        default=None, description="Optional; if given it must equal the order id in the path"
    )
    reason: ReasonText = Field(default="completed", description="Why the order is archived")


# --- responses --------------------------------------------------------------------------------


class Problem(BaseModel):
    """An error: one readable sentence."""

    detail: str = Field(description="What went wrong, in one sentence")


Responses = dict[int | str, dict[str, Any]]


def problem_response(code: int, description: str) -> Responses:
    """An OpenAPI `responses` entry for an error answered with a `Problem` body."""
    return {code: {"model": Problem, "description": description}}


class FieldProblem(BaseModel):
    field: str = Field(description="Dotted path of the offending field, e.g. position.lat")
    message: str = Field(description="Why the value was refused (the value is never echoed)")


class ValidationProblem(Problem):
    """A request whose body, path, query or headers did not validate."""

    errors: list[FieldProblem]


class OrderState(BaseModel):
    """Where an order stands after a request."""

    order_id: str
    status: Status


class CheckInResult(OrderState):
    """The outcome of a check-in: how far the technician was from the install address."""

    distance_m: float = Field(description="Distance in metres to the install address")
    within_radius: bool = Field(description="Whether distance_m <= radius_m")
    radius_m: float = Field(description="Configured check-in radius in metres")
    checked_in_at: datetime = Field(description="When the check-in happened (UTC)")


class AppointmentWindow(BaseModel):
    start: datetime
    end: datetime


class OrderSummary(BaseModel):
    """One line of a technician's order list."""

    order_id: str
    status: Status
    customer_name: str
    product: str
    bandwidth_mbps: int
    address: InstallAddress
    appointment: AppointmentWindow | None = Field(
        description="Booked visit window, once dispatched"
    )

    @classmethod
    def of(cls, order: WorkOrder) -> OrderSummary:
        return cls(**_summary_fields(order))


class CheckInView(BaseModel):
    at: datetime
    position: Coordinates
    distance_m: float
    within_radius: bool


class OrderDetail(OrderSummary):
    """An order with its contacts, progress and full flow log (流水)."""

    version: int = Field(description="Counts committed changes (optimistic lock)")
    contact: Contact
    account_manager: AccountManager
    technician: Technician | None
    check_in: CheckInView | None
    completed_at: datetime | None
    archived_at: datetime | None
    booking: AppointmentState | None = Field(
        default=None,
        description="The booked visit: the contact to call, acceptance, confirmation, "
        "reschedules and punctuality (see the appointments API)",
    )
    flow_log: list[FlowLogEntry]

    @classmethod
    def of_order(cls, order: WorkOrder, flow_log: list[FlowLogEntry]) -> OrderDetail:
        record = order.check_in
        check_in = None
        if record is not None:
            check_in = CheckInView(
                at=record.at,
                position=Coordinates(lat=record.lat, lon=record.lon),
                distance_m=record.distance_m,
                within_radius=record.within_radius,
            )
        return cls(
            **_summary_fields(order),
            version=order.version,
            contact=order.details.contact,
            account_manager=order.details.account_manager,
            technician=order.technician,
            check_in=check_in,
            completed_at=order.completed_at,
            archived_at=order.archived_at,
            booking=AppointmentState.of(order) if order.appointment else None,
            flow_log=flow_log,
        )


def _summary_fields(order: WorkOrder) -> dict[str, Any]:
    details = order.details
    window = None
    if order.appointment_start is not None and order.appointment_end is not None:
        window = AppointmentWindow(start=order.appointment_start, end=order.appointment_end)
    return {
        "order_id": order.order_id,
        "status": order.status,
        "customer_name": details.customer_name,
        "product": details.product,
        "bandwidth_mbps": details.bandwidth_mbps,
        "address": details.install_address,
        "appointment": window,
    }
