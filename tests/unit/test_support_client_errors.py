"""The work-order HTTP client over `httpx.MockTransport`: every foreign failure is mapped."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable, Iterator
from datetime import UTC, datetime

import httpx
import pytest

from adapters.support.http_client import HttpWorkOrderSystem
from hub.errors import (
    NotFound,
    PermanentAdapterError,
    TransientAdapterError,
    UnknownRemoteRecord,
)
from schemas.v1 import FlowLogEntry, FlowStep

BASE_URL = "http://support.test/standin/support/"
ORDER_ID = "WO-1"
KEY = "flow-log:WO-1:1"

Handler = Callable[[httpx.Request], httpx.Response]
Connect = Callable[[Handler], HttpWorkOrderSystem]


class Recorder:
    """A transport handler that keeps every request and answers with `answer`."""

    def __init__(self, answer: Handler) -> None:
        self.answer = answer
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return self.answer(request)


@pytest.fixture
async def connect() -> AsyncIterator[Connect]:
    """Build the real client over a mock transport; the clients are closed afterwards."""
    clients: list[httpx.AsyncClient] = []

    def _connect(handler: Handler) -> HttpWorkOrderSystem:
        client = httpx.AsyncClient(transport=httpx.MockTransport(handler), base_url=BASE_URL)
        clients.append(client)
        return HttpWorkOrderSystem(client)

    yield _connect
    for client in clients:
        await client.aclose()


def entry(seq: int = 1) -> FlowLogEntry:
    return FlowLogEntry(
        order_id=ORDER_ID,
        seq=seq,
        at=datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC),
        step=FlowStep.CREATED,
        actor="system",
        summary="工单已创建",
        details={"source": "test"},
    )


def raising(error_type: type[httpx.RequestError]) -> Handler:
    def handler(request: httpx.Request) -> httpx.Response:
        raise error_type("boom", request=request)

    return handler


def answering(status_code: int, **kwargs: object) -> Handler:
    return lambda request: httpx.Response(status_code, **kwargs)  # type: ignore[arg-type]


def request_errors() -> Iterator[type[httpx.RequestError]]:
    """httpx.RequestError and every subclass (all of httpx.TransportError's among them)."""
    pending: list[type[httpx.RequestError]] = [httpx.RequestError]
    while pending:
        error_type = pending.pop()
        yield error_type
        pending.extend(error_type.__subclasses__())


# --- request shape -------------------------------------------------------------------------


async def test_upsert_puts_status_and_payload_to_the_order(connect: Connect) -> None:
    recorder = Recorder(answering(200, json={}))
    await connect(recorder).upsert_order(ORDER_ID, status="created", payload={"a": 1})

    [request] = recorder.requests
    assert request.method == "PUT"
    assert request.url == f"{BASE_URL}api/v1/orders/{ORDER_ID}"
    assert json.loads(request.content) == {"status": "created", "payload": {"a": 1}}


async def test_append_flow_log_posts_the_entry_with_its_idempotency_key(connect: Connect) -> None:
    recorder = Recorder(answering(204))
    await connect(recorder).append_flow_log(entry(), idempotency_key=KEY)

    [request] = recorder.requests
    assert request.method == "POST"
    assert request.url == f"{BASE_URL}api/v1/orders/{ORDER_ID}/flow-log"
    assert request.headers["Idempotency-Key"] == KEY
    assert json.loads(request.content) == entry().model_dump(mode="json")


async def test_archive_posts_to_the_order_with_its_idempotency_key(connect: Connect) -> None:
    recorder = Recorder(answering(200, json={}))
    await connect(recorder).archive(ORDER_ID, idempotency_key=f"archive:{ORDER_ID}")

    [request] = recorder.requests
    assert request.method == "POST"
    assert request.url == f"{BASE_URL}api/v1/orders/{ORDER_ID}/archive"
    assert request.headers["Idempotency-Key"] == f"archive:{ORDER_ID}"
    assert request.content == b""


@pytest.mark.parametrize("status_code", [200, 201, 202, 204])
async def test_any_2xx_answer_is_success(connect: Connect, status_code: int) -> None:
    await connect(answering(status_code)).append_flow_log(entry(), idempotency_key=KEY)


# --- transport failures are transient ------------------------------------------------------


async def test_a_timeout_is_transient_and_chained(connect: Connect) -> None:
    system = connect(raising(httpx.ReadTimeout))
    with pytest.raises(TransientAdapterError, match="timed out") as caught:
        await system.append_flow_log(entry(), idempotency_key=KEY)
    assert isinstance(caught.value.__cause__, httpx.ReadTimeout)


async def test_a_connect_error_is_transient_and_chained(connect: Connect) -> None:
    system = connect(raising(httpx.ConnectError))
    with pytest.raises(TransientAdapterError, match="ConnectError") as caught:
        await system.append_flow_log(entry(), idempotency_key=KEY)
    assert isinstance(caught.value.__cause__, httpx.ConnectError)


async def test_an_undecodable_answer_is_transient_and_chained(connect: Connect) -> None:
    garbled = answering(200, headers={"Content-Encoding": "gzip"}, content=b"not gzip")
    with pytest.raises(TransientAdapterError, match="DecodingError") as caught:
        await connect(garbled).append_flow_log(entry(), idempotency_key=KEY)
    assert isinstance(caught.value.__cause__, httpx.DecodingError)


@pytest.mark.parametrize("error_type", list(request_errors()), ids=lambda t: t.__name__)
async def test_every_httpx_request_error_becomes_transient(
    connect: Connect, error_type: type[httpx.RequestError]
) -> None:
    system = connect(raising(error_type))
    with pytest.raises(TransientAdapterError) as caught:  # an httpx error would escape instead
        await system.archive(ORDER_ID, idempotency_key="archive:WO-1")
    assert type(caught.value.__cause__) is error_type


def test_the_walk_covers_every_transport_error() -> None:
    walked = set(request_errors())
    assert {httpx.TransportError, httpx.ConnectError, httpx.PoolTimeout} <= walked
    assert {httpx.RemoteProtocolError, httpx.ProxyError, httpx.UnsupportedProtocol} <= walked


# --- answers -------------------------------------------------------------------------------


@pytest.mark.parametrize("status_code", [500, 502, 503, 429])
async def test_a_server_error_or_throttle_is_transient(connect: Connect, status_code: int) -> None:
    system = connect(answering(status_code, json={"detail": "busy"}))
    with pytest.raises(TransientAdapterError, match=str(status_code)):
        await system.upsert_order(ORDER_ID, status="created", payload={})


@pytest.mark.parametrize(
    ("status_code", "detail"),
    [
        (400, "the Idempotency-Key header is required"),
        (404, "support system has no order WO-1"),
        (409, "order WO-1 is archived"),
        (422, [{"type": "missing", "loc": ["body", "seq"], "msg": "Field required"}]),
    ],
)
async def test_a_refusal_is_permanent_with_the_servers_detail(
    connect: Connect, status_code: int, detail: object
) -> None:
    system = connect(answering(status_code, json={"detail": detail}))
    with pytest.raises(PermanentAdapterError) as caught:
        await system.append_flow_log(entry(), idempotency_key=KEY)
    message = str(caught.value)
    assert str(status_code) in message
    assert (detail if isinstance(detail, str) else "Field required") in message


async def test_a_refusal_without_json_keeps_the_body_text(connect: Connect) -> None:
    system = connect(answering(403, text="forbidden by the gateway"))
    with pytest.raises(PermanentAdapterError, match="forbidden by the gateway"):
        await system.archive(ORDER_ID, idempotency_key="archive:WO-1")


async def test_a_redirect_is_permanent_not_success(connect: Connect) -> None:
    moved = answering(301, headers={"Location": "https://support.test/"})
    with pytest.raises(PermanentAdapterError, match="301"):
        await connect(moved).append_flow_log(entry(), idempotency_key=KEY)


async def test_an_unknown_order_is_a_not_found_the_hub_retries_briefly(connect: Connect) -> None:
    system = connect(answering(404, json={"detail": "support system has no order WO-1"}))
    with pytest.raises(UnknownRemoteRecord) as info:
        await system.archive("WO-1", idempotency_key="archive:WO-1")
    assert isinstance(info.value, NotFound)  # its registration may still be in flight
    assert isinstance(info.value, PermanentAdapterError)  # but it is not an outage
