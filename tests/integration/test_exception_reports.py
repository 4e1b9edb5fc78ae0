"""Exception reports (异常上报): the responsible person is texted, then the technician."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from hub.bootstrap import Hub
from hub.config import Settings
from schemas.v1 import ReportException
from tests.helpers import eventually, publish
from tests.inventory_standin import ServedInventory
from tests.on_site_factories import exception
from tests.on_site_harness import (
    http_client,
    on_site_hub,
    open_orders,
    outbox_types,
    served_line_inventory,
    sms_sent,
    status_of,
)

pytestmark = pytest.mark.integration

REPORT = {
    "type": "access_denied",
    "description": "物业不让进弱电间，需客户经理协调",
    "photos": ["https://photos.example.com/a.jpg", "sha256:" + "ab" * 32],
    "responsible": {"role": "account_manager", "name": "李娜", "phone": "+8613600136000"},
}
RESOLVED = {"resolved_by": "李娜", "resolution": "已联系物业，明早九点开门"}


@pytest.fixture
async def hub(settings: Settings, backend: str, tmp_path: Path) -> AsyncIterator[Hub]:
    stand_in: ServedInventory
    async with (
        served_line_inventory(backend, tmp_path) as stand_in,
        on_site_hub(settings, stand_in.url) as the_hub,
    ):
        yield the_hub


@pytest.fixture
async def client(hub: Hub) -> AsyncIterator[httpx.AsyncClient]:
    async with http_client(hub) as http:
        yield http


async def test_a_report_texts_the_responsible_person_and_a_resolution_texts_the_technician(
    hub: Hub, client: httpx.AsyncClient
) -> None:
    await open_orders(hub, ["WO-021"], check_in=True)
    version = (await status_of(hub, "WO-021"))[1]  # type: ignore[index]
    reported = await client.post(
        "/api/v1/technicians/T021/orders/WO-021/exceptions",
        json=REPORT,
        headers={"Idempotency-Key": "exc-1"},
    )
    assert reported.status_code == 201, reported.text
    report = reported.json()
    assert (report["state"], report["responsible_role"], len(report["photos"])) == (
        "open",
        "account_manager",
        2,
    )
    report_id = report["report_id"]
    open_now = (await client.get("/api/v1/exceptions")).json()
    assert [(r["report_id"], r["age_s"] >= 0) for r in open_now] == [(report_id, True)]
    assert (await status_of(hub, "WO-021"))[1] == version + 1  # type: ignore[index]

    async def responsible_texted() -> bool:
        return await sms_sent(hub, f"exception-report:{report_id}") == 1

    await eventually(responsible_texted, timeout=20)

    resolved = await client.post(f"/api/v1/exceptions/{report_id}/resolve", json=RESOLVED)
    again = await client.post(f"/api/v1/exceptions/{report_id}/resolve", json=RESOLVED)
    other = await client.post(
        f"/api/v1/exceptions/{report_id}/resolve", json={**RESOLVED, "resolution": "别的"}
    )
    assert resolved.status_code == again.status_code == 200
    assert (
        resolved.json()["state"] == "resolved"
        and resolved.json()["resolution"] == RESOLVED["resolution"]
    )
    assert other.status_code == 409
    assert (await client.get("/api/v1/exceptions")).json() == []
    closed = (await client.get("/api/v1/exceptions?state=resolved")).json()
    assert [r["report_id"] for r in closed] == [report_id]

    async def technician_texted() -> bool:
        return await sms_sent(hub, f"exception-resolved:{report_id}") == 1

    await eventually(technician_texted, timeout=20)
    steps = [e["step"] for e in (await client.get("/api/v1/work-orders/WO-021")).json()["flow_log"]]
    assert steps[-2:] == ["exception_reported", "exception_resolved"]


async def test_reports_from_someone_else_or_with_bad_photos_are_refused(
    hub: Hub, client: httpx.AsyncClient
) -> None:
    await open_orders(hub, ["WO-022"])
    not_his = await client.post("/api/v1/technicians/T099/orders/WO-022/exceptions", json=REPORT)
    bad_photo = await client.post(
        "/api/v1/technicians/T022/orders/WO-022/exceptions",
        json={**REPORT, "photos": ["file:///etc/passwd"]},
    )
    unknown = await client.post("/api/v1/exceptions/nope-0000000/resolve", json=RESOLVED)
    assert not_his.status_code == 404
    assert bad_photo.status_code == 422 and "photos" in bad_photo.json()["detail"]
    assert unknown.status_code == 404
    assert (await client.get("/api/v1/exceptions")).json() == []


async def test_a_report_over_amqp_is_recorded_once_and_one_for_a_foreign_order_is_parked(
    hub: Hub, client: httpx.AsyncClient
) -> None:
    await open_orders(hub, ["WO-023"])
    cmd = exception("WO-023", "T023", report_id="amqp-exc-023")
    await publish(hub, cmd, message_id="m-1")
    await publish(hub, cmd, message_id="m-2")
    await publish(
        hub,
        ReportException.model_validate(
            {**cmd.model_dump(), "report_id": "amqp-exc-x", "technician_id": "T099"}
        ),
        message_id="m-3",
    )

    async def recorded_and_parked() -> bool:
        parked = hub.metrics.messages_parked.labels("onsite.exception_report", "NotAssigned")
        return (
            "ExceptionReported.v1" in await outbox_types(hub, "WO-023") and parked._value.get() >= 1
        )

    await eventually(recorded_and_parked, timeout=20)
    assert (await outbox_types(hub, "WO-023")).count("ExceptionReported.v1") == 1
    assert [r["report_id"] for r in (await client.get("/api/v1/exceptions")).json()] == [
        "amqp-exc-023"
    ]
