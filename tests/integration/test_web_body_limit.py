"""Oversized bodies are refused while they stream in, and cost the server no memory.

A real uvicorn server in its own process; 40 MB and 100 MB bodies are sent chunked (no
`Content-Length`), to a JSON endpoint and to the screenshot upload. The server's RSS is read
from /proc while they stream.
"""

from __future__ import annotations

import asyncio
import re
import socket
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest

from hub.config import Settings
from hub.web.hardening import body_limits
from tests import factories
from tests.web_process import WebProcess

pytestmark = pytest.mark.integration
MB = 1_000_000
CHUNK = b"\x00" * 65_536
JSON_ENDPOINT = "/api/v1/work-orders"
SCREENSHOTS = "/api/v1/technicians/T001/orders/WO-BIG-1/screenshots"
MULTIPART = "multipart/form-data; boundary=hubtestboundary"


@pytest.fixture
def web(unused_tcp_port: int, tmp_path: Path) -> Iterator[WebProcess]:
    with WebProcess(unused_tcp_port, tmp_path) as process:
        yield process


PART_HEAD = (
    b"--hubtestboundary\r\n"
    b'Content-Disposition: form-data; name="file"; filename="speed.png"\r\n'
    b"Content-Type: image/png\r\n\r\n"
)


async def chunks(total: int, sent: list[int], *, head: bytes = b"") -> AsyncIterator[bytes]:
    """`head`, then zeros up to `total` bytes, 64 KiB at a time (a body that is never held)."""
    sent[0] += len(head)
    yield head
    while sent[0] < total:
        sent[0] += len(CHUNK)
        yield CHUNK


async def peak_rss_growth(web: WebProcess, until: asyncio.Event) -> int:
    """The largest RSS increase (KiB) over the value at the start, sampled every 20 ms."""
    start = peak = web.rss_kib()
    while not until.is_set():
        peak = max(peak, web.rss_kib())
        await asyncio.sleep(0.02)
    return peak - start


def read_answer(conn: socket.socket) -> str:
    """One HTTP answer from a raw socket: the head, then `Content-Length` bytes of body."""
    data = b""
    while b"\r\n\r\n" not in data:
        data += conn.recv(4096)
    head, _, body = data.partition(b"\r\n\r\n")
    length = int(re.search(rb"content-length: (\d+)", head, re.IGNORECASE).group(1))  # type: ignore[union-attr]
    while len(body) < length:
        body += conn.recv(4096)
    return (head + b"\r\n\r\n" + body).decode()


@pytest.mark.parametrize("size_mb", [40, 100])
@pytest.mark.parametrize(
    ("path", "content_type"),
    [(JSON_ENDPOINT, "application/json"), (SCREENSHOTS, MULTIPART)],
    ids=["json", "screenshot"],
)
async def test_a_huge_chunked_body_gets_413_without_the_server_growing(
    web: WebProcess, path: str, content_type: str, size_mb: int
) -> None:
    async with httpx.AsyncClient(base_url=web.url, timeout=60, auth=web.callers()) as client:
        assert (await client.get("/healthz")).status_code == 200
        done = asyncio.Event()
        sampler = asyncio.create_task(peak_rss_growth(web, done))
        sent = [0]
        response = await client.post(
            path,
            content=chunks(size_mb * MB, sent, head=PART_HEAD if path == SCREENSHOTS else b""),
            headers={"Content-Type": content_type},
        )
        done.set()
        growth_kib = await sampler
        created = await client.post(
            JSON_ENDPOINT, json=factories.create_order("WO-AFTER-1").model_dump(mode="json")
        )
    print(
        f"{size_mb} MB chunked to {path}: {response.status_code} after {sent[0] / MB:.1f} MB "
        f"sent, server RSS +{growth_kib / 1024:.1f} MiB"
    )
    assert response.status_code == 413
    assert "larger than" in response.json()["detail"]
    assert response.headers["x-content-type-options"] == "nosniff"
    assert growth_kib < 20 * 1024
    assert created.status_code == 202, created.text


def test_the_413_comes_as_soon_as_the_limit_is_passed_while_the_body_still_streams(
    web: WebProcess,
) -> None:
    chunk = b"10000\r\n" + b"\x00" * 0x10000 + b"\r\n"  # 64 KiB, chunked encoding
    with socket.create_connection(("127.0.0.1", web.port), timeout=10) as conn:
        conn.sendall(
            b"POST /api/v1/work-orders HTTP/1.1\r\nHost: hub\r\n"
            b"Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
        )
        for _ in range(20):  # 1.25 MiB of a body that never ends
            conn.sendall(chunk)
        answer = read_answer(conn)
    assert answer.startswith("HTTP/1.1 413")
    assert "the request body is larger than 1 MiB" in answer


def test_a_declared_length_over_the_limit_is_refused_before_any_byte_of_body(
    web: WebProcess,
) -> None:
    with socket.create_connection(("127.0.0.1", web.port), timeout=10) as conn:
        conn.sendall(
            b"POST /api/v1/work-orders HTTP/1.1\r\nHost: hub\r\n"
            b"Content-Type: application/json\r\nContent-Length: 50000000\r\n\r\n"
        )
        answer = read_answer(conn)
    assert answer.startswith("HTTP/1.1 413")
    assert "1 MiB" in answer


async def test_a_body_within_its_paths_larger_limit_is_let_through(web: WebProcess) -> None:
    pdf = b"%PDF-1.7\n" + b"0" * (3 * MB)  # over the 1 MiB default, under 30 MiB for /verify
    async with httpx.AsyncClient(base_url=web.url, timeout=60, auth=web.callers()) as client:
        checked = await client.post(
            "/api/v1/signatures/verify", content=pdf, headers={"Content-Type": "application/pdf"}
        )
        too_big = await client.post("/api/v1/work-orders", content=pdf)
    assert checked.status_code == 200 and checked.json()["valid"] is False
    assert too_big.status_code == 413


def test_the_limit_table_follows_the_settings() -> None:
    limits = body_limits(Settings(screenshot_max_bytes=2_000_000, body_max_bytes=300_000))
    assert limits.for_path("/api/v1/technicians/T1/orders/WO-1/screenshots") == 2_065_536
    assert limits.for_path("/api/v1/signatures/verify") == 30 * 1024 * 1024
    assert limits.for_path("/s/abc/sign") == 2 * 1024 * 1024
    assert limits.for_path("/api/v1/work-orders") == 300_000
