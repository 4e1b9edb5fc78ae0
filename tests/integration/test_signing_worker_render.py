"""#11: nobody waits for a render. The signature is accepted at once and the worker renders the
signed PDF through the render pool; a render worker killed mid-render is retried and still
makes exactly one signed report. Page images are cached by the browser (ETag, 304)."""

from __future__ import annotations

import asyncio
import os
import signal
import time
from pathlib import Path

import pytest
from pydantic import AnyHttpUrl

from hub.bootstrap import Hub
from hub.config import Settings
from hub.db.tables import signing_audit
from hub.reports.model import RenderJob
from hub.reports.pool import RenderPool, RenderResult
from tests.helpers import eventually
from tests.integration.signing_support import (
    BASE_URL,
    client_for,
    clock,
    count,
    link_id_of,
    link_token,
    order_on_site,
    quiet_hub,
    report_of,
    report_signed_events,
    report_when_ready,
    send_link,
    signature_count,
    verified_customer,
)

pytestmark = pytest.mark.integration
__all__ = ["clock", "quiet_hub"]  # fixtures


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"public_base_url": AnyHttpUrl(BASE_URL)})


class KillingPool(RenderPool):
    """The hub's render pool, whose next `kills` renders lose their worker process to SIGKILL
    halfway (as the OOM killer or an operator would do it)."""

    def __init__(self, pool: RenderPool) -> None:
        super().__init__(
            workers=pool.workers,
            timeout_s=pool.timeout_s,
            memory_mb=pool.memory_mb,
            max_rss_mb=pool.max_rss_mb,
        )
        self.kills = 0
        self.killed_renders = 0
        self.renders = 0

    async def render(self, job: RenderJob, *, first: bool = False) -> RenderResult:
        self.renders += 1
        if self.kills <= 0:
            return await super().render(job, first=first)
        self.kills -= 1
        rendering = asyncio.create_task(super().render(job, first=first))
        await asyncio.sleep(0.05)  # the worker has the HTML and is laying it out
        idle = {worker.process.pid for worker in self._idle}
        for pid in _render_workers() - idle:
            os.kill(pid, signal.SIGKILL)
            self.killed_renders += 1
        return await rendering


def _render_workers() -> set[int]:
    """Pids of this process's render workers (`python -m hub.reports.worker`)."""
    found = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            cmdline = (entry / "cmdline").read_bytes()
        except (OSError, IndexError, ValueError):
            continue
        if ppid == os.getpid() and b"hub.reports.worker" in cmdline:
            found.add(int(entry.name))
    return found


async def test_sign_answers_before_the_pdf_and_a_killed_render_still_makes_one_signed_report(
    hub: Hub,
) -> None:
    pool = KillingPool(hub.reports.pool)
    old_pool, hub.reports.pool = hub.reports.pool, pool
    await old_pool.close()
    async with client_for(hub) as client:
        await order_on_site(client, "WO-KILL-1")
        await send_link(client, "WO-KILL-1")  # no report yet: the worker renders, then texts
        token = await link_token(hub, "WO-KILL-1")
        customer = await verified_customer(hub, client, token, await link_id_of(hub, "WO-KILL-1"))
        version, sha256 = report_of((await customer.view_report()).text)
        renders_before = pool.renders
        pool.kills = 1
        started = time.monotonic()
        answer = await customer.sign(version=version, sha256=sha256)
        answered_s = time.monotonic() - started
        assert answer.status_code == 202 and "签名已收到" in answer.text
        in_progress = await client.get(f"{customer.base}/report")
        assert "签名已收到" in in_progress.text, "the page says the signed report is on its way"

        async def signed() -> bool:
            return await signature_count(hub, "WO-KILL-1") == 1

        await eventually(signed, timeout=60)
        done = await client.get(f"{customer.base}/report")
    assert pool.killed_renders == 1, "a render worker was killed mid-render"
    assert pool.renders - renders_before == 2, "the killed render was retried once"
    assert "已完成签署" in done.text
    assert await report_signed_events(hub, "WO-KILL-1") == 1
    stored = signing_audit.c.kind == "signed_pdf_stored"
    assert await count(hub, signing_audit, signing_audit.c.order_id == "WO-KILL-1", stored) == 1
    assert answered_s < 5, f"the sign answer waited {answered_s:.1f} s"


async def test_page_images_are_cached_by_etag_and_pages_with_personal_data_are_not(
    quiet_hub: Hub,
) -> None:
    async with client_for(quiet_hub) as client:
        await order_on_site(client, "WO-ETAG")
        await report_when_ready(quiet_hub, client, "WO-ETAG")
        await send_link(client, "WO-ETAG")
        token = await link_token(quiet_hub, "WO-ETAG")
        customer = await verified_customer(
            quiet_hub, client, token, await link_id_of(quiet_hub, "WO-ETAG")
        )
        view = await customer.view_report()
        _, sha256 = report_of(view.text)
        first = await client.get(f"{customer.base}/pages/1.png")
        again = await client.get(
            f"{customer.base}/pages/1.png", headers={"If-None-Match": first.headers["etag"]}
        )
        other = await client.get(f"{customer.base}/pages/1.png", headers={"If-None-Match": '"x"'})
        client.cookies.clear()
        stranger = await client.get(
            f"{customer.base}/pages/1.png", headers={"If-None-Match": first.headers["etag"]}
        )
    assert first.status_code == 200 and first.content.startswith(b"\x89PNG")
    assert first.headers["etag"] == f'"{sha256}-1"'
    assert first.headers["cache-control"] == "private, max-age=31536000, immutable"
    assert again.status_code == 304 and again.content == b""
    assert again.headers["etag"] == first.headers["etag"]
    assert other.status_code == 200 and other.content == first.content
    assert stranger.status_code == 403, "no session, no page: not even a 304"
    assert view.headers["cache-control"] == "no-store"  # the page itself: personal data
