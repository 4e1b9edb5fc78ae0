"""Remote signing over the real broker: SMS link → code → report → signature → ReportSigned,
the AMQP command that sends a link, and a reminder fired by a durable timer."""

from __future__ import annotations

import asyncio

import pytest
from pydantic import AnyHttpUrl

from hub.bootstrap import Hub
from hub.config import Settings
from schemas.v1 import SendSigningLink
from tests.helpers import eventually, publish
from tests.integration.signing_support import (
    BASE_URL,
    audit_kinds,
    client_for,
    link_id_of,
    link_token,
    order_on_site,
    report_of,
    report_signed_events,
    send_link,
    signature_count,
    sms_log_bodies,
    verified_customer,
)

pytestmark = pytest.mark.integration


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(
        update={
            "public_base_url": AnyHttpUrl(BASE_URL),
            "signing_reminder_after_h": 1 / 3600,  # one second, so the timer fires in the test
            "signing_max_reminders": 1,
        }
    )


async def test_customer_signs_from_the_sms_link_and_the_report_signed_event_is_published(
    hub: Hub,
) -> None:
    async with client_for(hub) as client:
        await order_on_site(client, "WO-S-1")
        sent = await send_link(client, "WO-S-1")  # no report yet: answered before any render
        assert (sent["status"], sent["sent"], sent["report_version"]) == ("preparing", False, None)
        token = await link_token(hub, "WO-S-1")  # the worker rendered it, then texted the link
        customer = await verified_customer(hub, client, token, await link_id_of(hub, "WO-S-1"))

        report = await customer.view_report()
        assert report.status_code == 200, report.text
        version, sha256 = report_of(report.text)
        signed = await customer.sign(version=version, sha256=sha256)
        assert signed.status_code == 202, signed.text  # accepted; the PDF is not rendered yet
        assert "签名已收到" in signed.text and 'http-equiv="refresh"' in signed.text
        assert "signed.pdf" not in signed.text

        async def shows_the_signed_report() -> bool:  # as the page's refresh does
            page = await client.get(f"{customer.base}/report")
            return "已完成签署" in page.text and "signed.pdf" in page.text

        await eventually(shows_the_signed_report, timeout=30)
        pdf = await client.get(f"{customer.base}/signed.pdf")
        assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
        await eventually(lambda: _one_event(hub, "WO-S-1"), timeout=15)
        assert await signature_count(hub, "WO-S-1") == 1
        assert await report_signed_events(hub, "WO-S-1") == 1
        # The download's line is a read's, written by the runtime's next flush (every 0.5 s):
        # written now, so the trail below does not depend on how fast the checks above ran.
        await hub.signing.audit_buffer.flush()
        kinds = [k for k in await audit_kinds(hub, "WO-S-1") if k != "reminder_sent"]
        assert kinds == [
            "sms_sent",
            "link_fetched",
            "otp_sent",
            "otp_verified",
            "report_viewed",
            "signed",
            "signed_pdf_stored",
            "downloaded",
        ]


async def _one_event(hub: Hub, order_id: str) -> bool:
    return await report_signed_events(hub, order_id) == 1


async def test_send_link_command_over_amqp_texts_once_and_a_timer_reminds_once(hub: Hub) -> None:
    async with client_for(hub) as client:
        await order_on_site(client, "WO-S-AMQP")
    command = SendSigningLink(order_id="WO-S-AMQP")
    await publish(hub, command, message_id="send-link-1")
    await publish(hub, command, message_id="send-link-1")  # a redelivery
    await publish(hub, command, message_id="send-link-2")  # the same request sent again

    async def link_and_reminder_texted() -> bool:
        links = await sms_log_bodies(hub, "signing-link:WO-S-AMQP:")
        return len(links) == 1 and len(await sms_log_bodies(hub, "signing-reminder:")) == 1

    await eventually(link_and_reminder_texted, timeout=30)
    await asyncio.sleep(2.5)  # the cap: no second reminder, no second link
    assert len(await sms_log_bodies(hub, "signing-link:WO-S-AMQP:")) == 1
    assert len(await sms_log_bodies(hub, "signing-reminder:")) == 1
    [reminder] = await sms_log_bodies(hub, "signing-reminder:")
    assert f"{BASE_URL}/s/" in reminder
