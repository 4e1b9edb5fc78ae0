"""Close-out of a signed order: hold the report, attach it, report completion, archive, bill."""

from __future__ import annotations

import hashlib

import pytest

from hub.domain.work_order import Status
from hub.errors import StaleReport, TamperedReport, TransientAdapterError
from schemas.v1 import (
    AttachSignedReport,
    BillingStarted,
    ReportSigned,
    SendReportEmail,
    StartBilling,
    WorkOrderArchived,
    WorkOrderCreated,
)
from tests.delivery_factories import ping
from tests.handlers.harness import FakeHub
from tests.handlers.signing_steps import signed_remotely, tamper


async def test_a_signed_report_closes_the_order_out_through_to_billing(hub: FakeHub) -> None:
    signature = await signed_remotely(hub, "WO-1")
    await hub.deliver()
    order = hub.tables.orders["WO-1"]
    assert order.status is Status.ARCHIVED
    assert order.signed_report is not None
    assert order.signed_report.sha256 == signature.signed_sha256
    [attachment] = hub.support.attachments_of("WO-1")
    assert attachment.sha256 == signature.signed_sha256
    assert ("report_completion", "completion:WO-1") in hub.support.calls
    assert hub.support.orders["WO-1"] == "archived"
    [start] = hub.billing.starts_of("WO-1")
    assert start.report_sha256 == signature.signed_sha256
    assert order.billing_reference == start.reference
    assert [e.reference for e in hub.tables.published(BillingStarted)] == [start.reference]
    assert [m.to for m in hub.tables.published(SendReportEmail)] == ["li.na@example.com"]
    assert len(hub.mailer.sent) == 1


async def test_a_repeated_attach_adds_one_attachment_and_archives_once(hub: FakeHub) -> None:
    await signed_remotely(hub, "WO-1")
    await hub.deliver(WorkOrderCreated)
    await hub.deliver(ReportSigned)
    [attach] = hub.tables.published(AttachSignedReport)
    close_out = hub.use_cases.close_out
    await close_out.attach_and_archive(attach, message_id="m-1")
    await close_out.attach_and_archive(attach, message_id="m-1")  # redelivered
    await close_out.attach_and_archive(attach, message_id="m-2")  # published twice
    assert len(hub.support.attachments_of("WO-1")) == 1
    assert [k for op, k in hub.support.calls if op == "attach_report"] == ["report:WO-1:v1"] * 3
    assert len(hub.tables.published(WorkOrderArchived)) == 1
    assert len(hub.tables.published(StartBilling)) == 1


async def test_a_support_outage_leaves_the_order_open_until_the_retry(hub: FakeHub) -> None:
    await signed_remotely(hub, "WO-1")
    await hub.deliver(WorkOrderCreated)
    await hub.deliver(ReportSigned)
    hub.support.fail_next = 1
    with pytest.raises(TransientAdapterError):
        await hub.deliver(AttachSignedReport)
    assert hub.order("WO-1").status is Status.COMPLETED
    await hub.deliver(AttachSignedReport)
    assert hub.order("WO-1").status is Status.ARCHIVED
    assert len(hub.support.attachments_of("WO-1")) == 1


async def test_a_tampered_signed_pdf_is_not_accepted(hub: FakeHub) -> None:
    signature = await signed_remotely(hub, "WO-1", close_out=False)
    assert signature.signed_sha256 is not None
    tamper(hub, signature.signed_sha256)
    with pytest.raises(TamperedReport):
        await hub.deliver(ReportSigned)
    order = hub.tables.orders["WO-1"]
    assert (order.status, order.signed_report) == (Status.CHECKED_IN, None)
    assert hub.tables.published(AttachSignedReport) == []


async def test_a_signature_of_a_report_replaced_since_is_refused(hub: FakeHub) -> None:
    await signed_remotely(hub, "WO-1", close_out=False)
    await hub.run(ping("WO-1"))
    await hub.reports.render_if_changed("WO-1")  # version 2 now exists
    with pytest.raises(StaleReport, match="the latest is v2"):
        await hub.deliver(ReportSigned)
    assert hub.tables.orders["WO-1"].signed_report is None


async def test_the_attached_pdf_is_the_signed_one_byte_for_byte(hub: FakeHub) -> None:
    signature = await signed_remotely(hub, "WO-1")
    await hub.deliver()
    assert signature.signed_sha256 is not None
    stored = hub.store.path_for(signature.signed_sha256).read_bytes()
    assert hashlib.sha256(stored).hexdigest() == signature.signed_sha256
    [attachment] = hub.support.attachments_of("WO-1")
    assert attachment.size_bytes == len(stored)
