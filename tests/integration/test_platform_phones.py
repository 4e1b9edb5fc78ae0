"""The simulated customers' phones read their texts off the local SMS platform's API: every
customer gets their own texts, however many wait at once, for a handful of requests; and a text
stamped before a read but committed after it still arrives."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import insert

from adapters.sms.local_platform import LocalSmsPlatform, sms_log
from adapters.standin_app import standin_app
from simulation.customers import LATE_S, PlatformPhones, SigningFailed

pytestmark = pytest.mark.integration

CUSTOMERS = 40
LINK = "请签署交付报告 https://hub.example/s/{token}"


def _number(order_id: str) -> str:
    return f"+86139{int(order_id.rsplit('-', 1)[1]):08d}"


def _token(n: int) -> str:
    return f"{n:043d}"


@pytest.fixture
async def platform(tmp_path: Path) -> AsyncIterator[LocalSmsPlatform]:
    sms = LocalSmsPlatform(
        LocalSmsPlatform.open_storage(f"sqlite+aiosqlite:///{tmp_path}/hub.db", data_dir=tmp_path)
    )
    try:
        yield sms
    finally:
        await sms.aclose()


@pytest.fixture
async def requests_seen(
    platform: LocalSmsPlatform,
) -> AsyncIterator[tuple[httpx.AsyncClient, list[str]]]:
    seen: list[str] = []

    async def count(request: httpx.Request) -> None:
        seen.append(request.url.path)

    transport = httpx.ASGITransport(app=standin_app(sms=platform))
    async with httpx.AsyncClient(
        transport=transport, base_url="http://standins", event_hooks={"request": [count]}
    ) as client:
        yield client, seen


async def test_forty_customers_waiting_at_once_each_get_their_own_link_for_few_requests(
    platform: LocalSmsPlatform, requests_seen: tuple[httpx.AsyncClient, list[str]]
) -> None:
    client, seen = requests_seen
    phones = PlatformPhones(client, number_of=_number, since=datetime.now(UTC) - timedelta(1))
    orders = [f"WO-{n}" for n in range(CUSTOMERS)]
    waiting = [asyncio.create_task(phones.link_text(o, timeout_s=20)) for o in orders]
    await asyncio.sleep(0.5)  # everyone is waiting, nothing has come
    for n, order_id in enumerate(orders):
        await platform.send(
            sms_id=f"sms-{n}", to=_number(order_id), body=LINK.format(token=_token(n))
        )
    links = await asyncio.wait_for(asyncio.gather(*waiting), timeout=20)

    assert links == [LINK.format(token=_token(n)) for n in range(CUSTOMERS)]
    # One read for every phone each poll: a phone of its own each would be 40 a poll.
    assert 1 <= len(seen) <= 15, f"{len(seen)} requests for {CUSTOMERS} waiting customers"


async def test_a_text_committed_after_a_read_that_began_later_than_its_stamp_still_arrives(
    platform: LocalSmsPlatform, requests_seen: tuple[httpx.AsyncClient, list[str]]
) -> None:
    client, _ = requests_seen
    phones = PlatformPhones(client, number_of=_number, since=datetime.now(UTC) - timedelta(1))
    with pytest.raises(SigningFailed):  # a first read: nothing yet
        await phones.link_text("WO-7", timeout_s=0)
    async with platform.storage.write() as conn:  # stamped before that read, committed after
        await conn.execute(
            insert(sms_log).values(
                provider_message_id="LOG-late",
                sms_id="sms-late",
                to_phone=_number("WO-7"),
                to_masked="+86139****0007",
                body=LINK.format(token=_token(7)),
                sent_at=datetime.now(UTC) - timedelta(seconds=LATE_S / 2),
            )
        )
    assert await phones.link_text("WO-7", timeout_s=5) == LINK.format(token=_token(7))


async def test_a_customer_who_looks_long_after_the_last_read_finds_a_text_sent_since(
    platform: LocalSmsPlatform, requests_seen: tuple[httpx.AsyncClient, list[str]]
) -> None:
    client, _ = requests_seen
    phones = PlatformPhones(
        client, number_of=_number, since=datetime.now(UTC) - timedelta(1), late_s=0.2
    )
    with pytest.raises(SigningFailed):  # the last read before the text
        await phones.link_text("WO-3", timeout_s=0)
    await platform.send(sms_id="sms-3", to=_number("WO-3"), body="您的验证码 482913，5 分钟内有效")
    await asyncio.sleep(1.0)  # nobody reads for longer than late_s
    text, number = await phones.code_text("WO-3", after=0, timeout_s=5)
    assert "482913" in text and number >= 1
