"""The billing HTTP client over `httpx.MockTransport`: requests, and every foreign failure mapped.

Also the support client's two delivery calls (attach the signed report, report completion).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import AsyncIterator, Callable, Iterator

import httpx
import pytest

from adapters.billing.http_client import HttpBilling
from adapters.support.http_client import HttpWorkOrderSystem
from hub.errors import PermanentAdapterError, TransientAdapterError

BASE_URL = "http://billing.test/standin/billing/"
KEY = "billing:WO-1"
SHA = "ab" * 32

Handler = Callable[[httpx.Request], httpx.Response]
Clients = Callable[[Handler], httpx.AsyncClient]


class Recorder:
    def __init__(self, answer: Handler) -> None:
        self.answer = answer
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return self.answer(request)


@pytest.fixture
async def clients() -> AsyncIterator[Clients]:
    made: list[httpx.AsyncClient] = []

    def _client(handler: Handler) -> httpx.AsyncClient:
        client = httpx.AsyncClient(transport=httpx.MockTransport(handler), base_url=BASE_URL)
        made.append(client)
        return client

    yield _client
    for client in made:
        await client.aclose()


def answering(status_code: int, **kwargs: object) -> Handler:
    return lambda request: httpx.Response(status_code, **kwargs)  # type: ignore[arg-type]


def raising(error_type: type[httpx.RequestError]) -> Handler:
    def handler(request: httpx.Request) -> httpx.Response:
        raise error_type("boom", request=request)

    return handler


def request_errors() -> Iterator[type[httpx.RequestError]]:
    pending: list[type[httpx.RequestError]] = [httpx.RequestError]
    while pending:
        error_type = pending.pop()
        yield error_type
        pending.extend(error_type.__subclasses__())


async def _start(billing: HttpBilling) -> str:
    return await billing.start(
        "WO-1", product="数据专线", bandwidth_mbps=500, report_sha256=SHA, idempotency_key=KEY
    )


async def test_start_posts_the_order_with_its_idempotency_key(clients: Clients) -> None:
    recorder = Recorder(answering(201, json={"reference": "BIL-1"}))
    assert await _start(HttpBilling(clients(recorder))) == "BIL-1"
    [request] = recorder.requests
    assert request.method == "POST"
    assert request.url == f"{BASE_URL}api/v1/billing/starts"
    assert request.headers["Idempotency-Key"] == KEY
    assert json.loads(request.content) == {
        "order_id": "WO-1",
        "product": "数据专线",
        "bandwidth_mbps": 500,
        "report_sha256": SHA,
    }


async def test_lookup_asks_by_key_and_reads_the_reference(clients: Clients) -> None:
    recorder = Recorder(answering(200, json={"starts": [{"reference": "BIL-9"}]}))
    assert await HttpBilling(clients(recorder)).lookup(idempotency_key=KEY) == "BIL-9"
    assert recorder.requests[0].url.params["idempotency_key"] == KEY
    empty = Recorder(answering(200, json={"starts": []}))
    assert await HttpBilling(clients(empty)).lookup(idempotency_key=KEY) is None


@pytest.mark.parametrize("error_type", list(request_errors()), ids=lambda t: t.__name__)
async def test_every_httpx_request_error_becomes_transient(
    clients: Clients, error_type: type[httpx.RequestError]
) -> None:
    with pytest.raises(TransientAdapterError) as caught:
        await _start(HttpBilling(clients(raising(error_type))))
    assert type(caught.value.__cause__) is error_type


@pytest.mark.parametrize("status_code", [429, 500, 502, 503])
async def test_a_server_error_or_throttle_is_transient(clients: Clients, status_code: int) -> None:
    with pytest.raises(TransientAdapterError, match=str(status_code)):
        await _start(HttpBilling(clients(answering(status_code))))


@pytest.mark.parametrize("status_code", [301, 400, 404, 409, 422])
async def test_a_refusal_or_redirect_is_permanent_with_the_detail(
    clients: Clients, status_code: int
) -> None:
    answer = answering(status_code, json={"detail": "order WO-1 refused"})
    with pytest.raises(PermanentAdapterError, match=f"{status_code} order WO-1 refused"):
        await _start(HttpBilling(clients(answer)))


@pytest.mark.parametrize(
    "answer",
    [answering(201, text="not json"), answering(201, json=[1]), answering(201, json={})],
    ids=["not-json", "not-an-object", "no-reference"],
)
async def test_a_success_without_a_reference_is_permanent(
    clients: Clients, answer: Handler
) -> None:
    with pytest.raises(PermanentAdapterError):
        await _start(HttpBilling(clients(answer)))


async def test_support_attach_posts_the_pdf_with_its_hash_and_key(clients: Clients) -> None:
    pdf = b"%PDF-1.7 signed"
    sha = hashlib.sha256(pdf).hexdigest()
    recorder = Recorder(answering(201, json=[]))
    support = HttpWorkOrderSystem(clients(recorder))
    await support.attach_report("WO-1", pdf=pdf, sha256=sha, idempotency_key="report:WO-1:v1")
    await support.report_completion("WO-1", idempotency_key="completion:WO-1")
    attach, completion = recorder.requests
    assert attach.url.path.endswith("/api/v1/orders/WO-1/attachments")
    assert attach.headers["Content-Type"] == "application/pdf"
    assert attach.headers["Content-SHA256"] == sha
    assert attach.headers["Idempotency-Key"] == "report:WO-1:v1"
    assert attach.content == pdf
    assert completion.url.path.endswith("/api/v1/orders/WO-1/completion")
    assert completion.headers["Idempotency-Key"] == "completion:WO-1"
