"""Routing keys of the AMQP contracts: which key each message travels under, and its `type`.

`cmd.*` keys carry commands (exactly one consumer each), `evt.*` keys events (any number of
subscribers, possibly none). A message's AMQP `type` property is `<ClassName>.v1`.
"""

from __future__ import annotations

from pydantic import BaseModel

from schemas import v1

ROUTES: dict[type[BaseModel], str] = {
    v1.CreateWorkOrder: "cmd.workorder.create",
    v1.DispatchWorkOrder: "cmd.workorder.dispatch",
    v1.CheckIn: "cmd.workorder.check_in",
    v1.CompleteWorkOrder: "cmd.workorder.complete",
    v1.ArchiveWorkOrder: "cmd.workorder.archive",
    v1.VerifyCheckIn: "cmd.workorder.verify_check_in",
    v1.SendSms: "cmd.sms.send",
    v1.WorkOrderCreated: "evt.workorder.created",
    v1.WorkOrderDispatched: "evt.workorder.dispatched",
    v1.TechnicianCheckedIn: "evt.workorder.checked_in",
    v1.CheckInOverdue: "evt.workorder.check_in_overdue",
    v1.WorkOrderCompleted: "evt.workorder.completed",
    v1.WorkOrderArchived: "evt.workorder.archived",
    v1.SmsSent: "evt.sms.sent",
    v1.SmsWithheld: "evt.sms.withheld",
    v1.FlowLogEntry: "evt.flowlog.written",
    # on-site fixes (issue 3)
    v1.SwapFiber: "cmd.onsite.swap_fiber",
    v1.ChangeOpticalBox: "cmd.onsite.change_box",
    v1.ReturnWorkOrder: "cmd.workorder.return",
    v1.ReportException: "cmd.onsite.report_exception",
    v1.ResolveException: "cmd.onsite.resolve_exception",
    v1.WorkOrderReissued: "evt.workorder.reissued",
    v1.WorkOrderReturned: "evt.workorder.returned",
    v1.FiberSwapped: "evt.onsite.fiber_swapped",
    v1.FiberSwapRefused: "evt.onsite.fiber_swap_refused",
    v1.OpticalBoxChanged: "evt.onsite.box_changed",
    v1.OpticalBoxChangeRefused: "evt.onsite.box_change_refused",
    v1.ExceptionReported: "evt.onsite.exception_reported",
    v1.ExceptionResolved: "evt.onsite.exception_resolved",
    # delivery (issue 4): tests, report, signed report close-out, e-mail, billing
    v1.RecordPingResult: "cmd.delivery.record_ping",
    v1.RecordSpeedTest: "cmd.delivery.record_speed",
    v1.PingResultRecorded: "evt.workorder.ping_recorded",
    v1.SpeedTestRecorded: "evt.workorder.speed_test_recorded",
    v1.RenderReport: "cmd.report.render",
    v1.ReportRendered: "evt.report.rendered",
    v1.ReportSigned: "evt.report.signed",
    v1.SignedReportAccepted: "evt.workorder.report_signed",
    v1.AttachSignedReport: "cmd.support.attach_report",
    v1.SendReportEmail: "cmd.email.send",
    v1.ReportEmailSent: "evt.email.sent",
    v1.StartBilling: "cmd.billing.start",
    v1.BillingStarted: "evt.workorder.billing_started",
    v1.SendSigningLink: "cmd.signing.send_link",
    v1.RemindSigner: "cmd.signing.remind",
    v1.RenderSignedReport: "cmd.signing.render_signed",
    # appointments (issue 10): booking, acceptance, confirmation, rescheduling
    v1.BookAppointment: "cmd.appointment.book",
    v1.AcceptWorkOrder: "cmd.appointment.accept",
    v1.ConfirmAppointment: "cmd.appointment.confirm",
    v1.RescheduleAppointment: "cmd.appointment.reschedule",
    v1.VerifyAcceptance: "cmd.appointment.verify_acceptance",
    v1.RemindConfirmation: "cmd.appointment.remind_confirmation",
    v1.AppointmentBooked: "evt.appointment.booked",
    v1.WorkOrderAccepted: "evt.appointment.accepted",
    v1.AppointmentConfirmed: "evt.appointment.confirmed",
    v1.AppointmentRescheduled: "evt.appointment.rescheduled",
    v1.AcceptanceOverdue: "evt.appointment.acceptance_overdue",
    v1.TranscriptReady: "cmd.calls.check_transcript",
    v1.SendVisitLink: "cmd.appointment.send_visit_link",
    v1.SetOffForVisit: "cmd.appointment.set_off",
    v1.TechnicianOnTheWay: "evt.appointment.on_the_way",
    v1.AnswerVisit: "cmd.appointment.customer_answer",
    v1.VisitConfirmedByCustomer: "evt.appointment.customer_confirmed",
    v1.RescheduleRequested: "evt.appointment.reschedule_requested",
}


MESSAGE_TYPES: dict[str, type[BaseModel]] = {f"{m.__name__}.v1": m for m in ROUTES}


def message_type(model: type[BaseModel]) -> str:
    """The AMQP `type` property of a contract: `<ClassName>.v1`."""
    return f"{model.__name__}.v1"


def is_command(routing_key: str) -> bool:
    """Commands are mandatory (an unroutable command is a failure); events are not."""
    return routing_key.startswith("cmd.")
