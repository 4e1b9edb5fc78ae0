"""`/ops/counts.json`: the hub's records counted for an operator, narrowed to an order prefix."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from hub.bootstrap import Hub
from hub.domain.work_order import Status
from tests import factories
from tests.helpers import callers, eventually, publish, web_app

pytestmark = pytest.mark.integration

PREFIX = "WO-CNT-"


@pytest.fixture
async def client(hub: Hub) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=web_app(hub))
    async with httpx.AsyncClient(
        transport=transport, base_url="http://test", auth=callers(hub)
    ) as http:
        yield http


async def _status(hub: Hub, order_id: str) -> Status | None:
    async with hub.uow.read() as uow:
        order = await uow.orders.find(order_id)
    return order.status if order else None


async def _drive(hub: Hub, order_id: str, until: Status) -> None:
    """Take a new order from creation to `until`, one step at a time."""
    steps = [
        (factories.create_order(order_id), Status.CREATED),
        (factories.dispatch(order_id), Status.DISPATCHED),
        (factories.check_in(order_id), Status.CHECKED_IN),
        (factories.complete(order_id), Status.COMPLETED),
        (factories.archive(order_id), Status.ARCHIVED),
    ]
    for command, status in steps:
        await publish(hub, command)

        async def reached(status: Status = status) -> bool:
            return await _status(hub, order_id) == status

        await eventually(reached)
        if status is until:
            return


async def _counts(client: httpx.AsyncClient, prefix: str = PREFIX) -> dict[str, Any]:
    answer = await client.get("/ops/counts.json", params={"order_prefix": prefix})
    assert answer.status_code == 200, answer.text
    counts: dict[str, Any] = answer.json()
    return counts


async def test_the_counts_match_a_small_run_and_only_its_orders(
    hub: Hub, client: httpx.AsyncClient
) -> None:
    await _drive(hub, "WO-CNT-1", Status.ARCHIVED)
    await _drive(hub, "WO-CNT-2", Status.DISPATCHED)
    await _drive(hub, "WO-CNT-3", Status.CREATED)
    await _drive(hub, "WO-ELSE-1", Status.DISPATCHED)  # another batch: not counted

    async def texts_sent() -> bool:
        sms = (await _counts(client, "WO-"))["sms"]
        return bool(sms["by_state"] == {"sent": 3} and sms["in_flight"] == 0)

    await eventually(texts_sent)
    counts = await _counts(client)

    assert counts == {
        "order_prefix": PREFIX,
        "orders": {
            "by_status": {"archived": 1, "dispatched": 1, "created": 1},
            "not_final": 2,
            "reissued": 0,
            "awaiting_signature": 0,
        },
        "sms": {
            "by_purpose": {"dispatch_notice": 2},
            "by_state": {"sent": 2},
            "in_flight": 0,
            "repeated": 0,
        },
        "reports": {"versions": 0},
        "signatures": {"by_channel": {}},
        "resource_changes": {"by_kind": {}},
        "exception_reports": {"by_state": {}},
        "flow_log": {
            "lines": 8,
            "by_step": {
                "created": 3,
                "dispatched": 2,
                "checked_in": 1,
                "completed": 1,
                "archived": 1,
            },
        },
    }
    everything = await _counts(client, "")
    assert everything["order_prefix"] == ""
    assert sum(everything["orders"]["by_status"].values()) == 4
    assert everything["sms"]["by_purpose"] == {"dispatch_notice": 3}
    assert everything["flow_log"]["lines"] == 10


async def test_a_prefix_that_is_not_an_order_id_prefix_is_refused(
    client: httpx.AsyncClient,
) -> None:
    answer = await client.get("/ops/counts.json", params={"order_prefix": "WO-%"})

    assert answer.status_code == 422
