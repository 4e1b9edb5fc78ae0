"""The field app's signing routes, version 1 (deprecated): they answer as before issue #11.

v2 answers 202 `preparing` while a worker renders; v1 waits for that worker (never renders in
the request) and answers with the finished result: the report, the texted link, 201 and the
signed PDF's SHA-256.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import httpx
import pytest
from pydantic import AnyHttpUrl
from sqlalchemy import func, select

from hub.bootstrap import Hub
from hub.config import Settings
from hub.db.tables import outbox
from hub.messaging.topology import message_type
from hub.web import signing_api_v1
from schemas.v1 import RenderReport, RenderSignedReport, SendSigningLink
from tests import delivery_factories as df
from tests.integration.signing_support import (
    BASE_URL,
    TECH,
    client_for,
    clock,
    latest_code,
    link_id_of,
    order_on_site,
    quiet_hub,
    run_worker,
    signature_data_url,
    sms_texts,
)

pytestmark = pytest.mark.integration
__all__ = ["clock", "quiet_hub"]  # fixtures

V1 = TECH  # "/api/v1/technicians/T001/orders"
PING = {"ping": df.GOOD_PING.model_dump(mode="json")}


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"public_base_url": AnyHttpUrl(BASE_URL)})


async def answered_after_worker(
    request: Awaitable[httpx.Response], worker: Callable[[], Awaitable[object]]
) -> httpx.Response:
    """Send `request`; while it waits, do the worker's part (a quiet hub has no worker) until
    it answers. The part is done again every half second: on a loaded machine the request may
    not have queued its work yet when the first pass looks (one pass once made this flaky)."""
    pending = asyncio.ensure_future(request)
    await asyncio.sleep(0.6)
    assert not pending.done(), "a v1 request must wait for the worker, not answer `preparing`"
    deadline = asyncio.get_running_loop().time() + 10
    while not pending.done() and asyncio.get_running_loop().time() < deadline:
        await worker()
        await asyncio.wait({pending}, timeout=0.5)
    return await asyncio.wait_for(pending, 0.1)


def renders(hub: Hub) -> Callable[[], Awaitable[object]]:
    async def work() -> None:
        await hub.scheduler.fire_due()
        await run_worker(hub, RenderReport, SendSigningLink)

    return work


async def test_v1_waits_for_the_report_and_the_link_then_answers_as_before(quiet_hub: Hub) -> None:
    async with client_for(quiet_hub) as technician:
        await order_on_site(technician, "WO-V1-LINK")
        report = await answered_after_worker(
            technician.get(f"{V1}/WO-V1-LINK/report"), renders(quiet_hub)
        )
        await technician.post(f"{TECH}/WO-V1-LINK/tests/ping", json=PING)  # data changed again
        link = await answered_after_worker(
            technician.post(f"{V1}/WO-V1-LINK/remote-signing", json={}), renders(quiet_hub)
        )
        again = await technician.post(f"{V1}/WO-V1-LINK/remote-signing", json={})
    assert report.status_code == 200 and report.json()["report_version"] == 1
    assert report.json()["pdf_url"].endswith(
        "/api/v1/technicians/T001/orders/WO-V1-LINK/report.pdf"
    )
    assert link.status_code == 202, link.text
    body = link.json()
    assert (body["status"], body["sent"], body["report_version"]) == ("active", True, 2)
    assert body["expires_at"] is not None
    assert again.json()["sent"] is False  # once per version, as before
    assert await link_commands(quiet_hub, "WO-V1-LINK") == 1, "waiting queues no more sends"
    assert len(await sms_texts(quiet_hub, "signing-link:WO-V1-LINK")) == 1, (
        "one link texted, not two"
    )


async def link_commands(hub: Hub, order_id: str) -> int:
    """`SendSigningLink` commands the hub put in its outbox for the order."""
    async with hub.db.read() as conn:
        found = await conn.execute(
            select(func.count())
            .select_from(outbox)
            .where(
                outbox.c.message_type == message_type(SendSigningLink),
                outbox.c.correlation_id == order_id,
            )
        )
    return int(found.scalar_one())


async def test_v1_on_site_signature_answers_201_with_the_signed_pdf(quiet_hub: Hub) -> None:
    async with client_for(quiet_hub) as technician:
        await order_on_site(technician, "WO-V1-SIGN")
        shown = await answered_after_worker(
            technician.get(f"{V1}/WO-V1-SIGN/report"), renders(quiet_hub)
        )
        sent = await technician.post(f"{V1}/WO-V1-SIGN/signature/code")
        code = await latest_code(
            quiet_hub, await link_id_of(quiet_hub, "WO-V1-SIGN", channel="on_site")
        )
        body = {
            "report_version": shown.json()["report_version"],
            "report_sha256": shown.json()["report_sha256"],
            "signer_name": "张伟",
            "signature_png": signature_data_url(),
            "code": code,
        }
        signed = await answered_after_worker(
            technician.post(f"{V1}/WO-V1-SIGN/signature", json=body),
            lambda: run_worker(quiet_hub, RenderSignedReport),
        )
        state = await technician.get(f"{V1}/WO-V1-SIGN/signature")
    assert sent.status_code == 202
    assert signed.status_code == 201, signed.text
    answer = signed.json()
    assert answer["signed"] is True and answer["state"] == "signed"
    assert answer["signed_sha256"] and answer["signed_sha256"] == state.json()["signed_sha256"]


async def test_v1_gives_up_after_its_wait_with_503_and_a_signature_stays_accepted(
    quiet_hub: Hub, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(signing_api_v1, "V1_WAIT_S", 0.5)
    async with client_for(quiet_hub) as technician:
        await order_on_site(technician, "WO-V1-SLOW")
        busy = await technician.get(f"{V1}/WO-V1-SLOW/report")  # nobody renders it
        await renders(quiet_hub)()
        shown = (await technician.get(f"{V1}/WO-V1-SLOW/report")).json()
        await technician.post(f"{V1}/WO-V1-SLOW/signature/code")
        code = await latest_code(
            quiet_hub, await link_id_of(quiet_hub, "WO-V1-SLOW", channel="on_site")
        )
        body = {
            "report_version": shown["report_version"],
            "report_sha256": shown["report_sha256"],
            "signer_name": "李娜",
            "signature_png": signature_data_url(),
            "code": code,
        }
        accepted = await technician.post(f"{V1}/WO-V1-SLOW/signature", json=body)
        replay = await technician.post(f"{V1}/WO-V1-SLOW/signature", json=body)
    assert busy.status_code == 503 and busy.headers["retry-after"] == "2"
    assert accepted.status_code == 202, accepted.text
    assert (accepted.json()["signed"], accepted.json()["state"]) == (False, "preparing")
    assert replay.status_code == 409  # accepted once: the worker will render it
    assert await run_worker(quiet_hub, RenderSignedReport) == 1


async def test_the_openapi_document_marks_v1_deprecated_and_v2_not(quiet_hub: Hub) -> None:
    async with client_for(quiet_hub) as client:
        paths = (await client.get("/openapi.json")).json()["paths"]
    v1 = paths["/api/v1/technicians/{technician_id}/orders/{order_id}/signature"]["post"]
    v2 = paths["/api/v2/technicians/{technician_id}/orders/{order_id}/signature"]["post"]
    assert v1.get("deprecated") is True and "201" in v1["responses"]
    assert not v2.get("deprecated") and "202" in v2["responses"]
