"""S3: one-time codes under brute force, expiry and resend limits (atomic DB counter)."""

from __future__ import annotations

import asyncio

import pytest
from pydantic import AnyHttpUrl
from sqlalchemy import select

from hub.bootstrap import Hub, bootstrap
from hub.config import Settings
from hub.db.tables import signing_links
from tests.integration.signing_support import (
    BASE_URL,
    Clock,
    Customer,
    audit_kinds,
    client_for,
    clock,
    latest_code,
    link_id_of,
    link_token,
    order_on_site,
    outbox_sms,
    quiet_hub,
    send_link,
)

pytestmark = pytest.mark.integration
__all__ = ["clock", "quiet_hub"]  # fixtures

CONCURRENT_TRIES = 50


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"public_base_url": AnyHttpUrl(BASE_URL)})


async def customer_with_code(hub: Hub, client: object, order_id: str) -> tuple[Customer, str]:
    """A customer who opened the link and asked for a code (the code is returned too)."""
    async with client_for(hub) as technician:
        await order_on_site(technician, order_id)
        await send_link(technician, order_id)
    customer = Customer(hub, client, await link_token(hub, order_id))  # type: ignore[arg-type]
    assert (await customer.open()).status_code == 200
    assert (await customer.request_code()).status_code == 200
    return customer, await latest_code(hub, await link_id_of(hub, order_id))


def wrong(code: str, n: int = 1) -> str:
    return f"{(int(code) + n) % 1_000_000:06d}"


async def failed_attempts(hub: Hub, order_id: str) -> int:
    async with hub.db.read() as conn:
        return int(
            await conn.scalar(
                select(signing_links.c.failed_attempts).where(signing_links.c.order_id == order_id)
            )
            or 0
        )


async def test_s3_five_wrong_codes_lock_the_link_and_then_the_right_code_is_refused(
    quiet_hub: Hub,
) -> None:
    async with client_for(quiet_hub) as client:
        customer, code = await customer_with_code(quiet_hub, client, "WO-S3-SEQ")
        answers = [await customer.enter_code(wrong(code, n)) for n in range(1, 7)]
        statuses = [a.status_code for a in answers]
        assert statuses == [400, 400, 400, 400, 423, 423]
        assert "还可再试 1 次" in answers[3].text
        assert "已锁定" in answers[4].text
        right = await customer.enter_code(code)
        assert right.status_code == 423
        assert (await customer.request_code()).status_code == 423  # no new code either
        assert (await client.get(customer.base)).status_code == 200  # GET still changes nothing
    assert (await audit_kinds(quiet_hub, "WO-S3-SEQ")).count("otp_failed") == 5
    assert "otp_verified" not in await audit_kinds(quiet_hub, "WO-S3-SEQ")


async def test_s3_fifty_concurrent_wrong_codes_on_two_workers_evaluate_exactly_five(
    quiet_hub: Hub, settings: Settings, clock: Clock
) -> None:
    second_worker = bootstrap(settings, clock=clock)  # its own engine and write lock
    try:
        async with client_for(quiet_hub) as client, client_for(second_worker) as other:
            customer, code = await customer_with_code(quiet_hub, client, "WO-S3-PAR")
            other.cookies = client.cookies  # the same browser session, reaching another worker
            twin = Customer(second_worker, other, customer.token, csrf=customer.csrf)
            tries = [
                (customer if n % 2 else twin).enter_code(wrong(code, n + 1))
                for n in range(CONCURRENT_TRIES)
            ]
            answers = await asyncio.gather(*tries)
        statuses = sorted(a.status_code for a in answers)
        assert statuses.count(423) >= CONCURRENT_TRIES - 5
        assert set(statuses) <= {400, 423}
        kinds = await audit_kinds(quiet_hub, "WO-S3-PAR")
        assert kinds.count("otp_failed") == 5  # exactly five codes were compared
        assert await failed_attempts(quiet_hub, "WO-S3-PAR") == 5
    finally:
        await second_worker.reports.close()
        await second_worker.db.dispose()

    restarted = bootstrap(settings, clock=clock)  # the lock survives a restart
    try:
        async with client_for(restarted) as client:
            client.cookies = customer.client.cookies
            again = Customer(restarted, client, customer.token, csrf=customer.csrf)
            assert (await again.enter_code(code)).status_code == 423
    finally:
        await restarted.reports.close()
        await restarted.db.dispose()
    assert (await audit_kinds(quiet_hub, "WO-S3-PAR")).count("otp_failed") == 5


async def test_s3_a_code_older_than_ten_minutes_is_refused(quiet_hub: Hub, clock: Clock) -> None:
    async with client_for(quiet_hub) as client:
        customer, code = await customer_with_code(quiet_hub, client, "WO-S3-OLD")
        clock.advance(minutes=10)
        late = await customer.enter_code(code)
        assert late.status_code == 400
        assert "已过期" in late.text
        assert await failed_attempts(quiet_hub, "WO-S3-OLD") == 0  # not even compared


async def test_s3_resends_are_limited_and_each_one_invalidates_the_previous_code(
    quiet_hub: Hub, clock: Clock
) -> None:
    async with client_for(quiet_hub) as client:
        customer, first = await customer_with_code(quiet_hub, client, "WO-S3-RE")
        link_id = await link_id_of(quiet_hub, "WO-S3-RE")
        for _ in range(3):  # three resends after the first code
            clock.advance(minutes=1)
            assert (await customer.request_code()).status_code == 200
        limited = await customer.request_code()
        assert limited.status_code == 429
        assert 0 < int(limited.headers["retry-after"]) <= 15 * 60
        assert len(await outbox_sms(quiet_hub, f"signing-code:{link_id}:")) == 4

        latest = await latest_code(quiet_hub, link_id, 4)
        stale = await customer.enter_code(first)
        if first != latest:
            assert stale.status_code == 400  # the first code stopped working
        clock.advance(minutes=15)
        assert (await customer.request_code()).status_code == 200  # the window moved on
        newest = await latest_code(quiet_hub, link_id, 5)
        assert (await customer.enter_code(newest)).status_code == 303


async def test_s3_codes_are_stored_only_as_hmac_digests(quiet_hub: Hub) -> None:
    async with client_for(quiet_hub) as client:
        _, code = await customer_with_code(quiet_hub, client, "WO-S3-HASH")
    async with quiet_hub.db.read() as conn:
        row = (
            await conn.execute(
                select(signing_links).where(signing_links.c.order_id == "WO-S3-HASH")
            )
        ).one()
    assert row.code_digest and len(row.code_digest) == 64
    assert code not in repr(tuple(row))
