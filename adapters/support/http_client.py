"""HTTP client for the work-order system's REST contract (`docs/support-system-api.md`)."""

from __future__ import annotations

from typing import Any

import httpx

from hub.errors import PermanentAdapterError, TransientAdapterError, UnknownRemoteRecord
from schemas.v1 import FlowLogEntry

IDEMPOTENCY_HEADER = "Idempotency-Key"
SHA256_HEADER = "Content-SHA256"


class HttpWorkOrderSystem:
    """Implements `hub.ports.WorkOrderSystem` over HTTP; the client is injected."""

    def __init__(self, client: httpx.AsyncClient) -> None:
        self._client = client

    async def upsert_order(self, order_id: str, *, status: str, payload: dict[str, Any]) -> None:
        await self._call(
            "PUT", f"/api/v1/orders/{order_id}", json={"status": status, "payload": payload}
        )

    async def append_flow_log(self, entry: FlowLogEntry, *, idempotency_key: str) -> None:
        await self._call(
            "POST",
            f"/api/v1/orders/{entry.order_id}/flow-log",
            json=entry.model_dump(mode="json"),
            headers={IDEMPOTENCY_HEADER: idempotency_key},
        )

    async def archive(self, order_id: str, *, idempotency_key: str) -> None:
        await self._call(
            "POST",
            f"/api/v1/orders/{order_id}/archive",
            headers={IDEMPOTENCY_HEADER: idempotency_key},
        )

    async def attach_report(
        self, order_id: str, *, pdf: bytes, sha256: str, idempotency_key: str
    ) -> None:
        await self._call(
            "POST",
            f"/api/v1/orders/{order_id}/attachments",
            content=pdf,
            headers={
                IDEMPOTENCY_HEADER: idempotency_key,
                SHA256_HEADER: sha256,
                "Content-Type": "application/pdf",
            },
        )

    async def report_completion(self, order_id: str, *, idempotency_key: str) -> None:
        await self._call(
            "POST",
            f"/api/v1/orders/{order_id}/completion",
            headers={IDEMPOTENCY_HEADER: idempotency_key},
        )

    async def _call(
        self,
        method: str,
        url: str,
        *,
        json: dict[str, Any] | None = None,
        content: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        try:
            response = await self._client.request(
                method, url, json=json, content=content, headers=headers
            )
        except httpx.TimeoutException as exc:
            raise TransientAdapterError(f"support system timed out on {method} {url}") from exc
        except httpx.RequestError as exc:
            # Transport failures, and also a response body that cannot be decoded.
            raise TransientAdapterError(
                f"support system call {method} {url} failed: {type(exc).__name__}: {exc}"
            ) from exc
        if response.status_code == 429 or response.status_code >= 500:
            raise TransientAdapterError(
                f"support system answered {response.status_code} to {method} {url}"
            )
        if response.status_code == 404:
            raise UnknownRemoteRecord(
                f"support system refused {method} {url}: 404 {_detail(response)}"
            )
        if not response.is_success:
            # 4xx, and also a 1xx/3xx: redirects are not followed, so the call had no effect.
            raise PermanentAdapterError(
                f"support system refused {method} {url}: {response.status_code} "
                f"{_detail(response)}"
            )
        return response


def _detail(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.text[:200]
    if isinstance(body, dict):
        return str(body.get("detail", ""))[:200]
    return ""
