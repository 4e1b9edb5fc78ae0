"""On-site fixes (现场异常处理): fiber swap, optical-box change, return to dispatch, exceptions.

SwapFiber / ChangeOpticalBox ─▶ the inventory validates and applies the change
    ├─▶ WorkOrderReissued (old order archived) + WorkOrderCreated/Dispatched of the new order
    │   ─▶ FiberSwapped / OpticalBoxChanged
    └─▶ FiberSwapRefused / OpticalBoxChangeRefused (with the reason; nothing changed)
ReturnWorkOrder  ─▶ WorkOrderReturned (back to dispatch with its reason, 退单)
ReportException  ─▶ ExceptionReported (SMS to the responsible person at once)
ResolveException ─▶ ExceptionResolved (SMS back to the technician)
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import AfterValidator, Field, StringConstraints

from schemas.v1.common import (
    Contract,
    OrderId,
    Phone,
    ShortText,
    TechnicianId,
    multi_line,
    single_line,
)
from schemas.v1.events import WorkOrderEvent
from schemas.v1.resources import FiberNo, PortNo, ResourceAssignment, ResourceId

ChangeId = Annotated[
    str,
    StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.:-]{7,63}$"),
    Field(description="Client-chosen id of the change (e.g. a UUID); its idempotency key"),
]
ReportId = Annotated[
    str,
    StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.:-]{7,63}$"),
    Field(description="Client-chosen id of the exception report (e.g. a UUID)"),
]
Reason = Annotated[
    str,
    StringConstraints(min_length=1, max_length=200, strip_whitespace=True),
    AfterValidator(single_line),
    Field(description="Why, in one sentence (shown to people, no personal data)"),
]
LongText = Annotated[
    str,
    StringConstraints(min_length=1, max_length=1000, strip_whitespace=True),
    AfterValidator(multi_line),
]
PhotoRef = Annotated[
    str,
    StringConstraints(pattern=r"^(https://[\x21-\x7e]{1,500}|sha256:[0-9a-f]{64})$"),
    Field(description="A photo stored elsewhere: an https URL or sha256:<hex> of an upload"),
]


class ChangeKind(StrEnum):
    FIBER_SWAP = "fiber_swap"
    BOX_CHANGE = "box_change"


class ExceptionType(StrEnum):
    FIBER_FAULT = "fiber_fault"
    BOX_FAULT = "box_fault"
    NO_RESOURCE = "no_resource"
    CUSTOMER_ABSENT = "customer_absent"
    ACCESS_DENIED = "access_denied"
    POWER_OUTAGE = "power_outage"
    EQUIPMENT_FAULT = "equipment_fault"
    OTHER = "other"


class ResponsibleRole(StrEnum):
    DISPATCHER = "dispatcher"
    RESOURCE_TEAM = "resource_team"
    ACCOUNT_MANAGER = "account_manager"
    MAINTENANCE = "maintenance"
    CUSTOMER = "customer"


class ResponsibleParty(Contract):
    """The person who must act on an exception."""

    role: ResponsibleRole = Field(description="Their role for this kind of problem")
    name: ShortText = Field(description="Their name")
    phone: Phone


# --- commands ---------------------------------------------------------------------------------


class SwapFiber(Contract):
    """Move an order to another free fiber of the same cable (同缆改纤) and reissue the order."""

    change_id: ChangeId
    order_id: OrderId
    technician_id: TechnicianId
    fiber_id: ResourceId = Field(description="The fiber picked from the candidates")
    fiber_no: FiberNo


class ChangeOpticalBox(Contract):
    """Move an order to the free box and port found on site (退单更改光箱号) and reissue it."""

    change_id: ChangeId
    order_id: OrderId
    technician_id: TechnicianId
    box_id: ResourceId = Field(description="The optical box the technician found usable")
    port: PortNo


class ReturnWorkOrder(Contract):
    """Send an order back to dispatch (退单) because no usable resource was found on site."""

    order_id: OrderId
    technician_id: TechnicianId
    reason: Reason


class ReportException(Contract):
    """Report a problem on site (异常上报); the responsible person is told by SMS at once."""

    report_id: ReportId
    order_id: OrderId
    technician_id: TechnicianId
    type: ExceptionType = Field(description="What kind of problem it is")
    description: LongText = Field(description="What the technician found")
    photos: list[PhotoRef] = Field(
        default_factory=list, max_length=9, description="Photos of the problem, by reference"
    )
    responsible: ResponsibleParty | None = Field(
        default=None,
        description=(
            "Deprecated and ignored: the hub finds the responsible person in its directory by "
            "exception type and district (`/api/v1/exception-directory`)"
        ),
    )


class ResolveException(Contract):
    """Close an exception report; the technician is told by SMS."""

    report_id: ReportId
    resolved_by: ShortText = Field(description="Who resolved it (name or staff id)")
    resolution: LongText = Field(description="What was done")


# --- events -----------------------------------------------------------------------------------


class WorkOrderReissued(WorkOrderEvent):
    """The order was archived and reissued as a new order with changed resources."""

    reissued_as: OrderId = Field(description="The new order that replaces this one")
    change_id: ChangeId
    change: ChangeKind = Field(description="Which on-site fix caused the reissue")
    technician_id: TechnicianId
    previous: ResourceAssignment = Field(description="The resources before the change")
    resources: ResourceAssignment = Field(description="The resources of the new order")


class WorkOrderReturned(WorkOrderEvent):
    """The order went back to dispatch (退单) with the technician's reason."""

    technician_id: TechnicianId
    reason: Reason


class ExceptionReported(WorkOrderEvent):
    """A technician reported a problem on site."""

    report_id: ReportId
    technician_id: TechnicianId
    type: ExceptionType = Field(description="What kind of problem it is")
    description: LongText = Field(description="What the technician found")
    photos: list[PhotoRef] = Field(description="Photos of the problem, by reference")
    responsible: ResponsibleParty = Field(
        description="Who must act on it, from the hub's directory (by type and district)"
    )


class ExceptionResolved(WorkOrderEvent):
    """An exception report was resolved."""

    report_id: ReportId
    technician_id: TechnicianId
    resolved_by: ShortText = Field(description="Who resolved it")
    resolution: LongText = Field(description="What was done")
    open_for_s: float = Field(ge=0, description="Seconds between the report and its resolution")


class ResourceChangeApplied(Contract):
    """Fields of a change the inventory applied and the hub reissued."""

    change_id: ChangeId
    order_id: OrderId = Field(description="The order that was archived")
    new_order_id: OrderId = Field(description="The order reissued to the technician")
    technician_id: TechnicianId
    previous: ResourceAssignment = Field(description="The resources before the change")
    resources: ResourceAssignment = Field(description="The resources after the change")


class ResourceChangeRefused(Contract):
    """Fields of a change that did not happen: the order and the inventory are unchanged."""

    change_id: ChangeId
    order_id: OrderId
    technician_id: TechnicianId
    code: str = Field(max_length=32, description="Machine-readable reason, e.g. fiber_taken")
    reason: str = Field(max_length=500, description="The reason, for the technician")
    compensated: bool = Field(
        description="True if the inventory had applied it and the hub undid it"
    )


class FiberSwapped(ResourceChangeApplied):
    """A same-cable fiber swap was applied and the order reissued."""


class FiberSwapRefused(ResourceChangeRefused):
    """A fiber swap was refused (or undone); nothing changed."""


class OpticalBoxChanged(ResourceChangeApplied):
    """An optical-box change was applied and the order reissued."""


class OpticalBoxChangeRefused(ResourceChangeRefused):
    """An optical-box change was refused (or undone); nothing changed."""


__all__ = [
    "ChangeKind",
    "ChangeOpticalBox",
    "ExceptionReported",
    "ExceptionResolved",
    "ExceptionType",
    "FiberNo",
    "FiberSwapRefused",
    "FiberSwapped",
    "OpticalBoxChangeRefused",
    "OpticalBoxChanged",
    "PortNo",
    "ReportException",
    "ResolveException",
    "ResourceId",
    "ResponsibleParty",
    "ResponsibleRole",
    "ReturnWorkOrder",
    "SwapFiber",
    "WorkOrderReissued",
    "WorkOrderReturned",
]
