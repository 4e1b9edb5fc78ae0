"""Flow-log lines (流水) of the appointment steps: 预约, 接单, 二次预约, 改约, and how windows read.

Windows print in the zone people work in (`HUB_REPORT_TIMEZONE`), never in UTC; no contact
name or phone enters a line (the flow log is mirrored to the work-order system and shown to
every role).
"""

from __future__ import annotations

from datetime import datetime, tzinfo

from schemas.v1 import (
    AcceptanceOverdue,
    AppointmentBooked,
    AppointmentConfirmed,
    AppointmentRescheduled,
    BookingChannel,
    FlowStep,
    RescheduleReason,
    RescheduleRequested,
    TechnicianOnTheWay,
    VisitConfirmedByCustomer,
    WorkOrderAccepted,
    WorkOrderEvent,
)

Description = tuple[FlowStep, str, str, dict[str, object]]

CHANNEL_TEXT = {
    BookingChannel.OUTBOUND_CALL: "10000 外呼",
    BookingChannel.FIELD_APP: "i运维 App",
    BookingChannel.CUSTOMER_LINK: "客户短信链接",
    BookingChannel.DISPATCH: "派单",
}
REASON_TEXT = {
    RescheduleReason.CUSTOMER_REQUEST: "客户要求",
    RescheduleReason.SITE_NOT_READY: "现场未具备条件",
    RescheduleReason.RESOURCES: "资源问题",
    RescheduleReason.EQUIPMENT_ROOM_ACCESS: "机房无法进入",
    RescheduleReason.WEATHER: "天气原因",
    RescheduleReason.TECHNICIAN_UNAVAILABLE: "装维人员无法到场",
    RescheduleReason.OTHER: "其他",
}
REQUESTER_TEXT = {"customer": "客户", "technician": "装维人员", "dispatcher": "调度"}


def window_text(start: datetime, end: datetime, zone: tzinfo) -> str:
    """`2026-12-04 14:00–16:00` in `zone`; the end carries its date when it is another day."""
    local_start, local_end = start.astimezone(zone), end.astimezone(zone)
    end_format = "%H:%M" if local_end.date() == local_start.date() else "%Y-%m-%d %H:%M"
    return f"{local_start:%Y-%m-%d %H:%M}–{local_end.strftime(end_format)}"


def short_window_text(start: datetime, end: datetime, zone: tzinfo) -> str:
    """`12-04 14:00–16:00` in `zone`, for an SMS."""
    local_start, local_end = start.astimezone(zone), end.astimezone(zone)
    end_format = "%H:%M" if local_end.date() == local_start.date() else "%m-%d %H:%M"
    return f"{local_start:%m-%d %H:%M}–{local_end.strftime(end_format)}"


def describe_appointment(event: WorkOrderEvent, zone: tzinfo) -> Description | None:
    """The flow-log line of an appointment event; None for any other event."""
    return _by_staff(event, zone) or _by_field(event) or _by_customer(event, zone)


def _by_field(event: WorkOrderEvent) -> Description | None:
    """The technician's steps without a window of their own."""
    match event:
        case WorkOrderAccepted() as e:
            return FlowStep.ACCEPTED, e.technician_id, "装维人员接单", {}
        case TechnicianOnTheWay() as e:
            return FlowStep.ON_THE_WAY, e.technician_id, "装维人员已出发", {}
    return None


def _by_customer(event: WorkOrderEvent, zone: tzinfo) -> Description | None:
    """The customer's answers from the visit link."""
    match event:
        case VisitConfirmedByCustomer() as e:
            return (
                FlowStep.CUSTOMER_CONFIRMED,
                "customer",
                f"客户确认预约时段 {window_text(e.window_start, e.window_end, zone)}",
                {
                    "window_start": e.window_start.isoformat(),
                    "window_end": e.window_end.isoformat(),
                },
            )
        case RescheduleRequested() as e:
            reason = REASON_TEXT[e.reason] + (f"：{e.reason_text}" if e.reason_text else "")
            wanted = window_text(e.wanted_start, e.wanted_end, zone)
            return (
                FlowStep.RESCHEDULE_REQUESTED,
                "customer",
                f"客户申请改约（{reason}）：希望 {wanted}，待调度处理",
                {
                    "wanted_start": e.wanted_start.isoformat(),
                    "wanted_end": e.wanted_end.isoformat(),
                    "reason": e.reason.value,
                },
            )
    return None


def _by_staff(event: WorkOrderEvent, zone: tzinfo) -> Description | None:
    match event:
        case AppointmentBooked() as e:
            return (
                FlowStep.APPOINTMENT_BOOKED,
                e.booked_by,
                f"预约上门 {window_text(e.window_start, e.window_end, zone)}"
                f"（{CHANNEL_TEXT[e.channel]}）",
                {
                    "window_start": e.window_start.isoformat(),
                    "window_end": e.window_end.isoformat(),
                    "channel": e.channel.value,
                    "call_id": e.call_id,
                },
            )
        case AppointmentConfirmed() as e:
            return (
                FlowStep.APPOINTMENT_CONFIRMED,
                e.technician_id,
                f"二次预约：与客户确认上门 {window_text(e.window_start, e.window_end, zone)}",
                {
                    "window_start": e.window_start.isoformat(),
                    "window_end": e.window_end.isoformat(),
                },
            )
        case AppointmentRescheduled() as e:
            reason = REASON_TEXT[e.reason] + (f"：{e.reason_text}" if e.reason_text else "")
            flagged = "，已提交主管" if e.flagged else ""
            return (
                FlowStep.APPOINTMENT_RESCHEDULED,
                e.by,
                f"改约（第 {e.reschedules} 次，{REQUESTER_TEXT[e.requested_by]}提出，{reason}）："
                f"{window_text(e.old_start, e.old_end, zone)} → "
                f"{window_text(e.window_start, e.window_end, zone)}{flagged}",
                {
                    "old_start": e.old_start.isoformat(),
                    "old_end": e.old_end.isoformat(),
                    "window_start": e.window_start.isoformat(),
                    "window_end": e.window_end.isoformat(),
                    "reason": e.reason.value,
                    "requested_by": e.requested_by.value,
                    "reschedules": e.reschedules,
                    "flagged": e.flagged,
                },
            )
        case AcceptanceOverdue() as e:
            return (
                FlowStep.ACCEPTANCE_OVERDUE,
                "hub",
                f"装维人员 {e.technician_id} 未按时接单，已提醒调度",
                {"technician_id": e.technician_id},
            )
    return None
