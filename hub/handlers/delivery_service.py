"""The delivery flow as one object the consumers and the web layer call (one method per step)."""

from __future__ import annotations

from functools import partial

from hub.content_store import ContentStore
from hub.domain.acceptance import AcceptancePolicy
from hub.handlers import delivery
from hub.handlers.billing import BillingService
from hub.handlers.close_out import CloseOut
from hub.handlers.email import EmailService
from hub.messaging.processing import MessageProcessor
from hub.reports.service import ReportService
from schemas.v1 import (
    AttachSignedReport,
    RecordPingResult,
    RecordSpeedTest,
    ReportSigned,
    SendReportEmail,
    StartBilling,
)

CONSUMER_OF: dict[type[RecordPingResult | RecordSpeedTest], str] = {
    RecordPingResult: "delivery.record_ping",
    RecordSpeedTest: "delivery.record_speed",
}


class Delivery:
    """Test results → report → signed report → close-out → e-mail → billing."""

    def __init__(
        self,
        processor: MessageProcessor,
        *,
        policy: AcceptancePolicy,
        reports: ReportService,
        close_out: CloseOut,
        emails: EmailService,
        billing: BillingService,
    ) -> None:
        self.processor = processor
        self.policy = policy
        self.reports = reports
        self.store: ContentStore = reports.store
        self.close_out = close_out
        self.emails = emails
        self.billing = billing

    async def record_test(
        self, cmd: RecordPingResult | RecordSpeedTest, *, message_id: str | None
    ) -> bool:
        """Store a ping or speed test (False if this message was already processed)."""
        handler = partial(delivery.record_test_result, policy=self.policy)
        return await self.processor.run(CONSUMER_OF[type(cmd)], message_id, cmd, handler)

    async def render(self, order_id: str) -> None:
        """Render the order's report if its data changed."""
        await self.reports.latest(order_id)

    async def accept_signature(self, event: ReportSigned, *, message_id: str | None) -> None:
        handler = partial(delivery.accept_signed_report, store=self.store)
        await self.processor.run("delivery.report_signed", message_id, event, handler)

    async def attach(self, cmd: AttachSignedReport, *, message_id: str | None) -> None:
        await self.close_out.attach_and_archive(cmd, message_id=message_id)

    async def send_email(self, cmd: SendReportEmail) -> None:
        await self.emails.send(cmd)

    async def start_billing(self, cmd: StartBilling) -> None:
        await self.billing.start(cmd)
