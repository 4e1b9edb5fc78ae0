"""Appointments through the HTTP API of a running hub, as the dispatcher's console, the field app
and a supervisor use it: book, dispatch, accept, confirm, move, check in, read 履约率."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest

from hub.bootstrap import Hub
from hub.identity.issue import issue_token
from hub.identity.roles import Role
from tests import factories
from tests.fakes.standin_oracles import SmsRecords
from tests.helpers import callers, eventually, web_app

pytestmark = pytest.mark.integration

ORDERS = "/api/v1/work-orders"
FIELD = "/api/v1/technicians/T001/orders"
SHANGHAI = ZoneInfo("Asia/Shanghai")
CONTACT = {"name": "赵敏", "phone": "+8613900001111", "email": None}


def tomorrow_at(hour: int, *, days: int = 1) -> datetime:
    """`hour`:00 in Shanghai, `days` from today there."""
    day = datetime.now(SHANGHAI).date() + timedelta(days=days)
    return datetime.combine(day, time(hour), tzinfo=SHANGHAI)


def window(start: datetime, hours: int = 2) -> dict[str, str]:
    return {
        "window_start": start.isoformat(),
        "window_end": (start + timedelta(hours=hours)).isoformat(),
    }


@pytest.fixture
async def client(hub: Hub) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=web_app(hub))
    async with httpx.AsyncClient(
        transport=transport, base_url="http://test", auth=callers(hub)
    ) as http:
        yield http


async def booked(client: httpx.AsyncClient, order_id: str, start: datetime) -> dict[str, Any]:
    created = await client.post(
        ORDERS, json=factories.create_order(order_id).model_dump(mode="json")
    )
    assert created.status_code == 202, created.text
    body = {**window(start), "contact": CONTACT, "call_id": "CALL-7"}
    response = await client.post(f"{ORDERS}/{order_id}/appointment", json=body)
    assert response.status_code == 200, response.text
    return response.json()


async def test_a_booked_visit_is_accepted_confirmed_moved_and_kept_on_time(
    client: httpx.AsyncClient, hub: Hub
) -> None:
    start = tomorrow_at(14)
    state = await booked(client, "WO-AP-1", start)
    assert state["contact"] == CONTACT and state["channel"] == "outbound_call"
    await dispatched_after_booking(client, "WO-AP-1", start)

    accepted = await client.post(f"{FIELD}/WO-AP-1/accept")
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["accepted_at"] is not None
    confirmed = await client.post(f"{FIELD}/WO-AP-1/confirm-appointment")
    assert confirmed.json()["confirmed_at"] is not None
    seen = (await client.get(f"{FIELD}/WO-AP-1")).json()["booking"]  # the field app's view
    assert seen["contact"] == CONTACT  # whom to call, in full
    assert seen["accepted_at"] is not None and seen["confirmed_at"] is not None

    moved = await client.post(
        f"{ORDERS}/WO-AP-1/appointment/reschedule",
        json={**window(tomorrow_at(9, days=2)), "reason": "weather", "requested_by": "customer"},
    )
    assert moved.status_code == 200, moved.text
    assert (moved.json()["reschedules"], moved.json()["confirmed_at"]) == (1, None)

    trail = (await client.get(f"{ORDERS}/WO-AP-1/appointments")).json()
    assert [line["kind"] for line in trail["history"]] == ["booked", "confirmed", "rescheduled"]
    assert trail["history"][0]["call_id"] == "CALL-7"
    assert trail["history"][0]["by"] == "test-dispatcher"  # who was signed in
    assert trail["history"][2]["reason"] == "weather"
    assert trail["history"][0]["contact"]["phone"] == CONTACT["phone"]  # the dispatcher calls

    async def technician_told() -> bool:
        async with SmsRecords.beside(hub.settings) as sms:
            bodies = await sms.bodies("reschedule-notice:WO-AP-1")
        return any(f"{tomorrow_at(9, days=2):%m-%d} 09:00–11:00" in b for b in bodies)

    await eventually(technician_told)

    checked_in = await client.post(
        f"{FIELD}/WO-AP-1/check-in",
        json={"position": {"lat": factories.SITE.lat, "lon": factories.SITE.lon}},
    )
    assert checked_in.status_code == 200, checked_in.text
    month = f"{tomorrow_at(9, days=2):%Y-%m}"
    figures = await client.get("/api/v1/appointments/punctuality", params={"month": month})
    assert figures.status_code == 200, figures.text
    [row] = figures.json()
    assert (row["key"], row["due"], row["on_time"], row["rate"]) == ("T001", 1, 1, 1.0)
    refused = await client.post(
        f"{ORDERS}/WO-AP-1/appointment/reschedule",
        json={**window(tomorrow_at(10, days=3)), "reason": "weather", "requested_by": "customer"},
    )
    assert refused.status_code == 409
    assert "after check-in" in refused.json()["detail"]


async def dispatched_after_booking(
    client: httpx.AsyncClient, order_id: str, start: datetime
) -> None:
    dispatch = factories.dispatch(order_id).model_dump(mode="json")
    dispatch |= {
        "appointment_start": start.isoformat(),
        "appointment_end": (start + timedelta(hours=2)).isoformat(),
    }
    response = await client.post(f"{ORDERS}/{order_id}/dispatch", json=dispatch)
    assert response.status_code == 200, response.text


@pytest.mark.parametrize(
    ("body", "status", "says"),
    [
        ({**window(tomorrow_at(19)), "reason": "weather"}, 422, "working hours"),
        ({**window(tomorrow_at(10)), "reason": "other"}, 422, "reason_text"),
        ({**window(tomorrow_at(10), hours=13), "reason": "weather"}, 422, "12 h"),
        ({**window(tomorrow_at(10, days=-2)), "reason": "weather"}, 422, "future"),
        ({**window(tomorrow_at(10)), "reason": "a whim"}, 422, "reason"),
    ],
)
async def test_a_bad_move_is_refused_with_a_reason_and_changes_nothing(
    client: httpx.AsyncClient, body: dict[str, Any], status: int, says: str
) -> None:
    await booked(client, "WO-AP-2", tomorrow_at(14))
    response = await client.post(
        f"{ORDERS}/WO-AP-2/appointment/reschedule", json={**body, "requested_by": "dispatcher"}
    )
    assert response.status_code == status, response.text
    assert says in response.text
    trail = (await client.get(f"{ORDERS}/WO-AP-2/appointments")).json()
    assert [line["kind"] for line in trail["history"]] == ["booked"]


async def test_others_read_the_trail_with_masked_phones_and_strangers_are_refused(
    client: httpx.AsyncClient, hub: Hub
) -> None:
    await booked(client, "WO-AP-3", tomorrow_at(14))
    manager = await issue_token(hub.users, "am-1", Role.ACCOUNT_MANAGER)
    trail = await client.get(
        f"{ORDERS}/WO-AP-3/appointments", headers={"Authorization": f"Bearer {manager}"}
    )
    assert trail.status_code == 200
    assert trail.json()["history"][0]["contact"]["phone"] == "+86139****1111"
    assert CONTACT["phone"] not in trail.text
    order = await client.get(f"{ORDERS}/WO-AP-3", headers={"Authorization": f"Bearer {manager}"})
    assert order.json()["booking"]["contact"]["phone"] == "+86139****1111"
    assert CONTACT["phone"] not in order.text
    technician = await issue_token(hub.users, "t-9", Role.TECHNICIAN, technician_id="T009")
    denied = await client.post(
        f"{ORDERS}/WO-AP-3/appointment/reschedule",
        json={**window(tomorrow_at(10)), "reason": "weather", "requested_by": "customer"},
        headers={"Authorization": f"Bearer {technician}"},
    )
    assert denied.status_code == 403
    stranger = await client.post(
        "/api/v1/technicians/T009/orders/WO-AP-3/accept",
        headers={"Authorization": f"Bearer {technician}"},
    )
    assert stranger.status_code == 404  # not his order: as if it did not exist
    missing = await client.get(f"{ORDERS}/WO-NOPE/appointments")
    assert missing.status_code == 404


async def test_a_month_that_is_not_one_is_refused(client: httpx.AsyncClient) -> None:
    for month in ("2026-13", "26-12", "2026-1"):
        response = await client.get("/api/v1/appointments/punctuality", params={"month": month})
        assert response.status_code == 422, month
        assert "2026-12" in response.text
