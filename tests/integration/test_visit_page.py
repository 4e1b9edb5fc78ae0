"""The customer's visit page behind the booking SMS, through a running hub: the link arrives by
SMS, the page shows the window and the progress without changing anything, and the customer's
answers (confirm, another time) reach the dispatcher only through same-site forms."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import httpx
import pytest

from hub.bootstrap import Hub
from tests import factories
from tests.fakes.standin_oracles import SmsRecords
from tests.helpers import callers, eventually, web_app
from tests.integration.test_appointments_api import CONTACT, tomorrow_at, window

pytestmark = pytest.mark.integration

ORDERS = "/api/v1/work-orders"
CSRF = re.compile(r'name="csrf" value="([0-9a-f]{64})"')


@pytest.fixture
async def staff(hub: Hub) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=web_app(hub))
    async with httpx.AsyncClient(
        transport=transport, base_url="http://test", auth=callers(hub)
    ) as http:
        yield http


@pytest.fixture
async def phone(hub: Hub) -> AsyncIterator[httpx.AsyncClient]:
    """The customer's browser: no credential, the hub's own origin."""
    transport = httpx.ASGITransport(app=web_app(hub))
    async with httpx.AsyncClient(transport=transport, base_url=hub.settings.public_url) as http:
        yield http


async def booked(staff: httpx.AsyncClient, hub: Hub, order_id: str) -> str:
    """Open and book an order; the token of the visit link the contact was texted."""
    order = factories.create_order(order_id).model_dump(mode="json")
    assert (await staff.post(ORDERS, json=order)).status_code == 202
    body = {**window(tomorrow_at(14)), "contact": CONTACT}
    assert (await staff.post(f"{ORDERS}/{order_id}/appointment", json=body)).status_code == 200
    return await texted_token(hub, order_id)


async def texted_token(hub: Hub, order_id: str, nth: int = 1) -> str:
    found: list[str] = []

    async def texted() -> bool:
        async with SmsRecords.beside(hub.settings) as sms:
            found[:] = await sms.bodies(f"visit-link:{order_id}:")
        return len(found) >= nth

    await eventually(texted)
    return found[nth - 1].rsplit("/v/", 1)[1]


async def flow_steps(staff: httpx.AsyncClient, order_id: str) -> list[str]:
    return [e["step"] for e in (await staff.get(f"{ORDERS}/{order_id}")).json()["flow_log"]]


async def test_the_customer_reads_the_visit_and_confirms_it(
    staff: httpx.AsyncClient, phone: httpx.AsyncClient, hub: Hub
) -> None:
    token = await booked(staff, hub, "WO-V-1")
    before = await flow_steps(staff, "WO-V-1")
    page = await phone.get(f"/v/{token}")
    assert page.status_code == 200
    assert f"{tomorrow_at(14):%Y-%m-%d} 14:00–16:00" in page.text  # Shanghai time
    assert "已预约" in page.text and "时间合适，确认预约" in page.text
    assert page.headers["cache-control"] == "no-store"
    assert await flow_steps(staff, "WO-V-1") == before  # looking changes nothing

    forged = await phone.post(f"/v/{token}/confirm", data={"csrf": "0" * 64})
    assert forged.status_code == 403
    csrf = CSRF.search(page.text)
    assert csrf is not None
    elsewhere = await phone.post(
        f"/v/{token}/confirm", data={"csrf": csrf[1]}, headers={"Origin": "https://evil.example"}
    )
    assert elsewhere.status_code == 403
    answered = await phone.post(f"/v/{token}/confirm", data={"csrf": csrf[1]})
    assert answered.status_code == 303
    assert (await flow_steps(staff, "WO-V-1"))[-1] == "customer_confirmed"
    again = await phone.get(answered.headers["location"])
    assert "已确认，谢谢！" in again.text and "时间合适，确认预约" not in again.text


async def test_another_time_is_a_request_for_the_dispatcher_and_a_move_retires_the_link(
    staff: httpx.AsyncClient, phone: httpx.AsyncClient, hub: Hub
) -> None:
    token = await booked(staff, hub, "WO-V-2")
    page = await phone.get(f"/v/{token}")
    csrf = CSRF.search(page.text)
    assert csrf is not None
    day = f"{tomorrow_at(9, days=3):%Y-%m-%d}"
    bad = await phone.post(
        f"/v/{token}/change",
        data={"csrf": csrf[1], "day": day, "part": "morning", "reason": "other"},
    )
    assert "error=bad_reason" in bad.headers["location"]
    asked = await phone.post(
        f"/v/{token}/change",
        data={"csrf": csrf[1], "day": day, "part": "morning", "reason": "site_not_ready"},
    )
    assert "done=requested" in asked.headers["location"]
    attention = (await staff.get("/api/v1/appointments/attention")).json()
    assert [o["order_id"] for o in attention] == ["WO-V-2"]
    shown = await phone.get(f"/v/{token}")
    assert f"您已申请改约至 {day} 09:00–12:00" in shown.text

    move = {**window(tomorrow_at(9, days=3), hours=3), "reason": "site_not_ready"}
    moved = await staff.post(
        f"{ORDERS}/WO-V-2/appointment/reschedule", json={**move, "requested_by": "customer"}
    )
    assert moved.status_code == 200, moved.text
    newer = await texted_token(hub, "WO-V-2", nth=2)

    async def old_link_retired() -> bool:
        return (await phone.get(f"/v/{token}")).status_code == 410

    await eventually(old_link_retired)  # the newer window's link revokes it
    assert (await phone.get(f"/v/{newer}")).status_code == 200
    assert (await staff.get("/api/v1/appointments/attention")).json() == []


async def test_unknown_tokens_get_one_page_and_a_prober_is_slowed(
    phone: httpx.AsyncClient, hub: Hub
) -> None:
    first = await phone.get("/v/not-a-token")
    second = await phone.get("/v/" + "x" * 43)
    assert first.status_code == second.status_code == 404
    assert first.text == second.text  # nothing tells one unknown token from another
    for _ in range(hub.settings.signing_probe_limit_per_min):
        await phone.get("/v/" + "y" * 43)
    assert (await phone.get("/v/" + "z" * 43)).status_code == 429


async def test_the_page_follows_the_technician_from_acceptance_to_arrival(
    staff: httpx.AsyncClient, phone: httpx.AsyncClient, hub: Hub
) -> None:
    token = await booked(staff, hub, "WO-V-3")
    dispatch = factories.dispatch("WO-V-3").model_dump(mode="json") | {
        "appointment_start": tomorrow_at(14).isoformat(),
        "appointment_end": tomorrow_at(16).isoformat(),
    }
    assert (await staff.post(f"{ORDERS}/WO-V-3/dispatch", json=dispatch)).status_code == 200
    field = "/api/v1/technicians/T001/orders/WO-V-3"
    assert (await staff.post(f"{field}/accept")).status_code == 200
    assert (await staff.post(f"{field}/on-the-way")).status_code == 200
    page = await phone.get(f"/v/{token}")
    assert '<li class="reached current">装维人员已出发，正在赶来</li>' in page.text
    arrived = {"position": {"lat": factories.SITE.lat, "lon": factories.SITE.lon}}
    assert (await staff.post(f"{field}/check-in", json=arrived)).status_code == 200
    page = await phone.get(f"/v/{token}")
    assert '<li class="reached current">装维人员已到达</li>' in page.text
    assert "时间合适，确认预约" not in page.text  # after arrival there is nothing to answer
