"""The HTTP call every REST adapter makes: transport failures and 429/5xx become transient.

Each adapter keeps its own mapping of refusals (4xx), which differs per system; what is the
same everywhere (timeouts, connection errors, throttling, server errors) lives here once.
"""

from __future__ import annotations

from typing import Any

import httpx

from hub.errors import TransientAdapterError


async def send(
    client: httpx.AsyncClient, system: str, method: str, url: str, **kwargs: Any
) -> httpx.Response:
    """`client.request(...)`; raises TransientAdapterError for failures worth retrying later."""
    try:
        response = await client.request(method, url, **kwargs)
    except httpx.TimeoutException as exc:
        raise TransientAdapterError(f"{system} timed out on {method} {url}") from exc
    except httpx.RequestError as exc:
        # Transport failures, and also a response body that cannot be decoded.
        raise TransientAdapterError(
            f"{system} call {method} {url} failed: {type(exc).__name__}: {exc}"
        ) from exc
    if response.status_code == 429 or response.status_code >= 500:
        raise TransientAdapterError(f"{system} answered {response.status_code} to {method} {url}")
    return response


def detail(response: httpx.Response) -> str:
    """The `detail` of a JSON error body, or the start of a plain-text one."""
    try:
        body = response.json()
    except ValueError:
        return response.text[:200]
    if isinstance(body, dict):
        return str(body.get("detail", ""))[:200]
    return ""
