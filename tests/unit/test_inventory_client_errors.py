"""The inventory HTTP client over `httpx.MockTransport`: every foreign failure is mapped."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable

import httpx
import pytest

from adapters.inventory.http_client import HttpResourceInventory
from hub.errors import (
    PermanentAdapterError,
    ResourceRefused,
    TransientAdapterError,
    UnknownRemoteRecord,
)

BASE_URL = "http://inventory.test/standin/inventory/"
CURRENT = {"cable_id": "C001", "fiber_id": "C001-F001", "fiber_no": 1, "box_id": "B001", "port": 1}
MOVED = {**CURRENT, "fiber_id": "C001-F005", "fiber_no": 5}

Handler = Callable[[httpx.Request], httpx.Response]
Connect = Callable[[Handler], HttpResourceInventory]


@pytest.fixture
async def connect() -> AsyncIterator[Connect]:
    clients: list[httpx.AsyncClient] = []

    def _connect(handler: Handler) -> HttpResourceInventory:
        client = httpx.AsyncClient(transport=httpx.MockTransport(handler), base_url=BASE_URL)
        clients.append(client)
        return HttpResourceInventory(client)

    yield _connect
    for client in clients:
        await client.aclose()


async def _swap(inventory: HttpResourceInventory) -> object:
    return await inventory.swap_fiber(
        "WO-1", fiber_id="C001-F005", fiber_no=5, new_order_id="WO-1.R1", idempotency_key="k1"
    )


def _answer(status: int, body: object | None = None, text: str = "") -> Handler:
    def handler(_: httpx.Request) -> httpx.Response:
        if body is not None:
            return httpx.Response(status, json=body)
        return httpx.Response(status, text=text)

    return handler


async def test_a_swap_sends_the_key_and_the_body_under_the_base_path(connect: Connect) -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"previous": CURRENT, "current": MOVED})

    done = await _swap(connect(handler))

    assert done.current.fiber_no == 5  # type: ignore[attr-defined]
    assert seen[0].url.path == "/standin/inventory/api/v1/orders/WO-1/fiber-swap"
    assert seen[0].headers["Idempotency-Key"] == "k1"
    assert json.loads(seen[0].content) == {
        "fiber_id": "C001-F005",
        "fiber_no": 5,
        "new_order_id": "WO-1.R1",
    }


async def test_a_409_with_a_code_is_a_refusal_with_that_code(connect: Connect) -> None:
    inventory = connect(
        _answer(409, {"detail": "that fiber is already in use", "code": "fiber_taken"})
    )
    with pytest.raises(ResourceRefused) as refused:
        await _swap(inventory)
    assert (refused.value.code, refused.value.reason) == (
        "fiber_taken",
        "that fiber is already in use",
    )


async def test_a_404_is_an_unknown_record(connect: Connect) -> None:
    with pytest.raises(UnknownRemoteRecord, match="404"):
        await connect(_answer(404, {"detail": "no resources"})).assignment("WO-1")


@pytest.mark.parametrize("status", [400, 409, 422, 301])
async def test_other_refusals_and_redirects_are_permanent_and_not_refusals(
    connect: Connect, status: int
) -> None:
    with pytest.raises(PermanentAdapterError, match=str(status)) as raised:
        await _swap(connect(_answer(status, {"detail": "no"})))
    assert not isinstance(raised.value, ResourceRefused | UnknownRemoteRecord)


@pytest.mark.parametrize("status", [429, 500, 502, 503])
async def test_overload_and_server_errors_are_transient(connect: Connect, status: int) -> None:
    with pytest.raises(TransientAdapterError, match=str(status)):
        await _swap(connect(_answer(status, text="down")))


@pytest.mark.parametrize(
    "error",
    [httpx.ConnectError("refused"), httpx.ReadTimeout("slow"), httpx.RemoteProtocolError("eof")],
)
async def test_transport_failures_are_transient_and_chained(
    connect: Connect, error: Exception
) -> None:
    def handler(_: httpx.Request) -> httpx.Response:
        raise error

    with pytest.raises(TransientAdapterError) as raised:
        await _swap(connect(handler))
    assert raised.value.__cause__ is error


async def test_an_unreadable_success_body_is_transient(connect: Connect) -> None:
    with pytest.raises(TransientAdapterError, match="cannot read"):
        await _swap(connect(_answer(200, text="<html>")))
    with pytest.raises(TransientAdapterError, match="cannot read"):
        await _swap(connect(_answer(200, {"previous": CURRENT})))
