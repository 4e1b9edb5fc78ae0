"""The real work-order HTTP client against the stand-in served by uvicorn, on both databases."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from fastapi import FastAPI

from adapters.support.embedded import EmbeddedWorkOrderSystem
from adapters.support.http_client import HttpWorkOrderSystem
from adapters.support.server import create_support_app, support_system_router
from hub.errors import PermanentAdapterError, TransientAdapterError
from schemas.v1 import FlowLogEntry, FlowStep
from tests.fakes.standin_oracles import SupportRecords
from tests.helpers import eventually

pytestmark = pytest.mark.integration

ORDER_ID = "WO-SUP-1"
CLIENT_TIMEOUT_S = 2.0


@dataclass
class StandIn:
    """The served stand-in: its URL, the system behind it, and a raw client for the contract."""

    url: str
    system: EmbeddedWorkOrderSystem
    http: httpx.AsyncClient

    async def calls(self, operation: str | None = None) -> list[tuple[str, str]]:
        return await SupportRecords.of(self.system).calls(operation)

    async def faults(self, **faults: Any) -> None:
        response = await self.http.put("/_faults", json=faults)
        assert response.status_code == 200, response.text

    async def entries(self, order_id: str = ORDER_ID) -> list[dict[str, Any]]:
        response = await self.http.get(f"/api/v1/orders/{order_id}/flow-log")
        assert response.status_code == 200, response.text
        return list(response.json()["entries"])


@pytest.fixture
async def stand_in(database_url: str, tmp_path: Path) -> AsyncIterator[StandIn]:
    storage = EmbeddedWorkOrderSystem.open_storage(database_url, data_dir=tmp_path)
    app = create_support_app(storage)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))  # the kernel picks a free port; uvicorn serves on this socket
    server = uvicorn.Server(uvicorn.Config(app, lifespan="off", log_level="warning"))
    task = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        async with asyncio.timeout(10):
            while not server.started:
                assert not task.done(), "uvicorn stopped before it started"
                await asyncio.sleep(0.01)
        url = f"http://127.0.0.1:{sock.getsockname()[1]}"
        async with httpx.AsyncClient(base_url=url, timeout=CLIENT_TIMEOUT_S) as http:
            yield StandIn(url=url, system=app.state.support_system, http=http)
    finally:
        server.should_exit = True
        await task
        sock.close()
        await storage.dispose()


@pytest.fixture
async def support(stand_in: StandIn) -> AsyncIterator[HttpWorkOrderSystem]:
    """The real adapter, as the hub builds it for `HUB_SUPPORT_SYSTEM_URL`."""
    async with httpx.AsyncClient(base_url=stand_in.url, timeout=CLIENT_TIMEOUT_S) as client:
        yield HttpWorkOrderSystem(client)


def entry(seq: int, order_id: str = ORDER_ID) -> FlowLogEntry:
    return FlowLogEntry(
        order_id=order_id,
        seq=seq,
        at=datetime(2025, 1, 2, 3, 0, tzinfo=UTC) + timedelta(minutes=seq),
        step=FlowStep.CREATED if seq == 1 else FlowStep.DISPATCHED,
        actor="system",
        summary=f"第{seq}步",
        details={"seq": seq},
    )


async def test_an_upserted_order_reads_back_with_its_latest_status(
    stand_in: StandIn, support: HttpWorkOrderSystem
) -> None:
    await support.upsert_order(ORDER_ID, status="created", payload={"customer": "ACME"})
    await support.upsert_order(ORDER_ID, status="dispatched", payload={"customer": "ACME"})

    response = await stand_in.http.get(f"/api/v1/orders/{ORDER_ID}")
    assert response.status_code == 200
    assert response.json() == {
        "order_id": ORDER_ID,
        "status": "dispatched",
        "payload": {"customer": "ACME"},
        "archived_at": None,
    }


async def test_a_repeated_flow_log_key_keeps_one_entry_but_records_two_calls(
    stand_in: StandIn, support: HttpWorkOrderSystem
) -> None:
    key = f"flow-log:{ORDER_ID}:1"
    await support.append_flow_log(entry(1), idempotency_key=key)
    await support.append_flow_log(entry(1), idempotency_key=key)

    assert await stand_in.entries() == [entry(1).model_dump(mode="json")]
    assert await stand_in.calls("append_flow_log") == [("append_flow_log", key)] * 2


async def test_lines_sent_together_land_once_each_with_a_ledger_row_per_line(
    stand_in: StandIn, support: HttpWorkOrderSystem
) -> None:
    lines = [(entry(seq), f"flow-log:{ORDER_ID}:{seq}") for seq in (1, 2, 3)]
    await stand_in.system.append_flow_logs(lines)  # embedded: one transaction
    await stand_in.system.append_flow_logs(lines[1:])  # a retry of part of it
    await support.append_flow_logs([(entry(4), f"flow-log:{ORDER_ID}:4")])  # over HTTP

    assert [e["seq"] for e in await stand_in.entries()] == [1, 2, 3, 4]
    keys = [key for _, key in await stand_in.calls("append_flow_log")]
    assert sorted(keys) == sorted(
        [key for _, key in lines] + [key for _, key in lines[1:]] + [f"flow-log:{ORDER_ID}:4"]
    )


async def test_flow_log_entries_come_back_ordered_by_seq(
    stand_in: StandIn, support: HttpWorkOrderSystem
) -> None:
    for seq in (3, 1, 2):
        await support.append_flow_log(entry(seq), idempotency_key=f"flow-log:{ORDER_ID}:{seq}")

    assert [e["seq"] for e in await stand_in.entries()] == [1, 2, 3]


async def test_archive_marks_the_order_archived_once(
    stand_in: StandIn, support: HttpWorkOrderSystem
) -> None:
    await support.upsert_order(ORDER_ID, status="completed", payload={})
    await support.archive(ORDER_ID, idempotency_key=f"archive:{ORDER_ID}")
    first = (await stand_in.http.get(f"/api/v1/orders/{ORDER_ID}")).json()
    await support.archive(ORDER_ID, idempotency_key=f"archive:{ORDER_ID}")
    second = (await stand_in.http.get(f"/api/v1/orders/{ORDER_ID}")).json()

    assert first["status"] == "archived"
    assert first["archived_at"] is not None
    assert second == first
    assert len(await stand_in.calls("archive")) == 2


async def test_archiving_an_unknown_order_is_permanent(
    stand_in: StandIn, support: HttpWorkOrderSystem
) -> None:
    with pytest.raises(PermanentAdapterError, match=r"404 .*no order WO-NOPE"):
        await support.archive("WO-NOPE", idempotency_key="archive:WO-NOPE")

    response = await stand_in.http.get("/api/v1/orders/WO-NOPE")
    assert response.status_code == 404
    assert response.json() == {"detail": "support system has no order WO-NOPE"}
    assert await stand_in.calls("archive") == [("archive", "archive:WO-NOPE")]


async def test_an_unavailable_system_is_transient_until_it_recovers(
    stand_in: StandIn, support: HttpWorkOrderSystem
) -> None:
    await stand_in.faults(unavailable=True)
    with pytest.raises(TransientAdapterError, match="503"):
        await support.upsert_order(ORDER_ID, status="created", payload={})
    assert (await stand_in.http.get(f"/api/v1/orders/{ORDER_ID}")).status_code == 404

    await stand_in.faults(unavailable=False)
    await support.upsert_order(ORDER_ID, status="created", payload={})
    assert (await stand_in.http.get(f"/api/v1/orders/{ORDER_ID}")).status_code == 200


async def test_fail_next_fails_exactly_that_many_calls(
    stand_in: StandIn, support: HttpWorkOrderSystem
) -> None:
    await stand_in.faults(fail_next=2)
    for _ in range(2):
        with pytest.raises(TransientAdapterError, match="503"):
            await support.append_flow_log(entry(1), idempotency_key="k1")
    await support.append_flow_log(entry(1), idempotency_key="k1")

    assert len(await stand_in.entries()) == 1
    assert (await stand_in.http.get("/_faults")).json()["fail_next"] == 0


async def test_a_delay_beyond_the_client_timeout_is_transient_and_a_retry_adds_nothing(
    stand_in: StandIn,
) -> None:
    await stand_in.faults(delay_ms=800)
    async with httpx.AsyncClient(base_url=stand_in.url, timeout=0.2) as impatient:
        with pytest.raises(TransientAdapterError, match="timed out"):
            await HttpWorkOrderSystem(impatient).append_flow_log(entry(1), idempotency_key="k1")
    await stand_in.faults(delay_ms=0)

    async def late_call_landed() -> bool:
        return len(await stand_in.entries()) == 1

    # A timeout is ambiguous: the slow call still lands, so the retry must carry the same key.
    await eventually(late_call_landed, timeout=5)
    async with httpx.AsyncClient(base_url=stand_in.url, timeout=CLIENT_TIMEOUT_S) as client:
        await HttpWorkOrderSystem(client).append_flow_log(entry(1), idempotency_key="k1")
    assert len(await stand_in.entries()) == 1
    assert len(await stand_in.calls("append_flow_log")) == 2


async def test_a_flow_log_without_idempotency_key_is_refused_with_400(stand_in: StandIn) -> None:
    response = await stand_in.http.post(
        f"/api/v1/orders/{ORDER_ID}/flow-log", json=entry(1).model_dump(mode="json")
    )
    assert response.status_code == 400
    assert "Idempotency-Key" in response.json()["detail"]
    assert await stand_in.calls() == []


async def test_a_flow_log_for_another_order_is_refused_with_422(stand_in: StandIn) -> None:
    response = await stand_in.http.post(
        "/api/v1/orders/WO-OTHER/flow-log",
        json=entry(1).model_dump(mode="json"),
        headers={"Idempotency-Key": "k1"},
    )
    assert response.status_code == 422
    assert "does not match" in response.json()["detail"]
    assert await stand_in.entries("WO-OTHER") == []


async def test_an_invalid_flow_log_body_is_refused_with_422(stand_in: StandIn) -> None:
    body = entry(1).model_dump(mode="json")
    del body["seq"]
    response = await stand_in.http.post(
        f"/api/v1/orders/{ORDER_ID}/flow-log", json=body, headers={"Idempotency-Key": "k1"}
    )
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "seq"]


async def test_the_router_serves_the_same_contract_under_a_prefix(
    database_url: str, tmp_path: Path
) -> None:
    storage = EmbeddedWorkOrderSystem.open_storage(database_url, data_dir=tmp_path)
    app = FastAPI()
    system = EmbeddedWorkOrderSystem(storage)
    app.include_router(support_system_router(system), prefix="/standin/support")
    transport = httpx.ASGITransport(app=app)
    try:
        base_url = "http://hub.test/standin/support/"
        async with httpx.AsyncClient(transport=transport, base_url=base_url) as client:
            support = HttpWorkOrderSystem(client)
            await support.upsert_order(ORDER_ID, status="created", payload={})
            await support.archive(ORDER_ID, idempotency_key=f"archive:{ORDER_ID}")
            with pytest.raises(PermanentAdapterError, match="404"):
                await support.archive("WO-NOPE", idempotency_key="archive:WO-NOPE")
            assert (await client.get(f"api/v1/orders/{ORDER_ID}")).json()["status"] == "archived"
    finally:
        await storage.dispose()
