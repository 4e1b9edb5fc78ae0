"""The support system's intake over HTTP: open, dispatch, archive and look up work orders."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest

from hub.bootstrap import Hub
from tests import factories
from tests.helpers import callers, web_app

pytestmark = pytest.mark.integration

ORDERS = "/api/v1/work-orders"


@pytest.fixture
async def client(hub: Hub) -> AsyncIterator[httpx.AsyncClient]:
    app = web_app(hub)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(
        transport=transport, base_url="http://test", auth=callers(hub)
    ) as http:
        yield http


def create_body(order_id: str) -> dict[str, Any]:
    return factories.create_order(order_id).model_dump(mode="json")


def dispatch_body(order_id: str, tech_id: str = "T001") -> dict[str, Any]:
    return factories.dispatch(order_id, tech_id).model_dump(mode="json")


async def flow_steps(client: httpx.AsyncClient, order_id: str) -> list[str]:
    response = await client.get(f"{ORDERS}/{order_id}")
    assert response.status_code == 200, response.text
    return [entry["step"] for entry in response.json()["flow_log"]]


async def test_new_order_is_accepted_and_readable_with_its_flow_log(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post(ORDERS, json=create_body("WO-IN-1"))

    assert response.status_code == 202
    assert response.json() == {"order_id": "WO-IN-1", "status": "created"}
    order = (await client.get(f"{ORDERS}/WO-IN-1")).json()
    assert order["customer_name"] == "上海某某科技有限公司"
    assert order["contact"]["name"] == "张伟"
    assert order["technician"] is None
    assert [e["step"] for e in order["flow_log"]] == ["created"]
    assert order["flow_log"][0]["summary"].startswith("工单创建")


async def test_order_goes_from_intake_through_the_field_to_archive(
    client: httpx.AsyncClient,
) -> None:
    oid = "WO-IN-FULL"
    tech = f"/api/v1/technicians/T001/orders/{oid}"
    steps = [
        (ORDERS, create_body(oid), 202, "created"),
        (f"{ORDERS}/{oid}/dispatch", dispatch_body(oid), 200, "dispatched"),
        (f"{tech}/check-in", {"position": factories.SITE.model_dump()}, 200, "checked_in"),
        (f"{tech}/complete", {"note": "光猫已开通"}, 200, "completed"),
        (f"{ORDERS}/{oid}/archive", {"reason": "completed"}, 200, "archived"),
    ]
    for url, body, code, status in steps:
        response = await client.post(url, json=body)
        assert response.status_code == code, (url, response.text)
        assert response.json()["status"] == status

    assert await flow_steps(client, oid) == [
        "created",
        "dispatched",
        "checked_in",
        "completed",
        "archived",
    ]


async def test_same_order_sent_again_is_accepted_but_different_data_is_refused(
    client: httpx.AsyncClient,
) -> None:
    body = create_body("WO-IN-DUP")
    assert (await client.post(ORDERS, json=body)).status_code == 202

    again = await client.post(ORDERS, json=body)
    changed = await client.post(ORDERS, json={**body, "bandwidth_mbps": 10_000})

    assert again.status_code == 202
    assert changed.status_code == 409
    assert "already exists with different data" in changed.json()["detail"]
    assert await flow_steps(client, "WO-IN-DUP") == ["created"]


async def test_archiving_an_order_that_is_not_completed_is_409_with_the_reason(
    client: httpx.AsyncClient,
) -> None:
    await client.post(ORDERS, json=create_body("WO-IN-EARLY"))

    response = await client.post(f"{ORDERS}/WO-IN-EARLY/archive", json={})

    assert response.status_code == 409
    assert response.json()["detail"] == (
        "cannot archive order WO-IN-EARLY: it is created, must be completed"
    )
    assert await flow_steps(client, "WO-IN-EARLY") == ["created"]


async def test_unknown_order_is_404_for_lookup_dispatch_and_archive(
    client: httpx.AsyncClient,
) -> None:
    lookup = await client.get(f"{ORDERS}/WO-NOPE")
    dispatch = await client.post(f"{ORDERS}/WO-NOPE/dispatch", json=dispatch_body("WO-NOPE"))
    archive = await client.post(f"{ORDERS}/WO-NOPE/archive", json={})

    for response in (lookup, dispatch, archive):
        assert response.status_code == 404
        assert response.json()["detail"] == "work order WO-NOPE does not exist"


async def test_order_id_in_the_body_must_match_the_path(client: httpx.AsyncClient) -> None:
    await client.post(ORDERS, json=create_body("WO-IN-A"))

    response = await client.post(f"{ORDERS}/WO-IN-A/dispatch", json=dispatch_body("WO-IN-B"))

    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"field": "order_id", "message": "must equal the order id in the path (WO-IN-A)"}
    ]
    assert await flow_steps(client, "WO-IN-A") == ["created"]


async def test_invalid_order_is_422_naming_each_field_without_echoing_the_phone(
    client: httpx.AsyncClient,
) -> None:
    body = create_body("WO-IN-BAD")
    phone = body["contact"]["phone"]
    body["install_address"]["coordinates"]["lat"] = 200
    body["bandwidth_mbps"] = "fast"
    body["colour"] = "blue"
    del body["product"]

    response = await client.post(ORDERS, json=body)

    assert response.status_code == 422
    problem = response.json()
    fields = {e["field"] for e in problem["errors"]}
    assert fields == {"install_address.coordinates.lat", "bandwidth_mbps", "colour", "product"}
    for field in fields:
        assert field in problem["detail"]
    assert phone not in response.text
    assert (await client.get(f"{ORDERS}/WO-IN-BAD")).status_code == 404


async def test_malformed_phone_is_named_but_not_echoed(client: httpx.AsyncClient) -> None:
    body = create_body("WO-IN-PHONE")
    body["contact"]["phone"] = "138-0013-8000"

    response = await client.post(ORDERS, json=body)

    assert response.status_code == 422
    assert "contact.phone" in response.json()["detail"]
    assert "138-0013-8000" not in response.text


async def test_dispatch_window_ending_before_it_starts_is_422_without_the_phone(
    client: httpx.AsyncClient,
) -> None:
    await client.post(ORDERS, json=create_body("WO-IN-WIN"))
    body = dispatch_body("WO-IN-WIN")
    body["appointment_start"], body["appointment_end"] = (
        body["appointment_end"],
        body["appointment_start"],
    )

    response = await client.post(f"{ORDERS}/WO-IN-WIN/dispatch", json=body)

    assert response.status_code == 422
    assert "appointment_end must be after appointment_start" in response.json()["detail"]
    assert body["technician"]["phone"] not in response.text


async def test_malformed_json_is_refused_with_a_readable_message(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post(
        ORDERS, content=b'{"order_id": "WO-1",', headers={"content-type": "application/json"}
    )

    assert response.status_code == 422
    assert response.json()["detail"] == "the request body is not valid JSON"


async def test_retried_dispatch_with_the_same_idempotency_key_is_applied_once(
    client: httpx.AsyncClient,
) -> None:
    oid = "WO-IN-IDEM"
    await client.post(ORDERS, json=create_body(oid))
    url = f"{ORDERS}/{oid}/dispatch"
    key = {"Idempotency-Key": "7b0c5c36-1f49-4d5e-9a57-0d6f1f6f5e10"}

    first = await client.post(url, json=dispatch_body(oid), headers=key)
    retried = await client.post(url, json=dispatch_body(oid), headers=key)

    assert first.status_code == retried.status_code == 200
    assert first.json() == retried.json() == {"order_id": oid, "status": "dispatched"}
    assert await flow_steps(client, oid) == ["created", "dispatched"]

    # Without the key, a second dispatch is a real re-dispatch with its own flow-log line.
    await client.post(url, json=dispatch_body(oid, "T002"))
    assert await flow_steps(client, oid) == ["created", "dispatched", "dispatched"]


async def test_dispatch_window_is_shown_to_the_support_system(client: httpx.AsyncClient) -> None:
    oid = "WO-IN-WINDOW"
    await client.post(ORDERS, json=create_body(oid))
    cmd = factories.dispatch(oid, "T009", hours=2)

    await client.post(f"{ORDERS}/{oid}/dispatch", json=cmd.model_dump(mode="json"))

    order = (await client.get(f"{ORDERS}/{oid}")).json()
    assert order["technician"]["id"] == "T009"
    window = order["appointment"]
    start, end = (datetime.fromisoformat(window[k]) for k in ("start", "end"))
    assert start == cmd.appointment_start
    assert end - start == timedelta(hours=2)
