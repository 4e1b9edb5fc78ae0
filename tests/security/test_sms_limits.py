"""SMS bombing: every SMS the hub sends counts against daily limits per order, per number and
per day; over one, a waiting request gets 429 and the order's flow log says so. Never a silent
drop, never an unbounded number of texts to one phone."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from prometheus_client import generate_latest
from sqlalchemy import select

from hub.bootstrap import Hub, bootstrap
from hub.config import Settings
from hub.db.tables import outbox, sms_quota
from tests import factories
from tests.helpers import run
from tests.integration.signing_support import client_for, order_on_site, report_when_ready

pytestmark = pytest.mark.integration


@pytest.fixture
async def limited_hub(settings: Settings) -> AsyncIterator[Hub]:
    """A hub that is not started (what it would send stays in its outbox), with low limits."""
    limits: dict[str, Any] = {"sms_limit_per_phone_day": 2, "sms_limit_per_order_day": 3}
    hub = bootstrap(settings.model_copy(update=limits))
    yield hub
    await hub.reports.close()
    await hub.db.dispose()


async def sms_queued(hub: Hub, order_id: str) -> list[str]:
    query = select(outbox.c.body).where(
        outbox.c.message_type == "SendSms.v1", outbox.c.correlation_id == order_id
    )
    async with hub.db.read() as conn:
        return [row.body for row in await conn.execute(query)]


async def flow_steps(hub: Hub, order_id: str) -> list[str]:
    async with hub.uow.read() as uow:
        return [entry.step for entry in await uow.flow_log.list(order_id)]


async def test_a_technician_gets_at_most_the_daily_number_of_dispatch_texts(
    limited_hub: Hub,
) -> None:
    for order_id in ("WO-SMS-1", "WO-SMS-2", "WO-SMS-3"):
        await run(limited_hub, factories.create_order(order_id))
        await run(limited_hub, factories.dispatch(order_id))  # all to T001, one phone

    assert [len(await sms_queued(limited_hub, o)) for o in ("WO-SMS-1", "WO-SMS-2")] == [1, 1]
    assert await sms_queued(limited_hub, "WO-SMS-3") == []
    assert "sms_withheld" in await flow_steps(limited_hub, "WO-SMS-3")
    async with limited_hub.uow.read() as uow:
        order = await uow.orders.get("WO-SMS-3")
    assert order.status == "dispatched", "the dispatch itself went through"
    metrics = generate_latest(limited_hub.metrics.registry).decode()
    assert 'hub_sms_limited_total{limit="phone"} 1.0' in metrics


async def test_a_link_request_over_the_order_limit_is_429_and_logged(limited_hub: Hub) -> None:
    async with client_for(limited_hub) as client:
        await order_on_site(client, "WO-SMS-4")  # the dispatch notice: 1 SMS for this order
        await report_when_ready(limited_hub, client, "WO-SMS-4")  # so links go out at once
        for _ in range(2):  # two reissued links: the order's 2nd and 3rd SMS
            sent = await client.post(
                "/api/v2/technicians/T001/orders/WO-SMS-4/remote-signing", json={"reissue": True}
            )
            assert sent.status_code == 202, sent.text
        refused = await client.post(
            "/api/v2/technicians/T001/orders/WO-SMS-4/remote-signing", json={"reissue": True}
        )

    assert refused.status_code == 429
    assert refused.json()["limit"] in ("order", "phone")
    assert "try again tomorrow" in refused.json()["detail"]
    assert (await flow_steps(limited_hub, "WO-SMS-4")).count("sms_withheld") == 1
    assert len(await sms_queued(limited_hub, "WO-SMS-4")) == 3


async def test_the_database_keeps_no_phone_number_for_the_limits(limited_hub: Hub) -> None:
    order = factories.create_order("WO-SMS-5")
    await run(limited_hub, order)
    await run(limited_hub, factories.dispatch("WO-SMS-5"))
    async with limited_hub.db.read() as conn:
        scopes = [row.scope for row in await conn.execute(select(sms_quota.c.scope))]
    technician_phone = factories.technician().phone
    assert scopes and not any(technician_phone[1:] in scope for scope in scopes)
    assert any(scope.startswith("phone:") for scope in scopes)
