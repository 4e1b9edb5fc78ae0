"""Close-out over the real broker, on both databases: signed report → 报竣 → archive → billing.

The signing pages are stood in for by publishing `ReportSigned` through the outbox.
"""

from __future__ import annotations

import asyncio
import email
import email.policy
import hashlib
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from adapters.billing.embedded import EmbeddedBilling
from adapters.support.embedded import EmbeddedWorkOrderSystem
from hub.bootstrap import Hub, bootstrap
from hub.config import EmailMode, Settings
from hub.db.tables import email_messages
from hub.domain.work_order import Status
from hub.runtime import Runtime
from schemas.v1 import Contact, CreateWorkOrder
from tests import delivery_factories as df
from tests import factories, services
from tests.delivery_support import checked_in, pdf_text, record_passing_tests
from tests.delivery_support import publish_report_signed as publish_signed
from tests.fakes.standin_oracles import BillingRecords, SupportRecords
from tests.helpers import eventually, publish, run

pytestmark = pytest.mark.integration


@dataclass
class Sink:
    """An SMTP server (aiosmtpd) that keeps every message it accepts."""

    messages: list[EmailMessage] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        self.messages.append(message)
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp_sink(unused_tcp_port: int) -> Iterator[tuple[Sink, int]]:
    sink = Sink()
    controller = Controller(sink, hostname="127.0.0.1", port=unused_tcp_port)
    controller.start()
    yield sink, unused_tcp_port
    controller.stop()


@pytest.fixture
async def mail_hub(
    settings: Settings, vhost: str, smtp_sink: tuple[Sink, int]
) -> AsyncIterator[Hub]:
    """A hub whose mailer is SMTP to the sink."""
    mail = settings.model_copy(
        update={"email_mode": EmailMode.SMTP, "smtp_port": smtp_sink[1], "report_workers": 1}
    )
    async with _running(mail, vhost) as hub:
        yield hub


class _running:
    def __init__(self, settings: Settings, vhost: str) -> None:
        self.settings = settings
        self.vhost = vhost

    async def __aenter__(self) -> Hub:
        self.hub = bootstrap(self.settings)
        self.runtime = Runtime(self.hub)
        await self.runtime.start()
        return self.hub

    async def __aexit__(self, *exc: object) -> None:
        await self.runtime.stop()
        await services.purge_by_prefix(self.vhost, self.settings.queue_prefix)


def with_emails(order_id: str) -> CreateWorkOrder:
    order = factories.create_order(order_id)
    contact = Contact(name="张伟", phone=order.contact.phone, email="zhang.wei@customer.example")
    return order.model_copy(update={"contact": contact})


async def order_of(hub: Hub, order_id: str):  # type: ignore[no-untyped-def]
    async with hub.uow() as uow:
        return await uow.orders.get(order_id)


async def until_billed(hub: Hub, *order_ids: str, timeout: float = 60) -> None:
    async def billed() -> bool:
        for oid in order_ids:
            order = await order_of(hub, oid)
            if order.billing_reference is None:
                return False
        return True

    await eventually(billed, timeout=timeout)


def total_parked(hub: Hub) -> float:
    return sum(
        sample.value
        for metric in hub.metrics.messages_parked.collect()
        for sample in metric.samples
        if sample.name.endswith("_total")
    )


def parked(hub: Hub, consumer: str, error_type: str) -> float:
    return hub.metrics.messages_parked.labels(consumer, error_type)._value.get()  # type: ignore[no-any-return]


async def test_a_signed_report_is_attached_completed_archived_emailed_and_billed_once(
    mail_hub: Hub, smtp_sink: tuple[Sink, int]
) -> None:
    hub, sink = mail_hub, smtp_sink[0]
    order = with_emails("WO-CLOSE-1")
    await checked_in(hub, order.order_id, order)
    await record_passing_tests(hub, order.order_id, order.bandwidth_mbps)
    report = await hub.reports.render_if_changed(order.order_id)
    signed = await hub.reports.render_signed(
        report, signature_png=df.signature_png(), signer_name="张伟", audit=[]
    )

    await publish_signed(hub, order.order_id, report.version, signed.sha256)
    await until_billed(hub, order.order_id)

    final = await order_of(hub, order.order_id)
    assert final.status is Status.ARCHIVED
    assert final.signed_report is not None and final.signed_report.sha256 == signed.sha256
    support = hub.work_order_system
    billing = hub.billing
    assert isinstance(support, EmbeddedWorkOrderSystem) and isinstance(billing, EmbeddedBilling)
    [attached] = await support.attachments(order.order_id)
    assert attached["sha256"] == signed.sha256
    support_records = SupportRecords.of(support)
    content = await support_records.attachment_content(order.order_id, signed.sha256)
    assert content == signed.path.read_bytes()
    completions = await support_records.calls("report_completion")
    assert completions == [("report_completion", f"completion:{order.order_id}")]
    [start] = await billing.starts(order_id=order.order_id)
    assert start["report_sha256"] == signed.sha256
    assert final.billing_reference == start["reference"]
    assert await BillingRecords.of(billing).calls("start") == [
        ("start", f"billing:{order.order_id}")
    ]

    async with hub.uow() as uow:
        steps = [e.step for e in await uow.flow_log.list(order.order_id)]
    assert steps[-6:] == [
        "ping_test",
        "speed_test",
        "report_signed",
        "completed",
        "archived",
        "billing_started",
    ]

    async def both_mailed() -> bool:
        return len(sink.messages) >= 2

    await eventually(both_mailed)
    await asyncio.sleep(0.3)  # a duplicate, if any, would arrive now
    assert sorted(str(m["To"]) for m in sink.messages) == [
        "li.na@example.com",
        "zhang.wei@customer.example",
    ]
    for message in sink.messages:
        [attachment] = list(message.iter_attachments())
        pdf = attachment.get_payload(decode=True)
        assert hashlib.sha256(pdf).hexdigest() == signed.sha256
        assert attachment.get_filename().endswith("-signed.pdf")
        assert "WO-CLOSE-1" in pdf_text(pdf)


async def test_duplicate_signatures_and_two_workers_still_bill_each_order_once(
    hub: Hub, settings: Settings, vhost: str
) -> None:
    order_ids = [f"WO-DUP-{i}" for i in range(6)]
    async with _running(settings, vhost) as second:  # a second worker on the same queues
        signed: dict[str, str] = {}
        for oid in order_ids:
            await checked_in(hub, oid)
            _, signed[oid] = await fake_signed(hub, oid)
        for oid in order_ids:
            for copy in range(3):  # three publishes with their own ids: the inbox cannot help
                await publish_signed(hub, oid, 1, signed[oid], message_id=f"sig-{oid}-{copy}")
            for _ in range(2):  # and one message id delivered twice, straight to the broker
                await publish(second, df.report_signed(oid, 1, signed[oid]), message_id=f"d-{oid}")
        await until_billed(hub, *order_ids, timeout=90)
        for oid in order_ids:  # late duplicate starts, from both workers
            await _publish_start(hub, oid)
            await _publish_start(second, oid)
        await asyncio.sleep(1.0)
        suppressed = sum(
            h.metrics.duplicates_suppressed.labels("delivery.report_signed")._value.get()
            for h in (hub, second)
        )
        assert total_parked(second) == 0

    assert suppressed >= len(order_ids)  # the repeated ids reached a consumer and were dropped
    assert total_parked(hub) == 0
    billing = hub.billing
    assert isinstance(billing, EmbeddedBilling)
    starts = await billing.starts()
    assert sorted(s["order_id"] for s in starts) == sorted(order_ids)
    assert len(await BillingRecords.of(billing).calls("start")) == len(order_ids)
    async with hub.db.read() as conn:
        mails = (await conn.execute(select(email_messages.c.email_id))).all()
    assert len(mails) == len(order_ids)  # the account manager of each order, once
    for oid in order_ids:
        order = await order_of(hub, oid)
        assert order.status is Status.ARCHIVED
        assert order.billing_reference is not None


async def test_an_unsigned_archived_order_is_never_billed(hub: Hub) -> None:
    oid = "WO-UNSIGNED-1"
    await checked_in(hub, oid)

    await run(hub, factories.complete(oid))
    await run(hub, factories.archive(oid))
    await _publish_start(hub, oid)  # even when asked directly

    async def refused() -> bool:
        return parked(hub, "billing.start", "IllegalTransition") >= 1

    await eventually(refused)
    billing = hub.billing
    assert isinstance(billing, EmbeddedBilling)
    assert await BillingRecords.of(billing).calls() == []
    assert (await order_of(hub, oid)).billing_reference is None


async def test_a_tampered_signed_report_is_parked_and_nothing_is_billed(hub: Hub) -> None:
    oid = "WO-TAMPER-1"
    await checked_in(hub, oid)
    version, sha = await fake_signed(hub, oid)
    path = hub.reports.path_for(sha)
    path.write_bytes(path.read_bytes() + b"x")

    await publish_signed(hub, oid, version, sha)

    async def refused() -> bool:
        return parked(hub, "delivery.report_signed", "TamperedReport") >= 1

    await eventually(refused)
    order = await order_of(hub, oid)
    assert order.status is Status.CHECKED_IN
    assert order.signed_report is None
    billing = hub.billing
    assert isinstance(billing, EmbeddedBilling)
    assert await BillingRecords.of(billing).calls() == []


async def test_a_lost_billing_answer_is_reconciled_not_billed_twice(hub: Hub) -> None:
    billing = hub.billing
    assert isinstance(billing, EmbeddedBilling)
    billing.lose_next_answers = 1  # the start is applied, then the answer is lost
    oid = "WO-LOST-1"
    await checked_in(hub, oid)
    version, sha = await fake_signed(hub, oid)

    await publish_signed(hub, oid, version, sha)
    await until_billed(hub, oid)

    key = f"billing:{oid}"
    assert await BillingRecords.of(billing).calls() == [("start", key), ("lookup", key)]
    [start] = await billing.starts(order_id=oid)
    assert (await order_of(hub, oid)).billing_reference == start["reference"]


async def test_a_render_past_its_time_limit_is_parked(settings: Settings, vhost: str) -> None:
    slow = settings.model_copy(update={"report_render_timeout_s": 0.01, "report_workers": 1})
    async with _running(slow, vhost) as hub:
        await checked_in(hub, "WO-SLOW-1")
        await hub.commands.run(df.ping("WO-SLOW-1"), message_id="slow-ping")

        async def killed_and_parked() -> bool:
            return parked(hub, "report.render", "ReportRenderFailed") >= 1

        await eventually(killed_and_parked, timeout=60)
        assert hub.reports.pool.killed >= 1


async def fake_signed(hub: Hub, order_id: str) -> tuple[int, str]:
    from tests.delivery_support import fake_signed_report

    return await fake_signed_report(hub, order_id)


async def _publish_start(hub: Hub, order_id: str) -> None:
    from schemas.v1 import StartBilling

    await publish(hub, StartBilling(order_id=order_id))
