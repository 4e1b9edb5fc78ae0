"""The signing consumers with the in-memory broker: a signed report completes the order and
queues its close-out; a signing link is texted sealed, and its reminder follows."""

from __future__ import annotations

from typing import Any

from hub.bootstrap import Hub
from hub.domain.signing import Channel, LinkStatus
from hub.domain.work_order import Status
from hub.handlers.timer_kinds import SIGNING_REMINDER
from schemas.v1 import Contact, CreateWorkOrder, RemindSigner, SendSigningLink
from tests import delivery_factories as df
from tests import factories
from tests.consumers.memory_reads import order_of, outbox_bodies, parked
from tests.delivery_support import checked_in, fake_signed_report, record_passing_tests
from tests.helpers import publish

CUSTOMER_EMAIL = "zhang.wei@customer.example"


def with_email(order_id: str) -> CreateWorkOrder:
    order = factories.create_order(order_id)
    contact = Contact(name="张伟", phone=order.contact.phone, email=CUSTOMER_EMAIL)
    return order.model_copy(update={"contact": contact})


async def texts(hub: Hub, purpose: str) -> list[dict[str, Any]]:
    return [s for s in await outbox_bodies(hub, "SendSms.v1") if s["purpose"] == purpose]


async def test_a_signed_report_completes_the_order_and_queues_attach_and_emails(
    memory_hub: Hub,
) -> None:
    order = with_email("WO-G1")
    await checked_in(memory_hub, "WO-G1", order)
    version, signed_sha = await fake_signed_report(memory_hub, "WO-G1")

    await publish(memory_hub, df.report_signed("WO-G1", version, signed_sha))

    held = await order_of(memory_hub, "WO-G1")
    assert held.status is Status.COMPLETED
    assert held.signed_report is not None and held.signed_report.sha256 == signed_sha
    [attach] = await outbox_bodies(memory_hub, "AttachSignedReport.v1")
    assert (attach["order_id"], attach["report_version"], attach["sha256_signed"]) == (
        "WO-G1",
        version,
        signed_sha,
    )
    emails = await outbox_bodies(memory_hub, "SendReportEmail.v1")
    assert sorted((e["recipient_role"], e["to"]) for e in emails) == [
        ("account_manager", order.account_manager.email),
        ("customer", CUSTOMER_EMAIL),
    ]
    assert parked(memory_hub) == []


async def test_a_signing_link_is_texted_sealed_and_its_reminder_follows(memory_hub: Hub) -> None:
    """Renders report v1 (the link points at the latest version): about 2 s of this tier."""
    order = factories.create_order("WO-G2")
    await checked_in(memory_hub, "WO-G2", order)
    await record_passing_tests(memory_hub, "WO-G2", order.bandwidth_mbps)

    await publish(memory_hub, SendSigningLink(order_id="WO-G2"))

    async with memory_hub.uow.read() as uow:
        [link] = await uow.signing.links_for("WO-G2", channel=Channel.REMOTE)
        reminders = [t for t in await uow.timers.list() if t.kind == SIGNING_REMINDER]
    assert (link.report_version, link.status) == (1, LinkStatus.ACTIVE)
    [sms] = await texts(memory_hub, "signing_link")
    assert (sms["to"], sms["body"]) == (order.contact.phone, None)  # the link is a secret
    assert "WO-G2" in memory_hub.signing.sealer.open(sms["sealed_body"])
    [timer] = reminders
    assert isinstance(timer.message, RemindSigner) and timer.message.link_id == link.link_id

    await publish(memory_hub, timer.message)  # as the timer scheduler fires it

    [reminder] = await texts(memory_hub, "signing_reminder")
    assert reminder["sms_id"] == f"signing-reminder:{link.link_id}:1"
    async with memory_hub.uow.read() as uow:
        reminded = await uow.signing.link(link.link_id)
    assert reminded is not None and reminded.reminders_sent == 1
    assert parked(memory_hub) == []
