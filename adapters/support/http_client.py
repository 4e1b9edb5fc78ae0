"""HTTP client for the work-order system's REST contract (`docs/support-system-api.md`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import httpx

from adapters.http_calls import detail, send
from hub.errors import PermanentAdapterError, UnknownRemoteRecord
from schemas.v1 import FlowLogEntry

SYSTEM = "support system"
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

    async def append_flow_logs(self, lines: Sequence[tuple[FlowLogEntry, str]]) -> None:
        """One call per line (the system's API takes one line at a time); the first failure
        ends it, and a retry repeats the lines already sent without effect."""
        for entry, key in lines:
            await self.append_flow_log(entry, idempotency_key=key)

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
        response = await send(
            self._client, SYSTEM, method, url, json=json, content=content, headers=headers
        )
        if response.status_code == 404:
            raise UnknownRemoteRecord(
                f"support system refused {method} {url}: 404 {detail(response)}"
            )
        if not response.is_success:
            # 4xx, and also a 1xx/3xx: redirects are not followed, so the call had no effect.
            raise PermanentAdapterError(
                f"support system refused {method} {url}: {response.status_code} {detail(response)}"
            )
        return response
