"""Behind a trusted reverse proxy the hub sees the real client; nobody else can claim an address.

A real uvicorn process configured by `uvicorn_config` from HUB_FORWARDED_ALLOW_IPS; the test
client (127.0.0.1) plays the proxy, or a client sending a forged `X-Forwarded-For`. What the
hub saw is read where it matters: the signing probe limiter (429 per IP) and the audit trail.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from hub.bootstrap import bootstrap
from hub.cli.web_app import uvicorn_config
from hub.config import Settings, SettingsError, load_settings
from tests.fakes.standin_oracles import close_standins
from tests.helpers import eventually
from tests.integration.signing_support import SIGN, order_on_site
from tests.web_process import WebProcess

pytestmark = pytest.mark.integration
PROBES = 5
UNKNOWN = "/s/no-such-token-0123456789abcdef"


@pytest.fixture
def port(unused_tcp_port: int) -> int:
    return unused_tcp_port


def web_process(port: int, data_dir: Path, proxies: str | None) -> WebProcess:
    env = {"HUB_SIGNING_PROBE_LIMIT_PER_MIN": str(PROBES)}
    if proxies is not None:
        env["HUB_FORWARDED_ALLOW_IPS"] = proxies
    return WebProcess(port, data_dir, **env)


async def probe(client: httpx.AsyncClient, forwarded_for: str) -> int:
    response = await client.get(UNKNOWN, headers={"X-Forwarded-For": forwarded_for})
    return response.status_code


async def audited_ip(client: httpx.AsyncClient, data_dir: Path, forwarded_for: str) -> str:
    """The IP the audit trail records for a customer opening an on-site signing link."""
    await order_on_site(client, "WO-PROXY-1")
    await render_report(data_dir, "WO-PROXY-1")  # a worker's part: the web process renders nothing
    opened = await client.post(f"{SIGN}/WO-PROXY-1/on-site-signing")
    assert opened.status_code == 200, opened.text
    path = "/s/" + opened.json()["url"].split("/s/", 1)[1]
    page = await client.get(path, headers={"X-Forwarded-For": forwarded_for})
    assert page.status_code == 200

    def fetched_ips() -> list[str]:
        with sqlite3.connect(data_dir / "hub.sqlite3") as db:
            rows = db.execute("SELECT ip FROM signing_audit WHERE kind = 'link_fetched'")
            return [str(ip) for (ip,) in rows]

    async def written() -> bool:  # read-side audit lines are written in batches
        return bool(fetched_ips())

    await eventually(written, timeout=10)
    [ip] = fetched_ips()
    return ip


async def render_report(data_dir: Path, order_id: str) -> None:
    """Render the order's report into the web process's database and store, as a worker would."""
    hub = bootstrap(
        Settings(
            database_url=f"sqlite+aiosqlite:///{data_dir / 'hub.sqlite3'}",
            data_dir=data_dir,
            queue_prefix="proxy-render.",
            report_workers=1,
        ),
        consumers=False,
        renders=True,
    )
    try:
        await hub.reports.render_if_changed(order_id)
    finally:
        await hub.reports.close()
        await close_standins(
            hub.work_order_system, hub.inventory, hub.billing, hub.sms_sender, hub.mailer
        )
        await hub.db.dispose()


async def test_behind_a_trusted_proxy_the_limiter_and_audit_see_the_forwarded_client(
    port: int, tmp_path: Path
) -> None:
    with web_process(port, tmp_path, "127.0.0.1") as web:
        async with httpx.AsyncClient(base_url=web.url, timeout=60, auth=web.callers()) as client:
            ip = await audited_ip(client, tmp_path, "198.51.100.23")
            misses = [await probe(client, "203.0.113.5") for _ in range(PROBES)]
            blocked = await probe(client, "203.0.113.5")
            other_client = await probe(client, "203.0.113.6")
    assert ip == "198.51.100.23"
    assert misses == [404] * PROBES and blocked == 429
    assert other_client == 404  # a different customer behind the same proxy is not blocked


@pytest.mark.parametrize("proxies", [None, "10.20.30.40"], ids=["unset", "another-proxy"])
async def test_a_forged_forwarded_for_from_an_untrusted_peer_changes_nothing(
    port: int, tmp_path: Path, proxies: str | None
) -> None:
    with web_process(port, tmp_path, proxies) as web:
        async with httpx.AsyncClient(base_url=web.url, timeout=60, auth=web.callers()) as client:
            ip = await audited_ip(client, tmp_path, "198.51.100.23")
            misses = [await probe(client, f"203.0.113.{n}") for n in range(PROBES)]
            forged = await probe(client, "203.0.113.99")
    assert ip == "127.0.0.1"
    assert misses == [404] * PROBES
    assert forged == 429  # a new X-Forwarded-For per request does not escape the limit


def test_uvicorn_believes_forwarded_headers_only_when_proxies_are_named() -> None:
    app = FastAPI()
    closed = uvicorn_config(app, host="127.0.0.1", port=8000)
    trusted = uvicorn_config(
        app, host="127.0.0.1", port=8000, forwarded_allow_ips="10.0.0.1,10.1.0.0/16"
    )
    assert closed.proxy_headers is False and closed.forwarded_allow_ips in ("", [])
    assert trusted.proxy_headers is True
    assert load_settings(forwarded_allow_ips=" 10.0.0.1 , 10.1.0.0/16").forwarded_allow_ips == (
        "10.0.0.1,10.1.0.0/16"
    )
    with pytest.raises(SettingsError, match="HUB_FORWARDED_ALLOW_IPS"):
        load_settings(forwarded_allow_ips="10.0.0.1,proxy.example")
