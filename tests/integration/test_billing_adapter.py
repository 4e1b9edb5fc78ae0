"""The real billing and support clients against their stand-ins served over HTTP (ASGI)."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from adapters.billing.embedded import EmbeddedBilling
from adapters.billing.http_client import HttpBilling
from adapters.billing.server import create_billing_app
from adapters.support.embedded import EmbeddedWorkOrderSystem
from adapters.support.http_client import HttpWorkOrderSystem
from adapters.support.server import create_support_app
from hub.errors import PermanentAdapterError, TransientAdapterError
from tests.fakes.standin_oracles import SupportRecords

pytestmark = pytest.mark.integration

SHA = "ab" * 32


@pytest.fixture
async def billing_http(database_url: str, tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    storage = EmbeddedBilling.open_storage(database_url, data_dir=tmp_path)
    app = create_billing_app(storage)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://billing.test") as http:
        http.app = app  # type: ignore[attr-defined]
        yield http
    await storage.dispose()


async def _start(billing: HttpBilling, order_id: str = "WO-B1") -> str:
    return await billing.start(
        order_id,
        product="数据专线",
        bandwidth_mbps=500,
        report_sha256=SHA,
        idempotency_key=f"billing:{order_id}",
    )


async def test_a_repeated_key_returns_the_first_start(billing_http: httpx.AsyncClient) -> None:
    billing = HttpBilling(billing_http)
    first = await _start(billing)
    again = await _start(billing)
    assert first == again and first.startswith("BIL-")
    assert await billing.lookup(idempotency_key="billing:WO-B1") == first
    assert await billing.lookup(idempotency_key="billing:WO-NONE") is None
    listed = (await billing_http.get("/api/v1/billing/starts", params={"order_id": "WO-B1"})).json()
    assert [s["reference"] for s in listed["starts"]] == [first]


async def test_a_lost_answer_is_transient_yet_the_start_is_found_by_lookup(
    billing_http: httpx.AsyncClient,
) -> None:
    billing = HttpBilling(billing_http)
    await billing_http.put("/_faults", json={"lose_next_answers": 1})
    with pytest.raises(TransientAdapterError, match="503"):
        await _start(billing, "WO-B2")
    assert (await billing.lookup(idempotency_key="billing:WO-B2") or "").startswith("BIL-")


async def test_a_start_without_a_key_or_with_a_bad_body_is_refused(
    billing_http: httpx.AsyncClient,
) -> None:
    body = {"order_id": "WO-B3", "product": "x", "bandwidth_mbps": 1, "report_sha256": SHA}
    no_key = await billing_http.post("/api/v1/billing/starts", json=body)
    assert no_key.status_code == 400
    bad = await billing_http.post(
        "/api/v1/billing/starts",
        json={**body, "report_sha256": "nope"},
        headers={"Idempotency-Key": "k"},
    )
    assert bad.status_code == 422


async def test_the_support_stand_in_keeps_one_attachment_per_key_and_checks_its_hash(
    database_url: str, tmp_path: Path
) -> None:
    storage = EmbeddedWorkOrderSystem.open_storage(database_url, data_dir=tmp_path)
    app = create_support_app(storage)
    system: EmbeddedWorkOrderSystem = app.state.support_system
    await system.upsert_order("WO-S1", status="checked_in", payload={})
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://support.test") as http:
        support = HttpWorkOrderSystem(http)
        pdf = b"%PDF-1.7 signed report"
        sha = hashlib.sha256(pdf).hexdigest()
        for _ in range(2):
            await support.attach_report("WO-S1", pdf=pdf, sha256=sha, idempotency_key="report:1")
        with pytest.raises(PermanentAdapterError, match="422"):
            await support.attach_report("WO-S1", pdf=pdf + b"x", sha256=sha, idempotency_key="r2")
        await support.report_completion("WO-S1", idempotency_key="completion:WO-S1")
        order = (await http.get("/api/v1/orders/WO-S1")).json()
    records = SupportRecords.of(system)
    assert [a["sha256"] for a in await system.attachments("WO-S1")] == [sha]
    assert await records.attachment_content("WO-S1", sha) == pdf
    assert order["status"] == "completed"
    assert [op for op, _ in await records.calls()] == [
        "upsert_order",
        "attach_report",
        "attach_report",
        "report_completion",
    ]
    await storage.dispose()
