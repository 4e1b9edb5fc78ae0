"""One failing request never stalls the others: errors answer at once, logging is off the loop.

A real uvicorn server in its own process (`tests.web_process`) with a test-only route that
raises with a 5 MB list among its locals; `/healthz` is polled every 20 ms meanwhile.
"""

from __future__ import annotations

import asyncio
import re
import statistics
import time
from pathlib import Path

import httpx
import pytest

from tests.web_process import SECRET_CODE, SECRET_PHONE, SECRET_TOKEN, WebProcess

pytestmark = pytest.mark.integration
FAILURES = 20
POLL_S = 0.02
REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


@pytest.fixture
def web(unused_tcp_port: int, tmp_path: Path) -> WebProcess:
    with WebProcess(unused_tcp_port, tmp_path, HUB_TEST_FAILING_ROUTE="1") as process:
        yield process  # type: ignore[misc]


async def _poll_health(client: httpx.AsyncClient, stop: asyncio.Event) -> list[float]:
    latencies: list[float] = []
    while not stop.is_set():
        started = time.perf_counter()
        response = await client.get("/healthz")
        assert response.status_code == 200
        latencies.append(time.perf_counter() - started)
        await asyncio.sleep(POLL_S)
    return latencies


def p99(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=100, method="inclusive")[98]


async def burst(web: WebProcess) -> tuple[list[httpx.Response], float]:
    """20 failing requests at once while /healthz is polled: their answers and healthz's p99."""
    limits = httpx.Limits(max_connections=FAILURES + 5)
    async with (
        httpx.AsyncClient(base_url=web.url, timeout=30) as health_client,
        httpx.AsyncClient(
            base_url=web.url, timeout=30, limits=limits, auth=web.callers()
        ) as client,
    ):
        # Open the connections first: the burst measures failing requests, not TCP accepts.
        await asyncio.gather(*(client.get("/healthz") for _ in range(FAILURES)))
        stop = asyncio.Event()
        poller = asyncio.create_task(_poll_health(health_client, stop))
        await asyncio.sleep(0.2)
        failures = await asyncio.gather(*(client.get("/test/fail") for _ in range(FAILURES)))
        await asyncio.sleep(0.5)  # the log lines are written after the answers
        stop.set()
        latencies = await poller
    worst = p99(latencies)
    print(
        f"healthz during {FAILURES} failing requests: {len(latencies)} polls, "
        f"p50 {statistics.median(latencies) * 1000:.1f} ms, p99 {worst * 1000:.1f} ms, "
        f"max {max(latencies) * 1000:.1f} ms"
    )
    return failures, worst


async def test_failing_requests_answer_500_with_a_request_id_and_never_stall_healthz(
    web: WebProcess,
) -> None:
    # Up to three bursts, the best p99 counts: the 2 shared cores are sometimes busy with
    # other work, while a stall of the hub's own making (a traceback rendered on the event
    # loop took healthz past 30 s) fails every burst.
    p99s: list[float] = []
    ids: set[str] = set()
    for _ in range(3):
        failures, worst = await burst(web)
        assert [r.status_code for r in failures] == [500] * FAILURES
        burst_ids = {r.json()["request_id"] for r in failures}
        assert len(burst_ids) == FAILURES and all(REQUEST_ID.match(i) for i in burst_ids)
        assert all(r.json()["detail"] == "internal error" for r in failures)
        assert all(r.headers["x-request-id"] == r.json()["request_id"] for r in failures)
        assert SECRET_PHONE not in failures[0].text and "boom" not in failures[0].text
        ids |= burst_ids
        p99s.append(worst)
        if worst < 0.2:
            break
    assert min(p99s) < 0.2, [f"{t * 1000:.0f} ms" for t in p99s]
    log = web.log()
    assert log.count("RuntimeError") >= len(ids), log[-2000:]
    assert all(request_id in log for request_id in ids)
    assert SECRET_TOKEN not in log and SECRET_CODE not in log and SECRET_PHONE not in log
    assert "+86139****4726" in log and "验证码 ******" in log


async def test_a_sane_request_id_is_echoed_and_a_forged_one_replaced(web: WebProcess) -> None:
    async with httpx.AsyncClient(base_url=web.url, timeout=10, auth=web.callers()) as client:
        kept = await client.get("/healthz", headers={"X-Request-ID": "lb-7f3a.91_x"})
        forged = await client.get("/healthz", headers={"X-Request-ID": "a\tb" + "x" * 80})
    assert kept.headers["x-request-id"] == "lb-7f3a.91_x"
    assert REQUEST_ID.match(forged.headers["x-request-id"])
    assert "xxxx" not in forged.headers["x-request-id"]
