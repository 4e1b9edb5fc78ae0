"""Request bodies and response documents of the on-site endpoints (fixes and exceptions)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, Field

from hub.domain.exception_report import ExceptionReport
from hub.domain.resource_change import ChangeState, FiberTarget, ResourceChange
from hub.domain.resources import OpticalBox
from hub.domain.work_order import Status, WorkOrder
from schemas.v1 import (
    ChangeKind,
    ExceptionType,
    FlowLogEntry,
    ResourceAssignment,
    ResponsibleParty,
)
from schemas.v1.common import Contract, ShortText
from schemas.v1.on_site import LongText, PhotoRef, Reason
from schemas.v1.resources import FiberNo, PortNo, ResourceId

# --- requests ---------------------------------------------------------------------------------


class FiberSwapRequest(Contract):
    """The fiber the technician picked from the candidates (同缆改纤)."""

    fiber_id: ResourceId = Field(description="Id of the picked fiber")
    fiber_no: FiberNo


class BoxChangeRequest(Contract):
    """The free optical box and port the technician found on site (更改光箱)."""

    box_id: ResourceId = Field(description="Id of the optical box")
    port: PortNo


class ReturnRequest(Contract):
    """Send the order back to dispatch (退单): no usable resource on site."""

    reason: Reason


class ExceptionRequest(Contract):
    """A problem found on site (异常上报)."""

    type: ExceptionType = Field(description="What kind of problem it is")
    description: LongText = Field(description="What the technician found")
    photos: list[PhotoRef] = Field(default_factory=list, max_length=9, description="Photos")
    responsible: ResponsibleParty | None = Field(
        default=None,
        description="Deprecated and ignored: the hub texts the person its exception directory "
        "names for this type and district",
    )


class ResolveRequest(Contract):
    """How an exception was resolved (the technician gets an SMS)."""

    resolved_by: ShortText | None = Field(
        default=None,
        description="Deprecated and ignored: the resolver is the caller's identity",
        deprecated=True,
    )
    resolution: LongText = Field(description="What was done")


# --- responses --------------------------------------------------------------------------------


class FiberChoice(BaseModel):
    fiber_id: str
    fiber_no: int


class FiberCandidates(BaseModel):
    """The fibers the technician may switch to: only the free ones of the order's cable."""

    order_id: str
    cable_id: str = Field(description="The cable the order runs on")
    current: FiberChoice = Field(description="The order's fiber now")
    candidates: list[FiberChoice] = Field(description="Free fibers of the same cable, by number")


class BoxChoice(BaseModel):
    box_id: str
    name: str
    address: str
    free_ports: list[int]


class BoxCandidates(BaseModel):
    """Optical boxes near the install address with their free ports (help for the report)."""

    order_id: str
    current: ResourceAssignment
    boxes: list[BoxChoice]


class NewOrder(BaseModel):
    """The order reissued to the technician."""

    order_id: str
    status: Status
    resources: ResourceAssignment | None
    appointment_start: datetime | None
    appointment_end: datetime | None


class ChangeView(BaseModel):
    """Where a fiber swap or box change stands.

    `reissued`: done, `new_order` is the technician's new order (HTTP 200). `refused` or
    `compensated`: nothing changed, `detail` says why (HTTP 409). `requested` or
    `compensating`: the inventory is not reachable now; the hub retries (HTTP 202).
    """

    change_id: str
    kind: ChangeKind
    state: ChangeState
    order_id: str
    detail: str | None = Field(description="Why it was refused, or what it is waiting for")
    code: str | None = Field(description="Machine-readable refusal code, e.g. fiber_taken")
    target: dict[str, object] = Field(description="The fiber or box port asked for")
    previous: ResourceAssignment | None
    resources: ResourceAssignment | None
    attempts: int = Field(description="Failed attempts to reach the inventory so far")
    new_order: NewOrder | None

    @classmethod
    def of(cls, change: ResourceChange, new_order: WorkOrder | None) -> ChangeView:
        target = change.target
        as_dict: dict[str, object] = (
            {"fiber_id": target.fiber_id, "fiber_no": target.fiber_no}
            if isinstance(target, FiberTarget)
            else {"box_id": target.box_id, "port": target.port}
        )
        return cls(
            change_id=change.change_id,
            kind=change.kind,
            state=change.state,
            order_id=change.order_id,
            detail=_detail(change),
            code=change.code,
            target=as_dict,
            previous=change.previous,
            resources=change.resources,
            attempts=change.attempts,
            new_order=None
            if new_order is None
            else NewOrder(
                order_id=new_order.order_id,
                status=new_order.status,
                resources=new_order.details.resources,
                appointment_start=new_order.appointment_start,
                appointment_end=new_order.appointment_end,
            ),
        )


class ChainLink(BaseModel):
    """One order of a reissue chain, with its flow log."""

    order_id: str
    status: Status
    reissued_from: str | None
    reissued_as: str | None
    resources: ResourceAssignment | None
    flow_log: list[FlowLogEntry]


class ExceptionView(BaseModel):
    """An exception report and how long it has been open."""

    report_id: str
    order_id: str
    technician_id: str
    type: ExceptionType
    description: str
    photos: list[str]
    responsible_role: str
    responsible_name: str
    state: str
    reported_at: datetime
    resolved_at: datetime | None
    resolved_by: str | None
    resolution: str | None
    age_s: Annotated[float, Field(description="Seconds open (until resolved, or until now)")]

    @classmethod
    def of(cls, report: ExceptionReport, *, now: datetime) -> ExceptionView:
        return cls(
            report_id=report.report_id,
            order_id=report.order_id,
            technician_id=report.technician_id,
            type=report.type,
            description=report.description,
            photos=list(report.photos),
            responsible_role=report.responsible.role.value,
            responsible_name=report.responsible.name,
            state=report.state.value,
            reported_at=report.reported_at,
            resolved_at=report.resolved_at,
            resolved_by=report.resolved_by,
            resolution=report.resolution,
            age_s=round(report.age_s(now), 1),
        )


def _detail(change: ResourceChange) -> str | None:
    if not change.finished:
        return f"waiting for the inventory ({change.last_error})" if change.last_error else None
    return None if change.state is ChangeState.REISSUED else change.reason


def box_choices(boxes: list[OpticalBox]) -> list[BoxChoice]:
    return [
        BoxChoice(box_id=b.box_id, name=b.name, address=b.address, free_ports=list(b.free_ports))
        for b in boxes
        if b.free_ports
    ]
