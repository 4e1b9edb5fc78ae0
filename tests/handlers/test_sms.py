"""Sending an SMS exactly once per `sms_id` (`SmsService`), whatever fails on the way."""

from __future__ import annotations

import asyncio

import pytest

from hub.errors import PermanentAdapterError, TransientAdapterError
from hub.handlers.sms import SmsDeliveryStatus, SmsInFlight
from schemas.v1 import SendSms, SmsSent
from tests.fakes import SimulatedCrash
from tests.handlers.harness import LEASE, FakeHub

PHONE = "+8613800138000"


def text(sms_id: str = "notice-0001") -> SendSms:
    return SendSms(
        sms_id=sms_id, to=PHONE, body="【政企交付】测试短信", purpose="test", order_id="WO-1"
    )


async def test_an_sms_is_sent_once_and_its_text_is_not_kept(hub: FakeHub) -> None:
    await hub.run(text())
    assert [(s.sms_id, s.to) for s in hub.sms.sent] == [("notice-0001", PHONE)]
    row = hub.tables.sms["notice-0001"]
    assert (row.state, row.body) == ("sent", "")  # the text carried links or codes
    assert row.to_masked.startswith("+86") and "13800138" not in row.to_masked
    [sent] = hub.tables.published(SmsSent)
    assert sent.provider_message_id == hub.sms.sent[0].provider_message_id


async def test_a_repeated_command_sends_nothing_more(hub: FakeHub) -> None:
    await hub.run(text(), message_id="m-1")
    await hub.run(text(), message_id="m-1")
    await hub.run(text(), message_id="m-2")  # the same SMS under another message id
    assert hub.sms.sends_of("notice-0001") == 1
    assert len(hub.tables.published(SmsSent)) == 1


async def test_a_crash_after_sending_is_reconciled_not_resent(hub: FakeHub) -> None:
    hub.uow.crash_on_commit(after=1)  # the lease commits, the provider sends, then we die
    with pytest.raises(SimulatedCrash):
        await hub.run(text())
    assert hub.sms.sends_of("notice-0001") == 1
    assert hub.tables.sms["notice-0001"].state == "sending"
    with pytest.raises(SmsInFlight):  # redelivered at once: the dead attempt's lease holds
        await hub.run(text())
    hub.clock.advance(LEASE)
    await hub.run(text())
    assert hub.sms.sends_of("notice-0001") == 1
    assert hub.sms.lookups == ["notice-0001"]
    assert hub.tables.sms["notice-0001"].state == "sent"
    assert len(hub.tables.published(SmsSent)) == 1


async def test_a_lost_answer_is_looked_up_before_sending_again(hub: FakeHub) -> None:
    hub.sms.lose_next_answers = 1
    with pytest.raises(TransientAdapterError):
        await hub.run(text())
    assert hub.tables.sms["notice-0001"].lease_until is None  # the retry may start at once
    await hub.run(text())
    assert hub.sms.sends_of("notice-0001") == 1
    assert hub.tables.sms["notice-0001"].provider_message_id == "SM000001"


async def test_an_outage_releases_the_lease_and_the_retry_sends(hub: FakeHub) -> None:
    hub.sms.unavailable = True
    with pytest.raises(TransientAdapterError):
        await hub.run(text())
    assert hub.sms.sent == []
    hub.sms.unavailable = False
    await hub.run(text())
    assert hub.sms.sends_of("notice-0001") == 1
    assert hub.tables.sms["notice-0001"].attempts == 2


async def test_a_refused_sms_is_failed_for_good_and_not_tried_again(hub: FakeHub) -> None:
    hub.sms.refuse_next = 1
    with pytest.raises(PermanentAdapterError):
        await hub.run(text())
    row = hub.tables.sms["notice-0001"]
    assert (row.state, row.body, row.error_code) == ("failed", "", "PermanentAdapterError")
    await hub.run(text())
    assert hub.sms.sent == []
    assert hub.tables.published(SmsSent) == []


async def test_two_deliveries_at_once_send_one_sms(hub: FakeHub) -> None:
    hub.sms.slow = True
    outcomes = await asyncio.gather(hub.run(text()), hub.run(text()), return_exceptions=True)
    assert sorted(type(o).__name__ for o in outcomes) == ["SmsInFlight", "bool"]
    assert hub.sms.sends_of("notice-0001") == 1


async def test_delivery_statuses_only_move_forward(hub: FakeHub) -> None:
    await hub.run(text())
    provider_id = hub.sms.sent[0].provider_message_id
    statuses = SmsDeliveryStatus(hub.uow)
    assert await statuses.record(provider_id, "delivered", sms_id=None) is True
    assert await statuses.record(provider_id, "sent", sms_id=None) is False  # late callback
    assert await statuses.record(provider_id, "bogus", sms_id=None) is False
    assert hub.tables.sms["notice-0001"].delivery_status == "delivered"


async def test_a_status_arriving_before_the_provider_id_is_found_by_sms_id(hub: FakeHub) -> None:
    hub.uow.crash_on_commit(after=1)
    with pytest.raises(SimulatedCrash):
        await hub.run(text())
    provider_id = hub.sms.sent[0].provider_message_id
    statuses = SmsDeliveryStatus(hub.uow)
    assert await statuses.record(provider_id, "delivered", sms_id="notice-0001") is True
    assert hub.tables.sms["notice-0001"].delivery_status == "delivered"
