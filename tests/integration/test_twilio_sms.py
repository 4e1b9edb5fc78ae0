"""SMS through the twilio provider over the real broker, against the embedded fake Twilio."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from urllib.parse import quote

import aio_pika
import pytest
from pydantic import AnyHttpUrl, SecretStr
from sqlalchemy import select

from hub.bootstrap import Hub
from hub.config import Settings, SmsProvider
from hub.db.sms import SmsState
from hub.db.tables import sms_messages
from schemas.v1 import SendSms
from tests import factories
from tests.fakes.fake_twilio import FakeTwilio
from tests.helpers import eventually, publish

pytestmark = pytest.mark.integration

SID = "AC" + "c" * 32
TOKEN = "integration-test-token"
FROM = "+15005550006"
PUBLIC = "https://hub.example.com"
INVALID_NUMBER = "+15005550001"  # Twilio's magic test number: 21211


@pytest.fixture
async def fake() -> AsyncIterator[FakeTwilio]:
    async with FakeTwilio(SID, TOKEN) as server:
        yield server


@pytest.fixture
def settings(settings: Settings, fake: FakeTwilio) -> Settings:
    """Test settings with the twilio provider aimed at the fake; conftest's `hub` uses them."""
    return settings.model_copy(
        update={
            "sms_provider": SmsProvider.TWILIO,
            "twilio_account_sid": SID,
            "twilio_auth_token": SecretStr(TOKEN),
            "twilio_from_number": FROM,
            "twilio_base_url": AnyHttpUrl(fake.url),
            "public_base_url": AnyHttpUrl(PUBLIC),
        }
    )


@dataclass(frozen=True)
class SmsRow:
    """An `sms_messages` row as the hub stored it."""

    state: SmsState
    provider_message_id: str | None
    attempts: int


async def sms_row(hub: Hub, sms_id: str) -> SmsRow | None:
    query = select(sms_messages).where(sms_messages.c.sms_id == sms_id)
    async with hub.db.read() as conn:
        row = (await conn.execute(query)).mappings().first()
    if row is None:
        return None
    return SmsRow(SmsState(row["state"]), row["provider_message_id"], row["attempts"])


async def wait_for_state(hub: Hub, sms_id: str, state: SmsState) -> SmsRow:
    async def reached() -> bool:
        row = await sms_row(hub, sms_id)
        return row is not None and row.state is state

    await eventually(reached)
    row = await sms_row(hub, sms_id)
    assert row is not None
    return row


def calls(fake: FakeTwilio, method: str) -> int:
    return sum(1 for m, _ in fake.requests if m == method)


def send_sms(sms_id: str, to: str = "+8613900139000") -> SendSms:
    return SendSms(sms_id=sms_id, to=to, body=f"测试短信 {sms_id}", purpose="test")


async def test_dispatch_sends_one_text_to_the_technician_with_a_status_callback(
    hub: Hub, fake: FakeTwilio
) -> None:
    oid = "WO-TWILIO-1"
    await publish(hub, factories.create_order(oid))

    async def created() -> bool:
        async with hub.uow() as uow:
            return await uow.orders.find(oid) is not None

    await eventually(created)
    await publish(hub, factories.dispatch(oid))

    sms_id = f"dispatch-notice:{oid}:v2"
    row = await wait_for_state(hub, sms_id, SmsState.SENT)
    await asyncio.sleep(0.5)  # time for a duplicate to show up, if there were one

    [message] = fake.messages
    assert message.to == factories.technician().phone
    assert message.from_ == FROM
    assert message.status_callback == (
        f"{PUBLIC}/webhooks/twilio/status?sms_id={quote(sms_id, safe='')}"
    )
    assert row.provider_message_id == message.sid
    assert calls(fake, "POST") == 1


async def test_an_invalid_number_fails_the_sms_and_parks_the_command_without_retry(
    hub: Hub, fake: FakeTwilio
) -> None:
    sms_id = "sms-invalid-number-1"
    await publish(hub, send_sms(sms_id, to=INVALID_NUMBER))

    await wait_for_state(hub, sms_id, SmsState.FAILED)
    parked = await next_parked(hub)
    assert parked["x-error-type"] == "PermanentAdapterError"
    assert "21211" in parked["x-error-message"]
    assert "5550001" not in parked["x-error-message"]
    await asyncio.sleep(1.0)  # longer than the retry delays: nothing may come back
    assert calls(fake, "POST") == 1
    assert fake.messages == []


async def test_a_twilio_500_is_retried_later_and_sent_exactly_once(
    hub: Hub, fake: FakeTwilio
) -> None:
    sms_id = "sms-server-error-1"
    fake.fail_next(status=500)
    await publish(hub, send_sms(sms_id))

    row = await wait_for_state(hub, sms_id, SmsState.SENT)
    await asyncio.sleep(0.5)

    [message] = fake.messages
    assert row.provider_message_id == message.sid
    assert row.attempts == 2
    assert calls(fake, "POST") == 2  # the refused one and the one that went through
    assert calls(fake, "GET") == 1  # the retry asked Twilio before sending again


async def test_after_a_crash_the_text_twilio_already_has_is_adopted_not_resent(
    hub: Hub, fake: FakeTwilio
) -> None:
    cmd = send_sms("sms-crashed-attempt-1")
    # The crashed attempt: leased, handed to Twilio, then gone before recording the result.
    async with hub.uow() as uow:
        await uow.sms.start_attempt(
            cmd.sms_id, seen=None, lease=timedelta(seconds=-1), command=cmd, provider="twilio"
        )
        await uow.commit()
    sid = await hub.sms_sender.send(sms_id=cmd.sms_id, to=cmd.to, body=cmd.body)

    await publish(hub, cmd)

    row = await wait_for_state(hub, cmd.sms_id, SmsState.SENT)
    assert row.provider_message_id == sid
    assert len(fake.messages) == 1
    assert calls(fake, "POST") == 1


async def next_parked(hub: Hub) -> dict[str, Any]:
    """Headers of the first message in the SMS consumer's parking queue."""
    name = hub.topology.parking_queue("sms.send").name
    connection = await aio_pika.connect(hub.settings.amqp_url)
    async with connection:
        channel = await connection.channel()
        queue = await channel.get_queue(name, ensure=True)
        found: list[aio_pika.abc.AbstractIncomingMessage] = []

        async def parked() -> bool:
            message = await queue.get(no_ack=True, fail=False)
            if message is not None:
                found.append(message)
            return bool(found)

        await eventually(parked)
        return dict(found[0].headers)
