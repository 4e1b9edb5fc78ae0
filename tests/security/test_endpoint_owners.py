"""Every endpoint has an owner: without a credential the answer is 401 with a challenge, with
the wrong role 403, and a technician acts only as themselves. A route added without an entry
in `OWNERS` (or `PUBLIC`) fails here, so no endpoint is left open by accident."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute

from hub.bootstrap import Hub, bootstrap
from hub.config import Settings
from hub.identity.issue import issue_token
from hub.identity.roles import Role
from tests.helpers import web_app

pytestmark = pytest.mark.security

SELF = "the technician in the path"
INTAKE = {Role.DISPATCHER, Role.SUPPORT_SYSTEM}
DESK = {Role.SUPERVISOR, Role.DISPATCHER}
STAFF = set(Role) - {Role.TECHNICIAN}
OWNERS: dict[tuple[str, str], set[Role] | str] = {
    ("POST", "/api/v1/work-orders"): INTAKE,
    ("POST", "/api/v1/work-orders/{order_id}/dispatch"): INTAKE,
    ("POST", "/api/v1/work-orders/{order_id}/archive"): INTAKE,
    ("GET", "/api/v1/work-orders/{order_id}"): INTAKE | {Role.ACCOUNT_MANAGER, Role.SUPERVISOR},
    ("POST", "/api/v1/work-orders/{order_id}/appointment"): INTAKE,
    ("POST", "/api/v1/work-orders/{order_id}/appointment/reschedule"): INTAKE,
    ("GET", "/api/v1/work-orders/{order_id}/appointments"): INTAKE
    | {Role.ACCOUNT_MANAGER, Role.SUPERVISOR},
    ("GET", "/api/v1/appointments/attention"): {Role.DISPATCHER, Role.SUPERVISOR},
    ("GET", "/api/v1/appointments/punctuality"): {Role.SUPERVISOR, Role.DISPATCHER, Role.OPS},
    ("POST", "/api/v1/calls/transcripts"): {Role.SUPPORT_SYSTEM},
    ("GET", "/api/v1/calls"): {Role.SUPERVISOR},
    ("GET", "/api/v1/calls/agreement"): {Role.SUPERVISOR},
    ("GET", "/api/v1/calls/{call_id}"): {Role.SUPERVISOR},
    ("POST", "/api/v1/calls/{call_id}/review"): {Role.SUPERVISOR},
    ("GET", "/api/v1/exceptions"): DESK,
    ("POST", "/api/v1/exceptions/{report_id}/resolve"): DESK,
    ("GET", "/api/v1/exception-directory"): DESK,
    ("GET", "/exceptions/{report_id}"): DESK | {Role.ACCOUNT_MANAGER},
    ("PUT", "/api/v1/exception-directory/{exception_type}/{district}"): {Role.SUPERVISOR},
    ("DELETE", "/api/v1/exception-directory/{exception_type}/{district}"): {Role.SUPERVISOR},
    ("POST", "/api/v1/signatures/verify"): {
        Role.ACCOUNT_MANAGER,
        Role.SUPERVISOR,
        Role.SUPPORT_SYSTEM,
        Role.BILLING_SYSTEM,
    },
    ("GET", "/metrics"): {Role.OPS, Role.SUPERVISOR},
    ("GET", "/ops"): {Role.OPS, Role.SUPERVISOR},
    ("GET", "/ops/summary.json"): {Role.OPS, Role.SUPERVISOR},
    ("GET", "/ops/counts.json"): {Role.OPS, Role.SUPERVISOR},
    ("GET", "/docs"): STAFF,
    ("GET", "/openapi.json"): STAFF,
}
TECHNICIAN_PREFIXES = (
    "/api/v1/technicians/{technician_id}/",
    "/api/v2/technicians/{technician_id}/",
)
# Open to anyone: probes, the landing and sign-in pages, static assets; the customer's pages
# under /s/ (signing) and /v/ (the visit) carry their own unguessable link token, the Twilio
# webhook its signature.
PUBLIC = {
    ("GET", "/healthz"),
    ("GET", "/readyz"),
    ("GET", "/"),
    ("GET", "/docs-assets/{name}"),
    ("GET", "/signing-assets/{name}"),
    ("GET", "/login"),
    ("POST", "/login"),
    ("POST", "/logout"),
}
SAMPLES = {
    "technician_id": "T001",
    "order_id": "WO-OWNER-1",
    "change_id": "CHG-00000001",
    "report_id": "EX-00000001",
    "sha256": "0" * 64,
    "exception_type": "*",
    "district": "*",
    "name": "hub.css",
}


def routes(app: FastAPI) -> Iterator[tuple[str, str]]:
    def walk(found: list[object]) -> Iterator[APIRoute]:
        for route in found:
            if isinstance(route, APIRoute):
                yield route
            elif hasattr(route, "original_router"):
                yield from walk(route.original_router.routes)

    for route in walk(list(app.routes)):
        for method in sorted(route.methods - {"HEAD"}):
            yield method, route.path


def concrete(path: str) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: SAMPLES.get(m.group(1), "x1234567"), path)


def owned(method: str, path: str) -> set[Role] | str | None:
    if path.startswith(TECHNICIAN_PREFIXES):
        return SELF
    return OWNERS.get((method, path))


@pytest.fixture
async def unstarted(settings: Settings) -> AsyncIterator[Hub]:
    hub = bootstrap(settings, consumers=False)
    yield hub
    await hub.aclose()


@pytest.fixture
async def client(unstarted: Hub) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=web_app(unstarted))
    async with httpx.AsyncClient(transport=transport, base_url="http://hub") as http:
        yield http


async def tokens(hub: Hub) -> dict[Role, str]:
    issued = {}
    for role in Role:
        technician = "T001" if role is Role.TECHNICIAN else None
        issued[role] = await issue_token(
            hub.users, f"owner-{role.value}".replace("_", "-"), role, technician_id=technician
        )
    return issued


async def test_every_route_has_an_owner_or_is_public_on_purpose(unstarted: Hub) -> None:
    app = web_app(unstarted)
    unowned = [
        (m, p)
        for m, p in routes(app)
        if owned(m, p) is None
        and (m, p) not in PUBLIC
        and not p.startswith(("/s/", "/v/"))
        and not p.startswith("/webhooks/")
    ]
    assert unowned == []
    assert ("GET", "/api/v1/technicians/{technician_id}/orders") in set(routes(app))


async def test_without_a_credential_every_owned_route_answers_401_with_a_challenge(
    unstarted: Hub, client: httpx.AsyncClient
) -> None:
    seen = 0
    for method, path in routes(web_app(unstarted)):
        if owned(method, path) is None:
            continue
        answer = await client.request(method, concrete(path))
        assert answer.status_code == 401, f"{method} {path}: {answer.status_code}"
        assert answer.headers["www-authenticate"].startswith('Bearer realm="delivery-hub"')
        seen += 1
    assert seen >= 30


async def test_a_wrong_role_gets_403_and_the_right_one_gets_past_the_door(
    unstarted: Hub, client: httpx.AsyncClient
) -> None:
    issued = await tokens(unstarted)
    other_technician = await issue_token(
        unstarted.users, "owner-t002", Role.TECHNICIAN, technician_id="T002"
    )
    for method, path in routes(web_app(unstarted)):
        owners = owned(method, path)
        if owners is None:
            continue
        url = concrete(path)
        allowed = {Role.TECHNICIAN} if owners == SELF else owners
        assert isinstance(allowed, set)
        for role, token in issued.items():
            answer = await client.request(method, url, headers={"Authorization": f"Bearer {token}"})
            where = f"{role.value} on {method} {path}: {answer.status_code} {answer.text[:120]}"
            if role in allowed:
                assert answer.status_code not in (401, 403), where
            else:
                assert answer.status_code == 403, where
                assert role.value in answer.json()["detail"], where
        if owners == SELF:
            answer = await client.request(
                method, url, headers={"Authorization": f"Bearer {other_technician}"}
            )
            assert answer.status_code == 403, f"T002 acting for T001 on {method} {path}"
            assert "technician T002's" in answer.json()["detail"]


async def test_revoked_expired_and_forged_tokens_are_refused_with_the_reason(
    unstarted: Hub, client: httpx.AsyncClient
) -> None:
    ops = await issue_token(unstarted.users, "ops-revoked", Role.OPS)
    fine = await client.get("/ops/summary.json", headers={"Authorization": f"Bearer {ops}"})
    assert fine.status_code == 200
    from datetime import UTC, datetime, timedelta

    assert await unstarted.users.revoke("ops-revoked", at=datetime.now(UTC)) == 1
    revoked = await client.get("/ops/summary.json", headers={"Authorization": f"Bearer {ops}"})
    expired_token = await issue_token(
        unstarted.users,
        "ops-expired",
        Role.OPS,
        clock=lambda: datetime.now(UTC) - timedelta(days=2),
        valid_for=timedelta(days=1),
    )
    expired = await client.get(
        "/ops/summary.json", headers={"Authorization": f"Bearer {expired_token}"}
    )
    forged = await client.get(
        "/ops/summary.json", headers={"Authorization": "Bearer hub_" + "A" * 43}
    )
    basic = await client.get("/ops/summary.json", headers={"Authorization": "Basic b3BzOm9wcw=="})

    assert revoked.status_code == expired.status_code == forged.status_code == 401
    assert basic.status_code == 401
    assert "token revoked" in revoked.json()["detail"]
    assert "token expired" in expired.json()["detail"]
    assert "unknown token" in forged.json()["detail"]
    assert 'error="invalid_token"' in revoked.headers["www-authenticate"]
    assert ops not in revoked.text


async def test_a_technicians_token_only_shows_their_own_orders(
    unstarted: Hub, client: httpx.AsyncClient
) -> None:
    from tests import factories
    from tests.helpers import run

    await run(unstarted, factories.create_order("WO-OWN-A"))
    await run(unstarted, factories.dispatch("WO-OWN-A"))  # to T001
    mine = await issue_token(unstarted.users, "t001", Role.TECHNICIAN, technician_id="T001")
    theirs = await issue_token(unstarted.users, "t009", Role.TECHNICIAN, technician_id="T009")

    own = await client.get(
        "/api/v1/technicians/T001/orders/WO-OWN-A", headers={"Authorization": f"Bearer {mine}"}
    )
    hijack = await client.get(
        "/api/v1/technicians/T001/orders/WO-OWN-A", headers={"Authorization": f"Bearer {theirs}"}
    )
    as_self = await client.get(
        "/api/v1/technicians/T009/orders/WO-OWN-A", headers={"Authorization": f"Bearer {theirs}"}
    )
    listed = await client.get(
        "/api/v1/technicians/T009/orders", headers={"Authorization": f"Bearer {theirs}"}
    )

    assert own.status_code == 200 and own.json()["order_id"] == "WO-OWN-A"
    assert hijack.status_code == 403
    assert as_self.status_code == 404  # not theirs: as if it did not exist
    assert listed.status_code == 200 and listed.json() == []


async def test_phones_are_masked_for_roles_that_do_not_call_the_customer(
    unstarted: Hub, client: httpx.AsyncClient
) -> None:
    from tests import factories
    from tests.helpers import run

    order = factories.create_order("WO-MASK-1")
    await run(unstarted, order)
    issued = await tokens(unstarted)
    phones = {}
    for role in (Role.DISPATCHER, Role.SUPPORT_SYSTEM, Role.ACCOUNT_MANAGER, Role.SUPERVISOR):
        answer = await client.get(
            "/api/v1/work-orders/WO-MASK-1", headers={"Authorization": f"Bearer {issued[role]}"}
        )
        assert answer.status_code == 200
        phones[role] = answer.json()["contact"]["phone"]

    full = order.contact.phone
    assert phones[Role.DISPATCHER] == phones[Role.SUPPORT_SYSTEM] == full
    masked = full[:6] + "*" * (len(full) - 10) + full[-4:]
    assert phones[Role.ACCOUNT_MANAGER] == phones[Role.SUPERVISOR] == masked
    assert re.fullmatch(r"\+86\d{3}\*{4}\d{4}", masked)
