"""What an operator and an orchestrator see: health, readiness, metrics and the queue page."""

from __future__ import annotations

import re
import socket
from collections.abc import AsyncIterator
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import insert

from hub.bootstrap import Hub, bootstrap
from hub.cli.web_app import build_web_app
from hub.config import Settings
from hub.db.tables import outbox
from hub.messaging.declare import ALL_CONSUMERS
from tests import factories
from tests.helpers import callers, eventually, publish, web_app

pytestmark = pytest.mark.integration


def http_client(hub: Hub) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=web_app(hub))
    return httpx.AsyncClient(transport=transport, base_url="http://test", auth=callers(hub))


@pytest.fixture
async def client(hub: Hub) -> AsyncIterator[httpx.AsyncClient]:
    async with http_client(hub) as http:
        yield http


@pytest.fixture
async def hub_without_broker(settings: Settings) -> AsyncIterator[Hub]:
    """A hub whose broker address is a closed port; never started."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    broken = bootstrap(
        settings.model_copy(update={"amqp_url": f"amqp://guest:guest@127.0.0.1:{port}/"}),
        consumers=False,
    )
    yield broken
    await broken.db.dispose()


async def create_order(client: httpx.AsyncClient, order_id: str) -> None:
    body = factories.create_order(order_id).model_dump(mode="json")
    response = await client.post("/api/v1/work-orders", json=body)
    assert response.status_code == 202, response.text


async def test_healthz_answers_while_the_process_runs(
    hub_without_broker: Hub,
) -> None:
    async with http_client(hub_without_broker) as client:
        response = await client.get("/healthz")

    assert response.status_code == 200


async def test_readyz_is_200_when_database_and_broker_are_up(client: httpx.AsyncClient) -> None:
    response = await client.get("/readyz")

    assert response.status_code == 200
    assert response.json() == {"database": "ok", "broker": "ok"}


async def test_readyz_is_503_naming_the_broker_when_it_is_unreachable(
    hub_without_broker: Hub,
) -> None:
    async with http_client(hub_without_broker) as client:
        response = await client.get("/readyz")

    assert response.status_code == 503
    body = response.json()
    assert body["database"] == "ok"
    assert body["broker"] != "ok"
    assert body["detail"] == "not ready: broker unavailable"


async def test_ops_page_still_renders_when_the_broker_is_down(hub_without_broker: Hub) -> None:
    async with http_client(hub_without_broker) as client:
        page = await client.get("/ops")
        summary = (await client.get("/ops/summary.json")).json()

    assert page.status_code == 200
    assert summary["broker"].startswith("unreachable")
    assert summary["database"] == "ok"
    assert all(q["messages"] is None for q in summary["consumers"])
    assert 'broker <span class="bad">unreachable' in page.text


async def test_metrics_show_outbox_backlog_and_broker_traffic(
    client: httpx.AsyncClient, hub: Hub
) -> None:
    await create_order(client, "WO-OPS-M")
    # One row the relay must not send yet, so the backlog gauge has something to count.
    async with hub.db.write() as conn:
        now = hub.uow.clock()
        await conn.execute(
            insert(outbox).values(
                id="held-back-row",
                exchange=hub.topology.bus.name,
                routing_key="evt.workorder.created",
                message_type="WorkOrderCreated.v1",
                body="{}",
                headers={},
                created_at=now,
                attempts=0,
                available_at=now + timedelta(hours=1),
            )
        )

    async def consumed() -> bool:
        text = (await client.get("/metrics")).text
        return "faststream_received_processed_messages_total{" in text

    await eventually(consumed)

    async def only_held_row_left() -> bool:
        return await hub.relay.backlog() == 1

    await eventually(only_held_row_left)
    response = await client.get("/metrics")

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    assert re.search(r"^hub_outbox_backlog 1\.0$", response.text, re.MULTILINE)
    assert re.search(r"^hub_outbox_published_total [1-9]", response.text, re.MULTILINE)
    assert "faststream_published_messages_total{" in response.text


async def test_ops_summary_counts_orders_and_parked_messages(
    client: httpx.AsyncClient, hub: Hub
) -> None:
    await create_order(client, "WO-OPS-1")
    await create_order(client, "WO-OPS-2")
    await publish(hub, factories.check_in("WO-OPS-UNKNOWN"))  # unknown order: parked

    async def parked() -> bool:
        summary = (await client.get("/ops/summary.json")).json()
        queues = {q["consumer"]: q for q in summary["consumers"]}
        return bool(queues["workorder.check_in"]["parked"] == 1)

    await eventually(parked)
    summary = (await client.get("/ops/summary.json")).json()

    assert summary["database"] == summary["broker"] == "ok"
    assert summary["orders_by_status"] == {
        "created": 2,
        "dispatched": 0,
        "checked_in": 0,
        "completed": 0,
        "archived": 0,
    }
    assert [q["consumer"] for q in summary["consumers"]] == list(ALL_CONSUMERS)
    for queue in summary["consumers"]:
        assert queue["queue"] == hub.topology.queue_name(queue["consumer"])
        assert queue["consumers"] >= 1, queue  # this hub runs every consumer
        if queue["consumer"] != "workorder.check_in":
            assert queue["parked"] == 0, queue
    assert [r["delay_ms"] for r in summary["retry_queues"]] == list(hub.topology.retry_delays_ms)


async def test_ops_page_shows_every_consumer_with_its_numbers(
    client: httpx.AsyncClient, hub: Hub
) -> None:
    await create_order(client, "WO-OPS-PAGE")
    await publish(hub, factories.complete("WO-OPS-NOPE"))  # unknown order: parked

    async def parked() -> bool:
        summary = (await client.get("/ops/summary.json")).json()
        return any(q["parked"] for q in summary["consumers"])

    await eventually(parked)
    page = await client.get("/ops")

    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    html = page.text
    for consumer in ALL_CONSUMERS:
        assert f'title="{hub.topology.queue_name(consumer)}">{consumer}</th>' in html
    complete_row = html.split('">workorder.complete</th>', 1)[1].split("</tr>", 1)[0]
    assert '<td class="n bad">1</td>' in complete_row  # one parked message, shown in red
    assert re.search(r"<th>created</th><td class=\"n\">1</td>", html)
    assert not re.search(r"(src|href)=\"https?://", html)  # no CDN: works offline


async def test_app_lifespan_starts_and_stops_a_web_only_hub(settings: Settings) -> None:
    web_only = bootstrap(settings, consumers=False)
    app = build_web_app(web_only, manage_lifecycle=True)
    transport = httpx.ASGITransport(app=app)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(
            transport=transport, base_url="http://test", auth=callers(web_only)
        ) as client,
    ):
        ready = await client.get("/readyz")
        summary = (await client.get("/ops/summary.json")).json()

    assert ready.status_code == 200
    # Topology is declared on start, so the parking queues exist even without workers.
    assert all(q["parked"] == 0 for q in summary["consumers"])
    assert await web_only.broker.ping(timeout=0.5) is False  # disconnected on shutdown


async def test_api_manual_documents_every_endpoint_and_its_errors(
    client: httpx.AsyncClient,
) -> None:
    doc = (await client.get("/openapi.json")).json()
    page = await client.get("/docs")

    assert page.status_code == 200
    assert doc["info"]["title"] == "Delivery hub"
    assert "Idempotency-Key" in doc["info"]["description"]
    check_in = doc["paths"]["/api/v1/technicians/{technician_id}/orders/{order_id}/check-in"]
    assert {"200", "401", "404", "409", "422"} <= set(check_in["post"]["responses"])
    for path, operations in doc["paths"].items():
        for method, operation in operations.items():
            assert operation.get("summary"), f"{method.upper()} {path} has no summary"
            assert operation.get("description"), f"{method.upper()} {path} has no description"
