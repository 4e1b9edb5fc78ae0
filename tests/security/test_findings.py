"""The attacks of the security review, replayed against the default hub's web app.

Each test is one finding: what an anonymous client (or a technician acting beyond their own
orders) did, and what the hub must answer now. The findings that need a real server or the
broker are replayed in their own files (see the table in docs/security.md).
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from hub.bootstrap import Hub
from hub.identity.issue import issue_token
from hub.identity.roles import Role
from tests import factories
from tests.integration.signing_support import (
    ON_SITE,
    ORDERS,
    SIGN,
    TECH,
    client_for,
    count,
    order_on_site,
    outbox_sms,
    text_of,
)

pytestmark = pytest.mark.security
EXCEPTION = {
    "type": "access_denied",
    "description": "物业不让进弱电间。点击领取话费 http://evil.example/x",
    "photos": [],
    "responsible": {"role": "account_manager", "name": "攻击者", "phone": "+8613012345678"},
}


@pytest.fixture
async def staff(quiet_hub: Hub) -> AsyncIterator[httpx.AsyncClient]:
    async with client_for(quiet_hub) as http:
        yield http


@pytest.fixture
async def anonymous(quiet_hub: Hub) -> AsyncIterator[httpx.AsyncClient]:
    async with client_for(quiet_hub) as http:
        http.auth = None
        yield http


async def test_an_anonymous_client_cannot_forge_a_signature_or_start_billing(
    quiet_hub: Hub, staff: httpx.AsyncClient, anonymous: httpx.AsyncClient
) -> None:
    from hub.db.tables import billing_starts, signatures

    await order_on_site(staff, "WO-F1")
    await staff.post(f"{TECH}/WO-F1/complete", json={"note": "done"})
    forged = await anonymous.post(
        f"{SIGN}/WO-F1/signature",
        json={"report_version": 1, "report_sha256": "0" * 64, "signature_png": "iVBORw0KGgo="},
    )
    gateway = await anonymous.post(
        f"{SIGN}/WO-F1/signature",
        json={"report_version": 1, "report_sha256": "0" * 64, "signature_png": "iVBORw0KGgo="},
        headers={"Authorization": "Bearer the-old-shared-gateway-token"},
    )

    assert forged.status_code == gateway.status_code == 401
    assert await count(quiet_hub, signatures, signatures.c.order_id == "WO-F1") == 0
    assert await count(quiet_hub, billing_starts, billing_starts.c.order_id == "WO-F1") == 0


async def test_a_technicians_own_credential_alone_does_not_sign_without_the_customers_code(
    quiet_hub: Hub, staff: httpx.AsyncClient
) -> None:
    from hub.db.tables import signatures

    await order_on_site(staff, "WO-F2")
    await staff.post(f"{TECH}/WO-F2/complete", json={"note": "done"})
    report = await staff.get(f"{SIGN}/WO-F2/report")
    if report.status_code == 200:
        body = report.json()
        version, digest = body["report_version"], body["report_sha256"]
    else:  # the report is still being rendered: the check below does not depend on it
        version, digest = 1, "0" * 64
    signed = await staff.post(
        f"{SIGN}/WO-F2/signature",
        json={"report_version": version, "report_sha256": digest, "signature_png": "iVBORw0KGgo="},
    )
    assert signed.status_code in (400, 403, 409, 422), signed.text
    assert await count(quiet_hub, signatures, signatures.c.order_id == "WO-F2") == 0


async def test_no_request_puts_its_own_text_into_an_sms_to_its_own_number(
    quiet_hub: Hub, staff: httpx.AsyncClient, anonymous: httpx.AsyncClient
) -> None:
    await quiet_hub.directory.seed_if_empty()
    await order_on_site(staff, "WO-F3")
    refused = await anonymous.post(f"{TECH}/WO-F3/exceptions", json=EXCEPTION)
    reported = await staff.post(f"{TECH}/WO-F3/exceptions", json=EXCEPTION)

    assert refused.status_code == 401
    assert reported.status_code == 201, reported.text
    [sms] = await outbox_sms(quiet_hub, "exception-report:")
    text = text_of(quiet_hub, sms)
    assert sms.to != EXCEPTION["responsible"]["phone"]  # the directory's duty phone
    assert "evil.example" not in text and "话费" not in text
    assert f"/exceptions/{reported.json()['report_id']}" in text


async def test_contact_phones_cannot_be_harvested(
    quiet_hub: Hub, staff: httpx.AsyncClient, anonymous: httpx.AsyncClient
) -> None:
    await order_on_site(staff, "WO-F4")
    phone = factories.create_order("WO-F4").contact.phone
    anonymous_read = await anonymous.get(f"{ORDERS}/WO-F4")
    other = await issue_token(quiet_hub.users, "t-harvest", Role.TECHNICIAN, technician_id="T777")
    as_other = {"Authorization": f"Bearer {other}"}
    hijacked = await anonymous.get(f"{TECH}/WO-F4", headers=as_other)
    listed = await anonymous.get("/api/v1/technicians/T777/orders", headers=as_other)
    manager = await issue_token(quiet_hub.users, "am-harvest", Role.ACCOUNT_MANAGER)
    as_manager = await anonymous.get(
        f"{ORDERS}/WO-F4", headers={"Authorization": f"Bearer {manager}"}
    )

    assert anonymous_read.status_code == 401 and phone not in anonymous_read.text
    assert hijacked.status_code == 403 and phone not in hijacked.text
    assert listed.status_code == 200 and phone not in listed.text
    assert as_manager.status_code == 200 and phone not in as_manager.text


async def test_orders_cannot_be_hijacked_by_another_technician(
    quiet_hub: Hub, staff: httpx.AsyncClient, anonymous: httpx.AsyncClient
) -> None:
    await order_on_site(staff, "WO-F5")
    other = await issue_token(quiet_hub.users, "t-hijack", Role.TECHNICIAN, technician_id="T778")
    as_other = {"Authorization": f"Bearer {other}"}
    attempts = [
        await anonymous.post(f"{TECH}/WO-F5/check-in", json=ON_SITE, headers=as_other),
        await anonymous.post(f"{TECH}/WO-F5/complete", json={"note": "x"}, headers=as_other),
        await anonymous.post(f"{SIGN}/WO-F5/remote-signing", json={}, headers=as_other),
        await anonymous.post(f"{TECH}/WO-F5/return", json={"reason": "x"}, headers=as_other),
        await anonymous.post(
            "/api/v1/work-orders/WO-F5/dispatch",
            json=factories.dispatch("WO-F5").model_dump(mode="json"),
            headers=as_other,
        ),
    ]
    assert [a.status_code for a in attempts] == [403] * len(attempts)
    async with quiet_hub.uow.read() as uow:
        order = await uow.orders.get("WO-F5")
    assert order.status == "checked_in" and order.technician is not None
    assert order.technician.id == "T001"
