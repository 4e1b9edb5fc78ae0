"""The notification consumer with the in-memory broker: each SMS is kept by the SMS platform
exactly once, and its sending announced."""

from __future__ import annotations

from hub.bootstrap import Hub
from schemas.v1 import SendSms
from tests import factories
from tests.consumers.memory_reads import forward, outbox_bodies, parked
from tests.fakes.standin_oracles import SmsRecords
from tests.helpers import publish

PHONE = "+8613812345678"


def notice(sms_id: str = "sms-notice-0001") -> SendSms:
    return SendSms(
        sms_id=sms_id,
        to=PHONE,
        body="【政企交付】测试短信",
        purpose="test_notice",
        order_id="WO-N0",
    )


async def test_a_dispatch_notice_from_the_outbox_is_texted_to_the_technician_once(
    memory_hub: Hub,
) -> None:
    await publish(memory_hub, factories.create_order("WO-N1"))
    await publish(memory_hub, factories.dispatch("WO-N1", "T-N1"))
    [queued] = await outbox_bodies(memory_hub, "SendSms.v1")

    assert await forward(memory_hub, "SendSms.v1") == 1

    sms = SmsRecords.of(memory_hub.sms_sender)
    [(sms_id, body)] = await sms.texts()
    assert sms_id == queued["sms_id"] and "WO-N1" in body
    assert (await sms.history([sms_id]))[0][0] == sms_id
    [sent] = await outbox_bodies(memory_hub, "SmsSent.v1")
    assert (sent["sms_id"], sent["order_id"]) == (sms_id, "WO-N1")
    assert sent["provider_message_id"] == (await sms.history([sms_id]))[0][1]
    assert parked(memory_hub) == []


async def test_a_sealed_text_is_opened_before_it_is_sent(memory_hub: Hub) -> None:
    secret = "【政企交付】签字链接 https://hub.example/s/abc123"
    sealed = notice("sms-sealed-001").model_copy(
        update={"body": None, "sealed_body": memory_hub.signing.sealer.seal(secret)}
    )

    await publish(memory_hub, sealed)

    assert await SmsRecords.of(memory_hub.sms_sender).texts() == [("sms-sealed-001", secret)]


async def test_the_same_message_id_twice_sends_one_sms(memory_hub: Hub) -> None:
    await publish(memory_hub, notice(), message_id="dup-sms-1")
    await publish(memory_hub, notice(), message_id="dup-sms-1")

    assert await SmsRecords.of(memory_hub.sms_sender).sms_ids() == ["sms-notice-0001"]
    assert len(await outbox_bodies(memory_hub, "SmsSent.v1")) == 1
    assert parked(memory_hub) == []


async def test_a_redelivery_under_a_new_message_id_sends_no_second_sms(memory_hub: Hub) -> None:
    await publish(memory_hub, notice(), message_id="first-delivery")
    await publish(memory_hub, notice(), message_id="relayed-again")

    assert await SmsRecords.of(memory_hub.sms_sender).sms_ids() == ["sms-notice-0001"]
    assert len(await outbox_bodies(memory_hub, "SmsSent.v1")) == 1
