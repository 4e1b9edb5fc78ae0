"""Delivery contracts (交付): test results, the delivery report, signature, close-out, billing.

RecordPingResult / RecordSpeedTest ─▶ PingResultRecorded / SpeedTestRecorded ─▶ RenderReport
─▶ ReportRendered  (a report version the customer may sign)
ReportSigned (from the signing pages) ─▶ SignedReportAccepted ─▶ AttachSignedReport
    (attach + 报竣 in the support system) ─▶ archive ─▶ StartBilling ─▶ BillingStarted
                                        └─▶ SendReportEmail (one per recipient)
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Literal

from pydantic import AfterValidator, AwareDatetime, Field, StringConstraints, model_validator

from schemas.v1.common import Contract, Moment, OrderId, ReasonText, TechnicianId, multi_line
from schemas.v1.events import WorkOrderEvent

Sha256 = Annotated[
    str,
    StringConstraints(pattern=r"^[0-9a-f]{64}$"),
    Field(description="SHA-256 of a stored file, 64 lowercase hex digits"),
]
Screenshots = Annotated[
    list[Sha256],
    Field(
        default_factory=list,
        max_length=6,
        description="SHA-256 of screenshots uploaded for this order (POST .../screenshots)",
    ),
]
ResultNote = Annotated[
    str,
    Field(default="", max_length=500, description="Free-text note from the technician"),
    AfterValidator(multi_line),
]
ResultId = Annotated[
    str,
    StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$"),
    Field(description="Id of one test run, unique per order (idempotency key)"),
]
Target = Annotated[
    str,
    StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9.:-]{0,252}$"),
    Field(description="Host name or IP address that was pinged"),
]
NonNegativeMs = Annotated[float, Field(ge=0, le=600_000)]
Mbps = Annotated[float, Field(ge=0, le=1_000_000)]


class ResultKind(StrEnum):
    PING = "ping"
    SPEED = "speed"


class PingMeasurement(Contract):
    """One ping run as the field app measured it."""

    target: Target
    sent: int = Field(ge=1, le=100_000, description="Echo requests sent")
    received: int = Field(ge=0, le=100_000, description="Echo replies received")
    loss_pct: float = Field(ge=0, le=100, description="Packet loss in percent, 0–100")
    rtt_min_ms: NonNegativeMs | None = Field(default=None, description="Minimum round trip, ms")
    rtt_avg_ms: NonNegativeMs | None = Field(default=None, description="Average round trip, ms")
    rtt_max_ms: NonNegativeMs | None = Field(default=None, description="Maximum round trip, ms")

    @model_validator(mode="after")
    def _consistent(self) -> PingMeasurement:
        if self.received > self.sent:
            raise ValueError("received cannot exceed sent")
        times = (self.rtt_min_ms, self.rtt_avg_ms, self.rtt_max_ms)
        if self.received > 0 and None in times:
            raise ValueError("rtt_min_ms, rtt_avg_ms and rtt_max_ms are required with replies")
        low, mid, high = times
        if low is not None and mid is not None and high is not None and not low <= mid <= high:
            raise ValueError("round-trip times must satisfy min <= avg <= max")
        return self


class SpeedMeasurement(Contract):
    """One speed test run as the field app measured it."""

    down_mbps: Mbps = Field(description="Download throughput, Mbit/s")
    up_mbps: Mbps = Field(description="Upload throughput, Mbit/s")
    jitter_ms: NonNegativeMs = Field(description="Jitter, ms")
    latency_ms: NonNegativeMs | None = Field(default=None, description="Latency, ms, if measured")
    server: ReasonText = Field(default="", description="Test server the app used")


class Thresholds(Contract):
    """Acceptance thresholds that applied to a test (shown on the report)."""

    min_down_mbps: float = Field(ge=0, description="Minimum download, Mbit/s")
    min_up_mbps: float = Field(ge=0, description="Minimum upload, Mbit/s")
    max_jitter_ms: float = Field(ge=0, description="Maximum jitter, ms")
    max_loss_pct: float = Field(ge=0, le=100, description="Maximum packet loss, percent")
    max_rtt_avg_ms: float = Field(ge=0, description="Maximum average round trip, ms")


class Verdict(Contract):
    """Whether a test met its thresholds, and which checks failed."""

    passed: bool
    failed_checks: list[str] = Field(
        default_factory=list, description="Names of failed checks, e.g. loss_pct, down_mbps"
    )


class RecordPingResult(Contract):
    """Record a ping test the technician ran on site (一键 ping)."""

    order_id: OrderId
    technician_id: TechnicianId
    test_id: ResultId
    measured_at: Moment = Field(description="When the app ran the test")
    ping: PingMeasurement
    screenshots: Screenshots
    note: ResultNote


class RecordSpeedTest(Contract):
    """Record a speed test the technician ran on site (一键测速)."""

    order_id: OrderId
    technician_id: TechnicianId
    test_id: ResultId
    measured_at: Moment = Field(description="When the app ran the test")
    speed: SpeedMeasurement
    screenshots: Screenshots
    note: ResultNote


class PingResultRecorded(WorkOrderEvent):
    """A ping test was stored on the order and judged against its thresholds."""

    technician_id: TechnicianId
    test_id: ResultId
    measured_at: AwareDatetime
    ping: PingMeasurement
    thresholds: Thresholds
    verdict: Verdict
    screenshots: list[Sha256] = Field(default_factory=list)


class SpeedTestRecorded(WorkOrderEvent):
    """A speed test was stored on the order and judged against its thresholds."""

    technician_id: TechnicianId
    test_id: ResultId
    measured_at: AwareDatetime
    speed: SpeedMeasurement
    thresholds: Thresholds
    verdict: Verdict
    screenshots: list[Sha256] = Field(default_factory=list)


class RenderReport(Contract):
    """Render the order's delivery report if its data changed (pre-render for signing)."""

    order_id: OrderId


class ReportRendered(Contract):
    """A new delivery-report version exists; only the latest version can be signed."""

    order_id: OrderId
    version: int = Field(ge=1, description="Report version (changes when its data changes)")
    sha256: Sha256


SigningChannel = Literal["on_site", "remote"]


class ReportSigned(Contract):
    """The customer signed a delivery-report version (published by the signing pages).

    Publish it with message id `stable_id("report-signed", order_id, version)` (see
    `hub.messaging.ids`) so a repeat collapses in the outbox and in the consumer's inbox.
    """

    order_id: OrderId
    version: int = Field(ge=1, description="The report version that was viewed and signed")
    sha256_signed: Sha256 = Field(description="SHA-256 of the signed PDF (in the data dir)")
    channel: SigningChannel = Field(description="on_site (technician's phone) or remote (link)")


class SignedReportAccepted(WorkOrderEvent):
    """The order holds a signed delivery report; close-out follows."""

    report_version: int = Field(ge=1)
    sha256_signed: Sha256
    channel: SigningChannel


class AttachSignedReport(Contract):
    """Attach the signed report to the order in the support system, report completion (报竣)."""

    order_id: OrderId
    report_version: int = Field(ge=1)
    sha256_signed: Sha256


class SendReportEmail(Contract):
    """E-mail a copy of the signed report; `email_id` is the idempotency key."""

    email_id: Annotated[str, Field(min_length=8, max_length=128, description="Idempotency key")]
    order_id: OrderId
    report_version: int = Field(ge=1)
    sha256_signed: Sha256
    to: str = Field(
        pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$", max_length=254, description="Recipient address"
    )
    recipient_role: Literal["customer", "account_manager"]


class StartBilling(Contract):
    """Start billing (起租) for an archived order with a verified signed report."""

    order_id: OrderId


class BillingStarted(WorkOrderEvent):
    """Billing started for the order (起租); the reference is the billing system's."""

    reference: Annotated[str, Field(min_length=1, max_length=64)]


class ReportEmailSent(Contract):
    """A copy of the signed report was handed to the mail server."""

    email_id: str
    order_id: OrderId
    recipient_role: str
    provider_message_id: str
