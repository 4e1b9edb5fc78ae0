"""`hub up --demo-orders N`: the simulated field feeds a hub that is serving (entry point)."""

from __future__ import annotations

import asyncio
import contextlib

from hub.bootstrap import Hub
from hub.cli.console import err, out
from hub.cli.waiting import first_of
from simulation.demo.command import run_with_progress
from simulation.demo.run import DemoRun

DEMO_TIMEOUT_S = 600.0


async def feed_while_serving(
    hub: Hub,
    orders: int,
    *,
    url: str,
    standin_url: str | None,
    stop: asyncio.Event,
    serving: asyncio.Task[None],
) -> None:
    """Feed the demo orders while serving; the field leaves once they are all delivered
    (archived, or waiting for a customer who never signs)."""
    demo = DemoRun(hub, orders=orders, web_url=url, standin_url=standin_url)
    await demo.start()
    try:
        feeding = asyncio.create_task(run_with_progress(demo, timeout_s=DEMO_TIMEOUT_S))
        await first_of(stop.wait(), serving, feeding)
        if not feeding.done():
            feeding.cancel()
            return
        if feeding.result():
            waiting = demo.expected_unsigned
            out.print(
                f"demo: {orders - waiting} orders signed and archived, {waiting} waiting "
                f"for a signature, in {demo.elapsed_s:.1f} s; still serving"
            )
        else:
            err.print(
                f"[yellow]demo: only {await demo.archived()} of {orders} orders archived "
                f"after {DEMO_TIMEOUT_S:.0f} s[/yellow]"
            )
    finally:
        with contextlib.suppress(Exception):
            await demo.stop()
