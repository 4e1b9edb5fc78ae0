"""An exception report (异常上报): one schema for every problem found on site.

    open ──resolve──▶ resolved

Reporting needs an open order dispatched to the technician; it writes a flow-log line on the
order and the responsible person is told by SMS at once. Resolving writes a line too (also on an
order archived meanwhile: the log records what happened) and the technician is told by SMS.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum

from hub.domain.errors import IllegalTransition
from hub.domain.reissue import check_reissuable
from hub.domain.work_order import WorkOrder
from schemas.v1 import (
    ExceptionReported,
    ExceptionResolved,
    ExceptionType,
    ReportException,
    ResolveException,
    ResponsibleParty,
    WorkOrderEvent,
)


class ReportState(StrEnum):
    OPEN = "open"
    RESOLVED = "resolved"


@dataclass(frozen=True, slots=True)
class ExceptionReport:
    """One report and its resolution."""

    report_id: str
    order_id: str
    technician_id: str
    technician_phone: str
    type: ExceptionType
    description: str
    photos: tuple[str, ...]
    responsible: ResponsibleParty
    state: ReportState
    reported_at: datetime
    resolved_at: datetime | None = None
    resolved_by: str | None = None
    resolution: str | None = None

    def age_s(self, now: datetime) -> float:
        """Seconds open: until resolved, or until `now`."""
        end = self.resolved_at or now
        return max(0.0, (end - self.reported_at).total_seconds())


def report(
    order: WorkOrder, cmd: ReportException, *, responsible: ResponsibleParty, now: datetime
) -> tuple[ExceptionReport, WorkOrder, list[WorkOrderEvent]]:
    """Open a report on the technician's open order; the order gets a flow-log line.

    `responsible` comes from the hub's directory, never from the request.
    """
    check_reissuable(order, cmd.technician_id, "report an exception")
    assert order.technician is not None
    new_report = ExceptionReport(
        report_id=cmd.report_id,
        order_id=cmd.order_id,
        technician_id=cmd.technician_id,
        technician_phone=order.technician.phone,
        type=cmd.type,
        description=cmd.description,
        photos=tuple(cmd.photos),
        responsible=responsible,
        state=ReportState.OPEN,
        reported_at=now,
    )
    noted = replace(order, version=order.version + 1)
    event = ExceptionReported(
        order_id=order.order_id,
        version=noted.version,
        occurred_at=now,
        report_id=cmd.report_id,
        technician_id=cmd.technician_id,
        type=cmd.type,
        description=cmd.description,
        photos=list(cmd.photos),
        responsible=responsible,
    )
    return new_report, noted, [event]


def same_report(existing: ExceptionReport, cmd: ReportException) -> bool:
    """Whether `cmd` repeats the report `existing` was opened with."""
    return (
        existing.order_id == cmd.order_id
        and existing.technician_id == cmd.technician_id
        and existing.type is cmd.type
        and existing.description == cmd.description
        and existing.photos == tuple(cmd.photos)
    )


def already_resolved_as(existing: ExceptionReport, cmd: ResolveException) -> bool:
    return (
        existing.state is ReportState.RESOLVED
        and existing.resolved_by == cmd.resolved_by
        and existing.resolution == cmd.resolution
    )


def resolve(
    existing: ExceptionReport, order: WorkOrder, cmd: ResolveException, *, now: datetime
) -> tuple[ExceptionReport, WorkOrder, list[WorkOrderEvent]]:
    """Close an open report; the order gets a flow-log line."""
    if existing.state is not ReportState.OPEN:
        raise IllegalTransition(
            f"exception {existing.report_id} was already resolved by {existing.resolved_by}"
        )
    resolved = replace(
        existing,
        state=ReportState.RESOLVED,
        resolved_at=now,
        resolved_by=cmd.resolved_by,
        resolution=cmd.resolution,
    )
    noted = replace(order, version=order.version + 1)
    event = ExceptionResolved(
        order_id=order.order_id,
        version=noted.version,
        occurred_at=now,
        report_id=existing.report_id,
        technician_id=existing.technician_id,
        resolved_by=cmd.resolved_by,
        resolution=cmd.resolution,
        open_for_s=resolved.age_s(now),
    )
    return resolved, noted, [event]
