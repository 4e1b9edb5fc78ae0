"""Every queue the hub consumes: consumer name → the message it takes (the one list of them).

A consumer's queue is `<prefix><consumer>`, bound to the bus with the message's routing key;
its parking queue is `<prefix><consumer>.parking`. A command has exactly one consumer, so
`consumer_of(CommandType)` names it; the web runs commands through the same consumer name (its
inbox) as the AMQP subscriber. What each consumer does is bound in `hub.handlers.table`.
"""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import BaseModel

from schemas import v1
from schemas.v1.routing import ROUTES, is_command


@dataclass(frozen=True, slots=True)
class Subscription:
    """One consumer queue and the contract it takes."""

    consumer: str
    message: type[BaseModel]
    mirror: bool = False  # mirrors an event into the support system (客保)

    @property
    def routing_key(self) -> str:
        return ROUTES[self.message]


SUBSCRIPTIONS: tuple[Subscription, ...] = (
    # work-order lifecycle
    Subscription("workorder.create", v1.CreateWorkOrder),
    Subscription("workorder.dispatch", v1.DispatchWorkOrder),
    Subscription("workorder.check_in", v1.CheckIn),
    Subscription("workorder.complete", v1.CompleteWorkOrder),
    Subscription("workorder.archive", v1.ArchiveWorkOrder),
    Subscription("workorder.verify_check_in", v1.VerifyCheckIn),
    # notifications
    Subscription("sms.send", v1.SendSms),
    # mirror into the support system (客保)
    Subscription("support.orders", v1.WorkOrderCreated, mirror=True),
    Subscription("support.flow_log", v1.FlowLogEntry, mirror=True),
    Subscription("support.archive", v1.WorkOrderArchived, mirror=True),
    Subscription("support.reissue", v1.WorkOrderReissued, mirror=True),
    # on-site fixes and exception reports
    Subscription("onsite.fiber_swap", v1.SwapFiber),
    Subscription("onsite.box_change", v1.ChangeOpticalBox),
    Subscription("workorder.return", v1.ReturnWorkOrder),
    Subscription("onsite.exception_report", v1.ReportException),
    Subscription("onsite.exception_resolve", v1.ResolveException),
    # test results and the report
    Subscription("delivery.record_ping", v1.RecordPingResult),
    Subscription("delivery.record_speed", v1.RecordSpeedTest),
    Subscription("report.render", v1.RenderReport),
    # signing, close-out, e-mail, billing
    Subscription("signing.send_link", v1.SendSigningLink),
    Subscription("signing.remind", v1.RemindSigner),
    Subscription("signing.render_signed", v1.RenderSignedReport),
    Subscription("delivery.report_signed", v1.ReportSigned),
    Subscription("delivery.attach_report", v1.AttachSignedReport),
    Subscription("email.send", v1.SendReportEmail),
    Subscription("billing.start", v1.StartBilling),
    # appointments
    Subscription("appointment.book", v1.BookAppointment),
    Subscription("appointment.accept", v1.AcceptWorkOrder),
    Subscription("appointment.confirm", v1.ConfirmAppointment),
    Subscription("appointment.reschedule", v1.RescheduleAppointment),
    Subscription("appointment.verify_acceptance", v1.VerifyAcceptance),
    Subscription("appointment.remind_confirmation", v1.RemindConfirmation),
    Subscription("appointment.send_visit_link", v1.SendVisitLink),
    Subscription("appointment.customer_answer", v1.AnswerVisit),
    Subscription("appointment.set_off", v1.SetOffForVisit),
    # booking-call compliance
    Subscription("calls.check_transcript", v1.TranscriptReady),
)

ALL_CONSUMERS: tuple[str, ...] = tuple(s.consumer for s in SUBSCRIPTIONS)
_BY_CONSUMER = {s.consumer: s for s in SUBSCRIPTIONS}
_COMMAND_CONSUMER = {s.message: s.consumer for s in SUBSCRIPTIONS if is_command(s.routing_key)}


def subscription(consumer: str) -> Subscription:
    """The subscription of a consumer name (KeyError for a name that is not one)."""
    return _BY_CONSUMER[consumer]


def consumer_of(command: type[BaseModel]) -> str:
    """The one consumer of a command type."""
    return _COMMAND_CONSUMER[command]
