"""The field app posts ping and speed tests and screenshots; bad input: a 4xx naming the field."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from hub.bootstrap import Hub
from tests import delivery_factories as df
from tests import factories
from tests.delivery_support import checked_in
from tests.helpers import callers, run, web_app

pytestmark = pytest.mark.integration

OID = "WO-TR-1"
BASE = f"/api/v1/technicians/T001/orders/{OID}"
PING = {"ping": df.GOOD_PING.model_dump(mode="json")}


@pytest.fixture
async def client(hub: Hub) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=web_app(hub))
    async with httpx.AsyncClient(
        transport=transport, base_url="http://test", auth=callers(hub)
    ) as http:
        yield http


@pytest.fixture
async def on_site(hub: Hub) -> int:
    """The order is checked in; returns its bandwidth."""
    await checked_in(hub, OID)
    return factories.create_order(OID).bandwidth_mbps


def speed(bandwidth: int, share: float) -> dict[str, Any]:
    return {"speed": {"down_mbps": bandwidth * share, "up_mbps": bandwidth * share, "jitter_ms": 2}}


def fields(response: httpx.Response) -> list[str]:
    return [e["field"] for e in response.json()["errors"]]


async def test_a_ping_is_stored_judged_and_written_to_the_flow_log(
    client: httpx.AsyncClient, on_site: int
) -> None:
    response = await client.post(f"{BASE}/tests/ping", json={**PING, "test_id": "p-1"})
    assert response.status_code == 201, response.text
    body = response.json()
    assert (body["test_id"], body["kind"], body["passed"]) == ("p-1", "ping", True)
    assert body["thresholds"]["max_loss_pct"] == 1.0
    order = (await client.get(f"/api/v1/work-orders/{OID}")).json()
    assert order["flow_log"][-1]["step"] == "ping_test"
    assert order["flow_log"][-1]["seq"] == body["seq"]


async def test_a_slow_line_fails_its_speed_test_and_the_verdict(
    client: httpx.AsyncClient, on_site: int
) -> None:
    await client.post(f"{BASE}/tests/ping", json=PING)
    response = await client.post(f"{BASE}/tests/speed", json=speed(on_site, 0.5))
    assert response.status_code == 201
    assert response.json()["passed"] is False
    assert response.json()["failed_checks"] == ["down_mbps", "up_mbps"]
    listing = (await client.get(f"{BASE}/tests")).json()
    assert [r["kind"] for r in listing["results"]] == ["ping", "speed"]
    assert listing["overall_passed"] is False
    assert listing["thresholds"]["min_down_mbps"] == pytest.approx(on_site * 0.9)
    await client.post(f"{BASE}/tests/speed", json=speed(on_site, 0.95))
    assert (await client.get(f"{BASE}/tests")).json()["overall_passed"] is True


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"loss_pct": 150}, "ping.loss_pct"),
        ({"loss_pct": -1}, "ping.loss_pct"),
        ({"rtt_min_ms": -2}, "ping.rtt_min_ms"),
        ({"rtt_min_ms": 9, "rtt_avg_ms": 3}, "ping"),
        ({"received": 101}, "ping"),
        ({"target": "http://evil/"}, "ping.target"),
    ],
)
async def test_out_of_range_ping_values_are_refused_naming_the_field(
    client: httpx.AsyncClient, on_site: int, change: dict[str, Any], field: str
) -> None:
    body = {"ping": {**PING["ping"], **change}}
    response = await client.post(f"{BASE}/tests/ping", json=body)
    assert response.status_code == 422
    assert fields(response) == [field]
    assert (await client.get(f"{BASE}/tests")).json()["results"] == []


async def test_a_negative_speed_is_refused_naming_the_field(
    client: httpx.AsyncClient, on_site: int
) -> None:
    body = {"speed": {"down_mbps": -1, "up_mbps": 10, "jitter_ms": 1}}
    response = await client.post(f"{BASE}/tests/speed", json=body)
    assert response.status_code == 422
    assert fields(response) == ["speed.down_mbps"]


async def test_a_test_before_check_in_is_a_conflict(client: httpx.AsyncClient, hub: Hub) -> None:

    await run(hub, factories.create_order(OID))
    await run(hub, factories.dispatch(OID))
    response = await client.post(f"{BASE}/tests/ping", json=PING)
    assert response.status_code == 409
    assert "must be checked_in" in response.json()["detail"]


async def test_another_technicians_order_is_not_found(
    client: httpx.AsyncClient, on_site: int
) -> None:
    response = await client.post(f"/api/v1/technicians/T002/orders/{OID}/tests/ping", json=PING)
    assert response.status_code == 404


async def test_a_repeated_test_id_is_stored_once(client: httpx.AsyncClient, on_site: int) -> None:
    an_hour_ago = (datetime.now(UTC) - timedelta(hours=1)).isoformat()
    body = {**PING, "test_id": "p-same", "measured_at": an_hour_ago}
    first = await client.post(f"{BASE}/tests/ping", json=body)
    again = await client.post(f"{BASE}/tests/ping", json=body)
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json()
    assert len((await client.get(f"{BASE}/tests")).json()["results"]) == 1


async def test_screenshots_are_stored_by_hash_and_referenced_by_tests(
    client: httpx.AsyncClient, on_site: int
) -> None:
    png = df.screenshot_png()
    upload = await client.post(f"{BASE}/screenshots", files={"file": ("s.png", png, "image/png")})
    assert upload.status_code == 201, upload.text
    sha = upload.json()["sha256"]
    assert upload.json()["content_type"] == "image/png"
    again = await client.post(f"{BASE}/screenshots", files={"file": ("x.png", png, "image/png")})
    assert again.json()["sha256"] == sha
    jpeg = await client.post(
        f"{BASE}/screenshots", files={"file": ("s.jpg", df.screenshot_jpeg(), "image/jpeg")}
    )
    assert jpeg.json()["content_type"] == "image/jpeg"
    stored = await client.post(f"{BASE}/tests/ping", json={**PING, "screenshots": [sha]})
    assert stored.json()["screenshots"] == [sha]
    download = await client.get(f"{BASE}/screenshots/{sha}")
    assert download.content == png
    assert download.headers["content-type"] == "image/png"


async def test_a_test_referencing_a_screenshot_never_uploaded_is_refused(
    client: httpx.AsyncClient, on_site: int
) -> None:
    response = await client.post(f"{BASE}/tests/ping", json={**PING, "screenshots": ["a" * 64]})
    assert response.status_code == 422
    assert response.json()["detail"].startswith("screenshots.0:")


@pytest.mark.parametrize(
    "content",
    [
        b"GIF89a" + b"\x00" * 100,
        b"<svg xmlns='http://www.w3.org/2000/svg'/>",
        b"\x89PNG\r\n\x1a\nbroken",
    ],
    ids=["gif", "svg", "truncated-png"],
)
async def test_anything_but_a_decodable_png_or_jpeg_is_refused(
    client: httpx.AsyncClient, on_site: int, content: bytes
) -> None:
    response = await client.post(f"{BASE}/screenshots", files={"file": ("f", content, "image/png")})
    assert response.status_code == 415


async def test_an_oversized_screenshot_is_refused(
    client: httpx.AsyncClient, hub: Hub, on_site: int
) -> None:
    hub.settings.screenshot_max_bytes = 2048
    response = await client.post(
        f"{BASE}/screenshots", files={"file": ("s.png", df.screenshot_png(), "image/png")}
    )
    assert response.status_code == 413
