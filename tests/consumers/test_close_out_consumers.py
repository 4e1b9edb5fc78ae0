"""The close-out consumers with the in-memory broker: the signed report written back (报竣) and
the order archived, billing started (起租) and the report e-mailed, each exactly once."""

from __future__ import annotations

from sqlalchemy import select

from adapters.email.local_mailbox import email_log
from hub.bootstrap import Hub
from hub.domain.work_order import Status
from schemas.v1 import Contact
from tests import delivery_factories as df
from tests import factories
from tests.consumers.memory_reads import forward, order_of, outbox_bodies, parked
from tests.delivery_support import checked_in, fake_signed_report
from tests.fakes.standin_oracles import BillingRecords, MailRecords, SupportRecords
from tests.helpers import publish

CUSTOMER_EMAIL = "zhang.wei@customer.example"


async def signed(hub: Hub, order_id: str) -> str:
    """An order registered in the support system, whose customer signed its report (the
    close-out messages wait in the outbox); the signed PDF's SHA-256."""
    order = factories.create_order(order_id)
    contact = Contact(name="张伟", phone=order.contact.phone, email=CUSTOMER_EMAIL)
    await checked_in(hub, order_id, order.model_copy(update={"contact": contact}))
    await forward(hub, "WorkOrderCreated.v1")
    version, signed_sha = await fake_signed_report(hub, order_id)
    await publish(hub, df.report_signed(order_id, version, signed_sha))
    return signed_sha


async def archived(hub: Hub, order_id: str) -> str:
    signed_sha = await signed(hub, order_id)
    await forward(hub, "AttachSignedReport.v1")
    return signed_sha


async def test_the_signed_report_is_attached_completion_reported_and_the_order_archived(
    memory_hub: Hub,
) -> None:
    signed_sha = await signed(memory_hub, "WO-C1")

    assert await forward(memory_hub, "AttachSignedReport.v1") == 1

    support = SupportRecords.of(memory_hub.work_order_system)
    pdf = await memory_hub.reports.store.read_verified(signed_sha)
    assert await support.attachment_content("WO-C1", signed_sha) == pdf
    assert ("report_completion", "completion:WO-C1") in await support.calls()
    assert (await order_of(memory_hub, "WO-C1")).status is Status.ARCHIVED
    assert [b["order_id"] for b in await outbox_bodies(memory_hub, "StartBilling.v1")] == ["WO-C1"]
    assert parked(memory_hub) == []


async def test_billing_starts_for_the_archived_signed_order(memory_hub: Hub) -> None:
    await archived(memory_hub, "WO-C2")

    await forward(memory_hub, "StartBilling.v1")

    assert await BillingRecords.of(memory_hub.billing).billed_orders() == ["WO-C2"]
    order = await order_of(memory_hub, "WO-C2")
    [started] = await outbox_bodies(memory_hub, "BillingStarted.v1")
    assert order.billing_reference is not None
    assert started["reference"] == order.billing_reference
    assert parked(memory_hub) == []


async def test_the_same_billing_start_twice_bills_once(memory_hub: Hub) -> None:
    await archived(memory_hub, "WO-C3")

    await forward(memory_hub, "StartBilling.v1")
    await forward(memory_hub, "StartBilling.v1")  # redelivered: the same message id

    assert await BillingRecords.of(memory_hub.billing).billed_orders() == ["WO-C3"]
    assert len(await outbox_bodies(memory_hub, "BillingStarted.v1")) == 1
    assert parked(memory_hub) == []


async def test_the_signed_report_is_emailed_once_to_each_recipient(memory_hub: Hub) -> None:
    signed_sha = await signed(memory_hub, "WO-C4")

    assert await forward(memory_hub, "SendReportEmail.v1") == 2
    await forward(memory_hub, "SendReportEmail.v1")  # redelivered: the same message ids

    mail = MailRecords.of(memory_hub.mailer)
    kept = await mail.rows(select(email_log.c.recipient, email_log.c.attachment_sha256))
    assert sorted(kept) == sorted(
        [
            (CUSTOMER_EMAIL, signed_sha),
            (factories.create_order("WO-C4").account_manager.email, signed_sha),
        ]
    )
    sent = await outbox_bodies(memory_hub, "ReportEmailSent.v1")
    assert sorted(s["recipient_role"] for s in sent) == ["account_manager", "customer"]
    assert parked(memory_hub) == []
