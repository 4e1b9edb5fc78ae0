"""Booking-call compliance through the HTTP API of a running hub: the call platform hands in a
transcript, a supervisor works the review queue and reads the checker's agreement."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import httpx
import pytest

from hub.bootstrap import Hub
from tests import factories
from tests.helpers import callers, web_app
from tests.integration.test_appointments_api import CONTACT, tomorrow_at, window

pytestmark = pytest.mark.integration

ORDERS = "/api/v1/work-orders"
CALLS = "/api/v1/calls"


@pytest.fixture
async def client(hub: Hub) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=web_app(hub))
    async with httpx.AsyncClient(
        transport=transport, base_url="http://test", auth=callers(hub)
    ) as http:
        yield http


def transcript(call_id: str, lines: list[tuple[str, str]]) -> dict[str, Any]:
    return {
        "call_id": call_id,
        "order_id": "WO-CALL-1",
        "recorded_at": (tomorrow_at(10, days=0) - timedelta(hours=1)).isoformat(),
        "call_kind": "booking",
        "segments": [
            {"speaker": who, "start_s": 4 * i, "end_s": 4 * i + 3.5, "text": text}
            for i, (who, text) in enumerate(lines)
        ],
    }


RUDE = [
    ("customer", "喂？"),
    ("dispatcher", "喂，后天上午九点装宽带。"),
    ("customer", "几点到？"),
    ("dispatcher", "不知道，你看着办。"),
]


async def test_a_failing_call_is_queued_reviewed_once_and_counted(
    client: httpx.AsyncClient,
) -> None:
    order = factories.create_order("WO-CALL-1").model_dump(mode="json")
    assert (await client.post(ORDERS, json=order)).status_code == 202
    body = {**window(tomorrow_at(14)), "contact": CONTACT, "call_id": "CALL-77"}
    assert (await client.post(f"{ORDERS}/WO-CALL-1/appointment", json=body)).status_code == 200

    handed = await client.post(f"{CALLS}/transcripts", json=transcript("CALL-77", RUDE))
    assert handed.status_code == 202, handed.text
    assert (handed.json()["passed"], handed.json()["state"]) == (False, "pending")
    again = await client.post(f"{CALLS}/transcripts", json=transcript("CALL-77", RUDE))
    assert again.json() == handed.json()

    queue = (await client.get(CALLS)).json()
    assert [c["call_id"] for c in queue] == ["CALL-77"]
    detail = (await client.get(f"{CALLS}/CALL-77")).json()
    forbidden = next(f for f in detail["findings"] if f["rule"] == "no_forbidden_phrases")
    assert (forbidden["passed"], forbidden["quote"]) == (False, "不知道，你看着办。")
    assert len(detail["segments"]) == 4

    verdict = {"passed": False, "note": "态度差，未核对地址"}
    reviewed = await client.post(f"{CALLS}/CALL-77/review", json=verdict)
    assert reviewed.status_code == 200, reviewed.text
    assert reviewed.json()["review"]["reviewer"] == "test-supervisor"
    twice = await client.post(f"{CALLS}/CALL-77/review", json={"passed": True})
    assert twice.status_code == 409
    assert (await client.get(CALLS)).json() == []
    agreement = (await client.get(f"{CALLS}/agreement")).json()
    assert (agreement["reviewed"], agreement["both_fail"], agreement["rate"]) == (1, 1, 1.0)


async def test_a_transcript_for_an_unknown_or_unbooked_order_is_refused(
    client: httpx.AsyncClient,
) -> None:
    unknown = await client.post(f"{CALLS}/transcripts", json=transcript("CALL-1", RUDE))
    assert unknown.status_code == 404
    order = factories.create_order("WO-CALL-1").model_dump(mode="json")
    assert (await client.post(ORDERS, json=order)).status_code == 202
    unbooked = await client.post(f"{CALLS}/transcripts", json=transcript("CALL-2", RUDE))
    assert unbooked.status_code == 409
    assert "no booked visit" in unbooked.json()["detail"]
    hostile = transcript("CALL-3", [("customer", "x" * 4001)])
    too_long = await client.post(f"{CALLS}/transcripts", json=hostile)
    assert too_long.status_code == 422
    assert (await client.get(f"{CALLS}/CALL-404")).status_code == 404
