"""HTTP client for the resource inventory's REST contract (`docs/inventory-api.md`)."""

from __future__ import annotations

from typing import Any

import httpx
import pydantic

from adapters.http_calls import send
from hub.domain.resources import AppliedChange, BoxPort, Fiber, OpticalBox, ResourceState
from hub.errors import (
    PermanentAdapterError,
    ResourceRefused,
    TransientAdapterError,
    UnknownRemoteRecord,
)
from schemas.v1 import Coordinates, ResourceAssignment

IDEMPOTENCY_HEADER = "Idempotency-Key"


class HttpResourceInventory:
    """Implements `hub.ports.ResourceInventory` over HTTP; the client is injected."""

    def __init__(self, client: httpx.AsyncClient) -> None:
        self._client = client

    async def assignment(self, order_id: str) -> ResourceAssignment:
        body = await self._call("GET", f"api/v1/orders/{order_id}/assignment")
        return _parse(ResourceAssignment, body)

    async def fibers(self, cable_id: str, *, state: ResourceState | None = None) -> list[Fiber]:
        params = {"state": state.value} if state is not None else None
        body = await self._call("GET", f"api/v1/cables/{cable_id}/fibers", params=params)
        try:
            return [
                Fiber(f["fiber_id"], cable_id, int(f["fiber_no"]), ResourceState(f["state"]))
                for f in body["fibers"]
            ]
        except (KeyError, TypeError, ValueError) as exc:
            raise _unreadable(exc) from exc

    async def boxes_near(self, near: Coordinates, *, limit: int = 5) -> list[OpticalBox]:
        params = {"lat": near.lat, "lon": near.lon, "limit": limit}
        body = await self._call("GET", "api/v1/boxes", params=params)
        try:
            return [_box(b) for b in body]
        except (KeyError, TypeError, ValueError) as exc:
            raise _unreadable(exc) from exc

    async def allocate(
        self, order_id: str, *, near: Coordinates, idempotency_key: str
    ) -> ResourceAssignment:
        body = await self._call(
            "POST",
            f"api/v1/orders/{order_id}/assignment",
            json={"lat": near.lat, "lon": near.lon},
            key=idempotency_key,
        )
        return _parse(ResourceAssignment, body)

    async def swap_fiber(
        self,
        order_id: str,
        *,
        fiber_id: str,
        fiber_no: int,
        new_order_id: str,
        idempotency_key: str,
    ) -> AppliedChange:
        body = await self._call(
            "POST",
            f"api/v1/orders/{order_id}/fiber-swap",
            json={"fiber_id": fiber_id, "fiber_no": fiber_no, "new_order_id": new_order_id},
            key=idempotency_key,
        )
        return _applied(body)

    async def change_box(
        self, order_id: str, *, box_id: str, port: int, new_order_id: str, idempotency_key: str
    ) -> AppliedChange:
        body = await self._call(
            "POST",
            f"api/v1/orders/{order_id}/box-change",
            json={"box_id": box_id, "port": port, "new_order_id": new_order_id},
            key=idempotency_key,
        )
        return _applied(body)

    async def revert(self, change_key: str, *, idempotency_key: str) -> None:
        await self._call(
            "POST", "api/v1/reverts", json={"change_key": change_key}, key=idempotency_key
        )

    async def _call(
        self,
        method: str,
        url: str,
        *,
        json: dict[str, Any] | None = None,
        params: dict[str, Any] | None = None,
        key: str | None = None,
    ) -> Any:
        headers = {IDEMPOTENCY_HEADER: key} if key is not None else None
        response = await send(
            self._client, "inventory", method, url, json=json, params=params, headers=headers
        )
        _raise_for_status(response, f"{method} {url}")
        if response.status_code == 204:
            return None
        try:
            return response.json()
        except ValueError as exc:
            raise _unreadable(exc) from exc


def _raise_for_status(response: httpx.Response, call: str) -> None:
    status = response.status_code
    if response.is_success:
        return
    detail, code = _problem(response)
    if status == 409 and code:
        raise ResourceRefused(code, detail)
    if status == 404:
        raise UnknownRemoteRecord(f"inventory refused {call}: 404 {detail}")
    # Any other 4xx, and a 1xx/3xx: redirects are not followed, so the call had no effect.
    raise PermanentAdapterError(f"inventory refused {call}: {status} {detail}")


def _problem(response: httpx.Response) -> tuple[str, str]:
    try:
        body = response.json()
    except ValueError:
        return response.text[:200], ""
    if not isinstance(body, dict):
        return "", ""
    return str(body.get("detail", ""))[:300], str(body.get("code") or "")[:32]


def _parse(model: type[ResourceAssignment], body: Any) -> ResourceAssignment:
    try:
        return model.model_validate(body)
    except pydantic.ValidationError as exc:
        raise _unreadable(exc) from exc


def _applied(body: Any) -> AppliedChange:
    try:
        return AppliedChange(
            previous=ResourceAssignment.model_validate(body["previous"]),
            current=ResourceAssignment.model_validate(body["current"]),
        )
    except (KeyError, TypeError, pydantic.ValidationError) as exc:
        raise _unreadable(exc) from exc


def _box(body: dict[str, Any]) -> OpticalBox:
    return OpticalBox(
        box_id=body["box_id"],
        name=body["name"],
        address=body["address"],
        lat=float(body["lat"]),
        lon=float(body["lon"]),
        cable_id=body["cable_id"],
        ports=tuple(BoxPort(int(p["port"]), ResourceState(p["state"])) for p in body["ports"]),
    )


def _unreadable(exc: Exception) -> TransientAdapterError:
    # Changes are keyed, so asking again returns the same answer: worth a retry.
    return TransientAdapterError(f"inventory answered a body the hub cannot read: {exc!r}"[:300])
