"""The hub's own counts of a demo run, read as an operator reads them: `GET /ops/counts.json`
on its web app with an ops token, never from its tables."""

from __future__ import annotations

import httpx

from hub.identity.client import Issue, TokensByCaller
from hub.identity.roles import Role
from hub.ports.counts import HubCounts

OPS_COUNTS = "/ops/counts.json"
TIMEOUT_S = 30.0


def ops_client(web_url: str, issue: Issue) -> httpx.AsyncClient:
    """A client of the hub's web app that signs `/ops` requests in as an operator."""
    auth = TokensByCaller(issue, {"/ops/": Role.OPS, "/api/v1/appointments/": Role.OPS})
    return httpx.AsyncClient(base_url=web_url, auth=auth, timeout=TIMEOUT_S)


async def hub_counts(client: httpx.AsyncClient, order_prefix: str) -> HubCounts:
    """What the hub recorded for the orders whose id starts with `order_prefix`."""
    answer = await client.get(OPS_COUNTS, params={"order_prefix": order_prefix})
    answer.raise_for_status()
    return HubCounts.model_validate_json(answer.content)


PUNCTUALITY = "/api/v1/appointments/punctuality"


async def punctuality(client: httpx.AsyncClient, month: str) -> dict[str, float]:
    """履约率 of the month over every technician, as a supervisor reads it: visits due, kept
    on time, late, missed, and on time ÷ due."""
    answer = await client.get(PUNCTUALITY, params={"month": month, "by": "technician"})
    answer.raise_for_status()
    rows = answer.json()
    total = {key: sum(int(r[key]) for r in rows) for key in ("due", "on_time", "late", "missed")}
    rate = total["on_time"] / total["due"] if total["due"] else 0.0
    return {**total, "rate": round(rate, 4)}
