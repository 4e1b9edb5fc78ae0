"""An on-site resource change (同缆改纤 fiber swap, 更改光箱 box change): a saga with state.

    requested ─┬─ inventory applied, order reissued ──────────▶ reissued      (terminal)
               ├─ inventory refused ──────────────────────────▶ refused       (terminal)
               └─ inventory applied, order can't be reissued ─▶ compensating
                                                                   └─ undone ─▶ compensated

`start` checks the order and records the request; `decide(change, outcome)` moves the saga on by
the outcome of one step and returns the events to publish; `next_step` says what the handler must
do now. Every inventory call carries a key derived from the change id, so a retried step never
applies twice, and a crash between steps resumes from the stored state.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from typing import TypedDict, Unpack

from hub.domain.errors import IllegalTransition
from hub.domain.reissue import check_reissuable, reissued_id
from hub.domain.resources import RefusalCode
from hub.domain.work_order import WorkOrder
from schemas.v1 import (
    ChangeKind,
    ChangeOpticalBox,
    FiberSwapped,
    FiberSwapRefused,
    OpticalBoxChanged,
    OpticalBoxChangeRefused,
    ResourceAssignment,
    SwapFiber,
)
from schemas.v1.common import Contract


class ChangeState(StrEnum):
    REQUESTED = "requested"
    COMPENSATING = "compensating"
    REISSUED = "reissued"
    REFUSED = "refused"
    COMPENSATED = "compensated"


TERMINAL = frozenset({ChangeState.REISSUED, ChangeState.REFUSED, ChangeState.COMPENSATED})


class Step(StrEnum):
    APPLY = "apply"  # ask the inventory to apply the change, then reissue the order
    REVERT = "revert"  # ask the inventory to undo it (compensation)
    NONE = "none"


@dataclass(frozen=True, slots=True)
class FiberTarget:
    fiber_id: str
    fiber_no: int


@dataclass(frozen=True, slots=True)
class BoxTarget:
    box_id: str
    port: int


ChangeCommand = SwapFiber | ChangeOpticalBox
Target = FiberTarget | BoxTarget


@dataclass(frozen=True, slots=True)
class ResourceChange:
    """One change's stored state; `version` counts its saved changes (optimistic lock)."""

    change_id: str
    kind: ChangeKind
    order_id: str
    technician_id: str
    target: Target
    new_order_id: str
    state: ChangeState
    version: int
    created_at: datetime
    updated_at: datetime
    previous: ResourceAssignment | None = None
    resources: ResourceAssignment | None = None
    code: str | None = None
    reason: str | None = None
    attempts: int = 0
    last_error: str | None = None
    finished_at: datetime | None = None

    @property
    def inventory_key(self) -> str:
        """The idempotency key of the inventory change."""
        return f"{self.kind.value}:{self.change_id}"

    @property
    def revert_key(self) -> str:
        return f"revert:{self.inventory_key}"

    @property
    def finished(self) -> bool:
        return self.state in TERMINAL


# --- outcomes of a step -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Applied:
    """The inventory applied the change and the order was reissued (one transaction)."""

    previous: ResourceAssignment
    resources: ResourceAssignment


@dataclass(frozen=True, slots=True)
class Refused:
    """The inventory refused the change; nothing changed."""

    code: str
    reason: str


@dataclass(frozen=True, slots=True)
class ReissueImpossible:
    """The inventory applied the change, but the order can no longer be reissued."""

    previous: ResourceAssignment
    resources: ResourceAssignment
    reason: str


@dataclass(frozen=True, slots=True)
class Reverted:
    """The inventory undid the change."""


@dataclass(frozen=True, slots=True)
class StepFailed:
    """A step failed transiently; it will be retried."""

    error: str


Outcome = Applied | Refused | ReissueImpossible | Reverted | StepFailed
Event = Contract


def kind_of(cmd: ChangeCommand) -> ChangeKind:
    return ChangeKind.FIBER_SWAP if isinstance(cmd, SwapFiber) else ChangeKind.BOX_CHANGE


def target_of(cmd: ChangeCommand) -> Target:
    if isinstance(cmd, SwapFiber):
        return FiberTarget(cmd.fiber_id, cmd.fiber_no)
    return BoxTarget(cmd.box_id, cmd.port)


def start(cmd: ChangeCommand, order: WorkOrder, *, now: datetime) -> ResourceChange:
    """Record a technician's request, if the order is his and open."""
    kind = kind_of(cmd)
    check_reissuable(order, cmd.technician_id, kind.value.replace("_", " "))
    return ResourceChange(
        change_id=cmd.change_id,
        kind=kind,
        order_id=cmd.order_id,
        technician_id=cmd.technician_id,
        target=target_of(cmd),
        new_order_id=reissued_id(order.order_id),
        state=ChangeState.REQUESTED,
        version=1,
        created_at=now,
        updated_at=now,
    )


def same_request(change: ResourceChange, cmd: ChangeCommand) -> bool:
    """Whether `cmd` repeats the request `change` was started with."""
    return (
        change.kind is kind_of(cmd)
        and change.order_id == cmd.order_id
        and change.technician_id == cmd.technician_id
        and change.target == target_of(cmd)
    )


def next_step(change: ResourceChange) -> Step:
    match change.state:
        case ChangeState.REQUESTED:
            return Step.APPLY
        case ChangeState.COMPENSATING:
            return Step.REVERT
    return Step.NONE


def decide(
    change: ResourceChange, outcome: Outcome, *, now: datetime
) -> tuple[ResourceChange, list[Event]]:
    """The change after one step's outcome, and the events to publish."""
    if isinstance(outcome, StepFailed):
        if change.finished:
            raise IllegalTransition(f"change {change.change_id} is {change.state}; no step runs")
        return _next(change, now, attempts=change.attempts + 1, last_error=outcome.error[:500]), []
    expected = ChangeState.COMPENSATING if isinstance(outcome, Reverted) else ChangeState.REQUESTED
    if change.state is not expected:
        raise IllegalTransition(
            f"change {change.change_id} is {change.state}; "
            f"{type(outcome).__name__} needs it {expected}"
        )
    match outcome:
        case Applied(previous=previous, resources=resources):
            new = _next(
                change,
                now,
                state=ChangeState.REISSUED,
                previous=previous,
                resources=resources,
                finished_at=now,
            )
            return new, [_applied_event(new)]
        case Refused(code=code, reason=reason):
            new = _next(
                change,
                now,
                state=ChangeState.REFUSED,
                code=code,
                reason=reason[:500],
                finished_at=now,
            )
            return new, [_refused_event(new, compensated=False)]
        case ReissueImpossible(previous=previous, resources=resources, reason=reason):
            new = _next(
                change,
                now,
                state=ChangeState.COMPENSATING,
                previous=previous,
                resources=resources,
                code=RefusalCode.ORDER_CHANGED.value,
                reason=reason[:500],
            )
            return new, []
        case Reverted():
            new = _next(change, now, state=ChangeState.COMPENSATED, finished_at=now)
            return new, [_refused_event(new, compensated=True)]
    raise TypeError(f"unknown outcome {type(outcome).__name__}")  # pragma: no cover


class _StepChanges(TypedDict, total=False):
    """The fields one step may change (besides `version` and `updated_at`)."""

    state: ChangeState
    previous: ResourceAssignment | None
    resources: ResourceAssignment | None
    code: str | None
    reason: str | None
    attempts: int
    last_error: str | None
    finished_at: datetime | None


def _next(change: ResourceChange, now: datetime, **changes: Unpack[_StepChanges]) -> ResourceChange:
    return replace(change, version=change.version + 1, updated_at=now, **changes)


def _applied_event(change: ResourceChange) -> Event:
    assert change.previous is not None and change.resources is not None
    model = FiberSwapped if change.kind is ChangeKind.FIBER_SWAP else OpticalBoxChanged
    return model(
        change_id=change.change_id,
        order_id=change.order_id,
        new_order_id=change.new_order_id,
        technician_id=change.technician_id,
        previous=change.previous,
        resources=change.resources,
    )


def _refused_event(change: ResourceChange, *, compensated: bool) -> Event:
    model = FiberSwapRefused if change.kind is ChangeKind.FIBER_SWAP else OpticalBoxChangeRefused
    return model(
        change_id=change.change_id,
        order_id=change.order_id,
        technician_id=change.technician_id,
        code=change.code or "refused",
        reason=change.reason or "refused",
        compensated=compensated,
    )
