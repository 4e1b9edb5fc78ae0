"""HTTP client for the billing system's REST contract (`docs/billing-api.md`)."""

from __future__ import annotations

from typing import Any

import httpx

from adapters.http_calls import detail, send
from hub.errors import PermanentAdapterError

IDEMPOTENCY_HEADER = "Idempotency-Key"
STARTS = "/api/v1/billing/starts"


class HttpBilling:
    """Implements `hub.ports.Billing` over HTTP; the client is injected."""

    def __init__(self, client: httpx.AsyncClient) -> None:
        self._client = client

    async def start(
        self,
        order_id: str,
        *,
        product: str,
        bandwidth_mbps: int,
        report_sha256: str,
        idempotency_key: str,
    ) -> str:
        body = {
            "order_id": order_id,
            "product": product,
            "bandwidth_mbps": bandwidth_mbps,
            "report_sha256": report_sha256,
        }
        response = await self._call(
            "POST", STARTS, json=body, headers={IDEMPOTENCY_HEADER: idempotency_key}
        )
        return _reference(response)

    async def lookup(self, *, idempotency_key: str) -> str | None:
        response = await self._call("GET", STARTS, params={"idempotency_key": idempotency_key})
        starts = _json(response).get("starts")
        if not isinstance(starts, list):
            raise PermanentAdapterError("billing system answered a lookup without `starts`")
        if not starts:
            return None
        return _reference_of(starts[0])

    async def _call(
        self,
        method: str,
        url: str,
        *,
        json: dict[str, Any] | None = None,
        params: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        response = await send(
            self._client, "billing system", method, url, json=json, params=params, headers=headers
        )
        if not response.is_success:
            raise PermanentAdapterError(
                f"billing system refused {method} {url}: {response.status_code} {detail(response)}"
            )
        return response


def _json(response: httpx.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError as exc:
        raise PermanentAdapterError("billing system answered with a body that is not JSON") from exc
    if not isinstance(body, dict):
        raise PermanentAdapterError("billing system answered with a JSON body that is no object")
    return body


def _reference(response: httpx.Response) -> str:
    return _reference_of(_json(response))


def _reference_of(body: object) -> str:
    reference = body.get("reference") if isinstance(body, dict) else None
    if not isinstance(reference, str) or not reference:
        raise PermanentAdapterError("billing system answered without a billing reference")
    return reference
