"""Turn work-order events into flow-log entries (流水): one readable line per step."""

from __future__ import annotations

from datetime import UTC, tzinfo

from hub.domain.appointment_log import describe_appointment, window_text
from hub.domain.notifications import describe_withheld
from hub.domain.on_site_log import describe_on_site
from hub.domain.report_log import describe_delivery
from schemas.v1 import (
    CheckInOverdue,
    FlowLogEntry,
    FlowStep,
    Punctuality,
    TechnicianCheckedIn,
    WorkOrderArchived,
    WorkOrderCompleted,
    WorkOrderCreated,
    WorkOrderDispatched,
    WorkOrderEvent,
)


def entry_for(event: WorkOrderEvent, *, seq: int, zone: tzinfo = UTC) -> FlowLogEntry:
    """The flow-log entry an event writes at position `seq` (no phone numbers or names); times
    in the summary read in `zone`."""
    step, actor, summary, details = (
        describe_appointment(event, zone)
        or describe_on_site(event)
        or describe_delivery(event)
        or describe_withheld(event)
        or _describe(event, zone)
    )
    return FlowLogEntry(
        order_id=event.order_id,
        seq=seq,
        at=event.occurred_at,
        step=step,
        actor=actor,
        summary=summary,
        details=details,
    )


def _describe(event: WorkOrderEvent, zone: tzinfo) -> tuple[FlowStep, str, str, dict[str, object]]:
    match event:
        case WorkOrderCreated(order=order):
            return (
                FlowStep.CREATED,
                "support-system",
                f"工单创建：{order.product} {order.bandwidth_mbps}M",
                {"product": order.product, "bandwidth_mbps": order.bandwidth_mbps},
            )
        case WorkOrderDispatched(technician=tech, appointment_start=start, appointment_end=end):
            return (
                FlowStep.DISPATCHED,
                "dispatcher",
                f"派单给装维人员 {tech.id}，预约 {window_text(start, end, zone)}",
                {
                    "technician_id": tech.id,
                    "appointment_start": start.isoformat(),
                    "appointment_end": end.isoformat(),
                },
            )
        case TechnicianCheckedIn() as e:
            where = "范围内" if e.within_radius else "超出范围"
            return (
                FlowStep.CHECKED_IN,
                e.technician_id,
                f"现场签到，距装机地址 {e.distance_m:.0f} 米（{where}）{_kept(e)}",
                {
                    "lat": e.position.lat,
                    "lon": e.position.lon,
                    "distance_m": e.distance_m,
                    "radius_m": e.radius_m,
                    "within_radius": e.within_radius,
                    "punctuality": e.punctuality.value if e.punctuality else None,
                    "minutes_late": e.minutes_late,
                },
            )
        case CheckInOverdue() as e:
            return (
                FlowStep.CHECK_IN_OVERDUE,
                "hub",
                f"预约时段已过，装维人员 {e.technician_id} 未签到",
                {"appointment_end": e.appointment_end.isoformat()},
            )
        case WorkOrderCompleted() as e:
            return FlowStep.COMPLETED, e.technician_id, "施工完成", {"note_length": len(e.note)}
        case WorkOrderArchived() as e:
            return FlowStep.ARCHIVED, "hub", "工单归档", {"reason": e.reason}

    raise TypeError(f"no flow-log entry for {type(event).__name__}")  # pragma: no cover


def _kept(event: TechnicianCheckedIn) -> str:
    """How the check-in kept the booked window (履约), as the line's tail."""
    match event.punctuality:
        case Punctuality.ON_TIME:
            return "，准时履约"
        case Punctuality.LATE:
            return f"，超出预约时段 {event.minutes_late} 分钟"
    return ""
