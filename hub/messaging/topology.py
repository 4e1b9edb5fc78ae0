"""Exchanges, queues and routes: the one place that names things on the broker.

publishers ──▶ {p}bus (topic) ──cmd.*/evt.*──▶ {p}<consumer>   (quorum, x-delivery-limit,
                                                    │           DLX {p}dlx)
               {p}dlx (direct) ◀── delivery limit ──┘
                    └──{p}<consumer>──▶ {p}<consumer>.parking  (quorum; also written
                                                                 directly, with x-error-*)
               {p}retry (headers, hub-retry-tier) ──▶ {p}retry.<ms>ms  (TTL wait queue,
                    dead-letters to "" with the consumer queue's name as routing key)
"""

from __future__ import annotations

from dataclasses import dataclass

from faststream.rabbit import ExchangeType, QueueType, RabbitExchange, RabbitQueue
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
}

# Headers exchanges ignore headers that start with "x-" when matching, so no "x-" here.
RETRY_TIER_HEADER = "hub-retry-tier"

MESSAGE_TYPES: dict[str, type[BaseModel]] = {f"{m.__name__}.v1": m for m in ROUTES}


def message_type(model: type[BaseModel]) -> str:
    """The AMQP `type` property of a contract: `<ClassName>.v1`."""
    return f"{model.__name__}.v1"


@dataclass(frozen=True, slots=True)
class Topology:
    """All broker names for one queue prefix (test runs use their own prefix)."""

    prefix: str = "hub."
    delivery_limit: int = 5
    retry_delays_ms: tuple[int, ...] = (1000, 5000, 30000)

    @property
    def bus(self) -> RabbitExchange:
        return RabbitExchange(f"{self.prefix}bus", type=ExchangeType.TOPIC, durable=True)

    @property
    def dlx(self) -> RabbitExchange:
        return RabbitExchange(f"{self.prefix}dlx", type=ExchangeType.DIRECT, durable=True)

    @property
    def retry(self) -> RabbitExchange:
        return RabbitExchange(f"{self.prefix}retry", type=ExchangeType.HEADERS, durable=True)

    def queue_name(self, consumer: str) -> str:
        return f"{self.prefix}{consumer}"

    def consumer_of(self, queue_name: str) -> str:
        return queue_name.removeprefix(self.prefix)

    def work_queue(self, consumer: str, routing_key: str) -> RabbitQueue:
        """A consumer's quorum queue: bounded redeliveries, then dead-lettered to parking."""
        name = self.queue_name(consumer)
        return RabbitQueue(
            name,
            queue_type=QueueType.QUORUM,
            durable=True,
            routing_key=routing_key,
            arguments={
                "x-delivery-limit": self.delivery_limit,
                "x-dead-letter-exchange": self.dlx.name,
                "x-dead-letter-routing-key": name,
                "x-dead-letter-strategy": "at-least-once",
                "x-overflow": "reject-publish",
            },
        )

    def parking_queue(self, consumer: str) -> RabbitQueue:
        """Where a consumer's unprocessable messages wait for a person (`hub dlq`)."""
        name = self.queue_name(consumer)
        return RabbitQueue(
            f"{name}.parking", queue_type=QueueType.QUORUM, durable=True, routing_key=name
        )

    def retry_queue(self, delay_ms: int) -> RabbitQueue:
        """A wait queue: messages sit `delay_ms`, then return to the queue named by their key."""
        return RabbitQueue(
            f"{self.prefix}retry.{delay_ms}ms",
            durable=True,
            bind_arguments={"x-match": "all", RETRY_TIER_HEADER: str(delay_ms)},
            arguments={"x-message-ttl": delay_ms, "x-dead-letter-exchange": ""},
        )

    def route(self, model: type[BaseModel]) -> str:
        return ROUTES[model]

    @staticmethod
    def is_command(routing_key: str) -> bool:
        return routing_key.startswith("cmd.")
