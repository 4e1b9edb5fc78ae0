"""The field app's gateway, used as the app would: list, look up, check in and complete orders."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from hub.bootstrap import Hub, bootstrap
from hub.config import Settings
from hub.db.tables import outbox
from hub.identity.issue import issue_token
from hub.identity.roles import Role
from tests import factories
from tests.fakes.standin_oracles import SupportRecords
from tests.helpers import callers, eventually, thread_hops, web_app

pytestmark = pytest.mark.integration

ORDERS = "/api/v1/work-orders"
ON_SITE = {"position": {"lat": factories.SITE.lat, "lon": factories.SITE.lon}}
ONE_KM_NORTH = {"position": {"lat": factories.SITE.lat + 0.01, "lon": factories.SITE.lon}}


def http_client(hub: Hub) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=web_app(hub))
    return httpx.AsyncClient(transport=transport, base_url="http://test", auth=callers(hub))


@pytest.fixture
async def client(hub: Hub) -> AsyncIterator[httpx.AsyncClient]:
    async with http_client(hub) as http:
        yield http


def orders_of(tech_id: str) -> str:
    return f"/api/v1/technicians/{tech_id}/orders"


async def dispatched(client: httpx.AsyncClient, order_id: str, tech_id: str = "T001") -> None:
    """Open an order and dispatch it, as the support system does."""
    order = factories.create_order(order_id).model_dump(mode="json")
    created = await client.post(ORDERS, json=order)
    assert created.status_code == 202, created.text
    body = factories.dispatch(order_id, tech_id).model_dump(mode="json")
    response = await client.post(f"{ORDERS}/{order_id}/dispatch", json=body)
    assert response.status_code == 200, response.text


async def flow_steps(client: httpx.AsyncClient, order_id: str) -> list[str]:
    response = await client.get(f"{ORDERS}/{order_id}")
    return [entry["step"] for entry in response.json()["flow_log"]]


async def test_dispatched_order_is_listed_for_its_technician_only(
    client: httpx.AsyncClient,
) -> None:
    await dispatched(client, "WO-T-A", "T001")
    await dispatched(client, "WO-T-B", "T002")

    mine = (await client.get(orders_of("T001"))).json()
    theirs = (await client.get(orders_of("T002"))).json()
    nobody = (await client.get(orders_of("T003"))).json()

    assert [o["order_id"] for o in mine] == ["WO-T-A"]
    assert [o["order_id"] for o in theirs] == ["WO-T-B"]
    assert nobody == []
    order = mine[0]
    expected = factories.create_order("WO-T-A")
    assert order["status"] == "dispatched"
    assert order["customer_name"] == expected.customer_name
    assert order["product"] == "数据专线"
    assert order["bandwidth_mbps"] == expected.bandwidth_mbps
    assert order["address"]["text"] == expected.install_address.text
    assert set(order["appointment"]) == {"start", "end"}


async def test_archived_orders_leave_the_list_unless_asked_for(client: httpx.AsyncClient) -> None:
    await dispatched(client, "WO-T-DONE")
    await dispatched(client, "WO-T-OPEN")
    base = f"{orders_of('T001')}/WO-T-DONE"
    await client.post(f"{base}/check-in", json=ON_SITE)
    await client.post(f"{base}/complete", json={})
    await client.post(f"{ORDERS}/WO-T-DONE/archive", json={})

    default = (await client.get(orders_of("T001"))).json()
    archived = (await client.get(orders_of("T001"), params={"status": "archived"})).json()
    bad_filter = await client.get(orders_of("T001"), params={"status": "lost"})

    assert [o["order_id"] for o in default] == ["WO-T-OPEN"]
    assert [(o["order_id"], o["status"]) for o in archived] == [("WO-T-DONE", "archived")]
    assert bad_filter.status_code == 422
    assert "status" in bad_filter.json()["detail"]


async def test_check_in_on_site_reports_the_distance_within_radius(
    client: httpx.AsyncClient,
) -> None:
    await dispatched(client, "WO-T-IN")

    response = await client.post(f"{orders_of('T001')}/WO-T-IN/check-in", json=ON_SITE)

    assert response.status_code == 200, response.text
    result = response.json()
    assert result["status"] == "checked_in"
    assert result["distance_m"] < 1
    assert result["within_radius"] is True
    assert result["radius_m"] == 500
    detail = (await client.get(f"{orders_of('T001')}/WO-T-IN")).json()
    assert [e["step"] for e in detail["flow_log"]] == ["created", "dispatched", "checked_in"]
    assert detail["flow_log"][-1]["actor"] == "T001"
    assert detail["check_in"]["within_radius"] is True


async def test_far_check_in_is_accepted_but_flagged_outside_the_radius(
    client: httpx.AsyncClient,
) -> None:
    await dispatched(client, "WO-T-FAR")

    response = await client.post(f"{orders_of('T001')}/WO-T-FAR/check-in", json=ONE_KM_NORTH)

    assert response.status_code == 200
    result = response.json()
    assert result["within_radius"] is False
    assert 1050 < result["distance_m"] < 1180  # 0.01° of latitude is about 1.11 km
    assert result["status"] == "checked_in"
    detail = (await client.get(f"{orders_of('T001')}/WO-T-FAR")).json()
    assert "超出范围" in detail["flow_log"][-1]["summary"]


async def test_steps_out_of_order_are_409_with_the_reason(client: httpx.AsyncClient) -> None:
    await dispatched(client, "WO-T-ORDER")
    base = f"{orders_of('T001')}/WO-T-ORDER"

    early = await client.post(f"{base}/complete", json={"note": "done"})
    await client.post(f"{base}/check-in", json=ON_SITE)
    twice = await client.post(f"{base}/check-in", json=ON_SITE)

    assert early.status_code == 409
    assert early.json()["detail"] == (
        "cannot complete order WO-T-ORDER: it is dispatched, must be checked_in"
    )
    assert twice.status_code == 409
    assert twice.json()["detail"] == (
        "cannot check in order WO-T-ORDER: it is checked_in, must be dispatched"
    )
    assert await flow_steps(client, "WO-T-ORDER") == ["created", "dispatched", "checked_in"]


async def test_check_in_before_dispatch_is_404_because_the_order_is_not_his_yet(
    client: httpx.AsyncClient,
) -> None:
    await client.post(ORDERS, json=factories.create_order("WO-T-NEW").model_dump(mode="json"))

    response = await client.post(f"{orders_of('T001')}/WO-T-NEW/check-in", json=ON_SITE)

    assert response.status_code == 404
    assert await flow_steps(client, "WO-T-NEW") == ["created"]


async def test_unknown_and_other_technicians_orders_look_the_same_404(
    client: httpx.AsyncClient,
) -> None:
    await dispatched(client, "WO-T-MINE", "T001")

    unknown = await client.get(f"{orders_of('T002')}/WO-T-NOPE")
    foreign = await client.get(f"{orders_of('T002')}/WO-T-MINE")
    foreign_check_in = await client.post(f"{orders_of('T002')}/WO-T-MINE/check-in", json=ON_SITE)
    foreign_complete = await client.post(f"{orders_of('T002')}/WO-T-MINE/complete", json={})

    assert unknown.status_code == 404
    assert unknown.json()["detail"] == "technician T002 has no work order WO-T-NOPE"
    for response in (foreign, foreign_check_in, foreign_complete):
        assert response.status_code == 404
        assert response.json()["detail"] == "technician T002 has no work order WO-T-MINE"
    assert await flow_steps(client, "WO-T-MINE") == ["created", "dispatched"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"position": {"lat": 200, "lon": 121.47}}, "position.lat"),
        ({}, "position"),
        ({**ON_SITE, "phone": "+8613800138000"}, "phone"),
        ({"position": {"lat": 31.23, "lon": "east"}}, "position.lon"),
        ({**ON_SITE, "at": "yesterday"}, "at"),
    ],
    ids=["lat-out-of-range", "missing-position", "unknown-field", "wrong-type", "bad-time"],
)
async def test_invalid_check_in_is_422_naming_the_field(
    client: httpx.AsyncClient, body: dict[str, Any], field: str
) -> None:
    await dispatched(client, "WO-T-BAD")

    response = await client.post(f"{orders_of('T001')}/WO-T-BAD/check-in", json=body)

    assert response.status_code == 422
    problem = response.json()
    assert [e["field"] for e in problem["errors"]] == [field]
    assert f"{field}:" in problem["detail"]
    assert "+8613800138000" not in response.text
    assert await flow_steps(client, "WO-T-BAD") == ["created", "dispatched"]


async def test_retried_check_in_with_the_same_idempotency_key_is_recorded_once(
    client: httpx.AsyncClient,
) -> None:
    await dispatched(client, "WO-T-RETRY")
    url = f"{orders_of('T001')}/WO-T-RETRY/check-in"
    key = {"Idempotency-Key": "3f1c1f8e-2b7a-4d8b-9c43-5d0e0e6a1b22"}

    first = await client.post(url, json=ONE_KM_NORTH, headers=key)
    retried = await client.post(url, json=ONE_KM_NORTH, headers=key)
    other_key = await client.post(url, json=ONE_KM_NORTH, headers={"Idempotency-Key": "another"})

    assert first.status_code == retried.status_code == 200
    assert retried.json() == first.json()
    assert other_key.status_code == 409  # a new key is a new check-in, and that is refused
    assert await flow_steps(client, "WO-T-RETRY") == ["created", "dispatched", "checked_in"]


async def test_another_technicians_token_cannot_check_in_or_read_the_order(
    client: httpx.AsyncClient, hub: Hub
) -> None:
    await dispatched(client, "WO-T-AUTH")  # to T001
    intruder = await issue_token(hub.users, "intruder", Role.TECHNICIAN, technician_id="T002")
    as_intruder = {"Authorization": f"Bearer {intruder}"}

    missing = await client.get(orders_of("T001"), auth=None)
    blocked = await client.post(
        f"{orders_of('T001')}/WO-T-AUTH/check-in", json=ON_SITE, headers=as_intruder
    )
    peek = await client.get(f"{orders_of('T001')}/WO-T-AUTH", headers=as_intruder)
    right = await client.get(orders_of("T001"))

    assert missing.status_code == 401
    assert "Authorization: Bearer" in missing.json()["detail"]
    assert blocked.status_code == peek.status_code == 403
    assert "technician T002's" in blocked.json()["detail"]
    assert right.status_code == 200
    assert [o["order_id"] for o in right.json()] == ["WO-T-AUTH"]
    assert await flow_steps(client, "WO-T-AUTH") == ["created", "dispatched"]


async def test_check_in_is_published_through_the_outbox_by_the_relay(
    hub: Hub, settings: Settings
) -> None:
    # A web-only hub that never connected to the broker: a write that published inline would
    # fail, so a 200 shows the write only committed. The running hub's relay publishes later.
    web_only = bootstrap(settings, consumers=False)
    try:
        async with http_client(web_only) as client:
            await dispatched(client, "WO-T-OUTBOX")
            response = await client.post(f"{orders_of('T001')}/WO-T-OUTBOX/check-in", json=ON_SITE)
    finally:
        await web_only.db.dispose()
    assert response.status_code == 200, response.text

    async def checked_in_rows() -> list[Any]:
        async with hub.db.read() as conn:
            query = select(outbox.c.sent_at).where(
                outbox.c.correlation_id == "WO-T-OUTBOX",
                outbox.c.routing_key == "evt.workorder.checked_in",
            )
            return list((await conn.execute(query)).all())

    assert len(await checked_in_rows()) == 1

    async def marked_sent() -> bool:
        return [row.sent_at is not None for row in await checked_in_rows()] == [True]

    await eventually(marked_sent)

    support = SupportRecords.of(hub.work_order_system)

    async def mirrored_to_support_system() -> bool:
        entries = await support.flow_log_entries("WO-T-OUTBOX")
        return "checked_in" in {entry["step"] for entry in entries}

    await eventually(mirrored_to_support_system)


async def test_a_field_app_request_is_answered_without_a_hop_to_a_worker_thread(
    client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """FastAPI runs a plain `def` dependency in a worker thread; the hub's dependencies are
    all `async def`, so a request costs no thread hand-offs (two or more each before)."""
    await dispatched(client, "WO-TECH-HOP")
    await client.get(orders_of("T001"))  # the caller's token is issued and cached
    hops = thread_hops(monkeypatch)
    response = await client.get(orders_of("T001"))
    assert response.status_code == 200
    assert [o["order_id"] for o in response.json()] == ["WO-TECH-HOP"]
    assert hops == []
