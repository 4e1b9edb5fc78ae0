"""Every answer of the web app carries the security headers: pages, JSON, errors and files.

Walks every operation of the app's own OpenAPI document (with placeholder path values, so
most answer 4xx), then the pages, static files and error cases outside it.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import APIRouter, Response

from hub.bootstrap import Hub, bootstrap
from hub.bootstrap.web import web_services
from hub.config import Settings
from hub.web.app import create_app
from hub.web.security_headers import NOT_A_PAGE_CSP, OPS_PAGE_CSP, PAGE_CSP, PDF_CSP
from hub.web.signing_pages import CSP as SIGNING_CSP
from tests.helpers import callers

pytestmark = pytest.mark.integration
PLACEHOLDERS = {"sha256": "0" * 64, "number": "1", "name": "pad.js"}


@pytest.fixture(params=["sqlite"])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def exploding_router() -> APIRouter:
    router = APIRouter()

    @router.get("/api/v1/test/explode")
    async def explode() -> None:
        raise RuntimeError("unexpected")

    @router.get("/api/v1/test/report.pdf")
    async def pdf() -> Response:
        return Response(b"%PDF-1.7\n", media_type="application/pdf")

    return router


@pytest.fixture
async def client(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    hub: Hub = bootstrap(settings, consumers=False)
    app = create_app(web_services(hub), extra_routers=(exploding_router(),))
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(
        transport=transport, base_url="http://hub", auth=callers(hub)
    ) as the_client:
        yield the_client
    await hub.reports.close()
    await hub.db.dispose()


def assert_hardened(response: httpx.Response) -> None:
    where = f"{response.request.method} {response.request.url.path} → {response.status_code}"
    headers = response.headers
    assert headers.get("x-content-type-options") == "nosniff", where
    assert headers.get("referrer-policy") == "no-referrer", where
    assert headers.get("x-frame-options") == "DENY", where
    assert "frame-ancestors 'none'" in headers.get("content-security-policy", ""), where
    assert re.fullmatch(r"[0-9a-f]{32}", headers.get("x-request-id", "")), where
    if headers.get("content-type", "").startswith("text/html"):
        assert "default-src 'none'" in headers["content-security-policy"], where
    elif headers.get("content-type", "").startswith("application/pdf"):
        assert headers["content-security-policy"] == PDF_CSP, where
    else:
        assert headers["content-security-policy"] == NOT_A_PAGE_CSP, where
    path = response.request.url.path
    if path.startswith(("/api/", "/s/", "/ops")):
        assert headers.get("cache-control") == "no-store", where


async def test_every_operation_in_the_openapi_document_answers_with_the_headers(
    client: httpx.AsyncClient,
) -> None:
    spec = (await client.get("/openapi.json")).json()
    seen: dict[int, int] = {}
    for template, operations in spec["paths"].items():
        path = re.sub(r"\{(\w+)\}", lambda m: PLACEHOLDERS.get(m.group(1), "X-1"), template)
        for method in operations:
            kwargs = {"json": {}} if method in ("post", "put", "patch") else {}
            response = await client.request(method.upper(), path, **kwargs)
            assert_hardened(response)
            seen[response.status_code] = seen.get(response.status_code, 0) + 1
    assert sum(seen.values()) > 20 and 200 in seen and 422 in seen, seen


@pytest.mark.parametrize(
    ("method", "path", "status", "csp"),
    [
        ("GET", "/", 200, PAGE_CSP),
        ("GET", "/docs", 200, PAGE_CSP),
        ("GET", "/ops", 200, OPS_PAGE_CSP),
        ("GET", "/docs-assets/swagger-ui-bundle.js", 200, NOT_A_PAGE_CSP),
        ("GET", "/docs-assets/index.html", 404, NOT_A_PAGE_CSP),
        ("GET", "/signing-assets/pad.js", 200, NOT_A_PAGE_CSP),
        ("GET", "/s/no-such-link-token-at-all-0123456789", 404, SIGNING_CSP),
        ("GET", "/no/such/page", 404, NOT_A_PAGE_CSP),
        ("DELETE", "/healthz", 405, NOT_A_PAGE_CSP),
        ("POST", "/api/v1/work-orders", 422, NOT_A_PAGE_CSP),
        ("GET", "/api/v1/test/explode", 500, NOT_A_PAGE_CSP),
        ("GET", "/api/v1/test/report.pdf", 200, PDF_CSP),
    ],
)
async def test_pages_files_and_errors_answer_with_the_headers(
    client: httpx.AsyncClient, method: str, path: str, status: int, csp: str
) -> None:
    response = await client.request(method, path, content=b"{" if method == "POST" else None)
    assert response.status_code == status
    assert_hardened(response)
    assert response.headers["content-security-policy"] == csp


async def test_static_files_may_be_cached_but_personal_data_never(
    client: httpx.AsyncClient,
) -> None:
    asset = await client.get("/docs-assets/swagger-ui.css")
    order = await client.get("/api/v1/work-orders/WO-NONE")
    assert "max-age" in asset.headers["cache-control"]
    assert order.status_code == 404 and order.headers["cache-control"] == "no-store"


async def test_an_unexpected_error_answers_without_its_text(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/v1/test/explode")
    assert response.json() == {
        "detail": "internal error",
        "request_id": response.headers["x-request-id"],
    }
