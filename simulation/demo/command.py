"""`hub demo`: N work orders through the whole lifecycle against an in-process hub.

The hub's web app is served on a free local port for the run: the simulated field app and the
customers sign delivery reports through it, as they would through a deployed hub. The embedded
stand-ins' APIs are served on another free loopback port: the customers' phones read their texts
from the local SMS platform there, and the summary counts billing where it happened.
"""

from __future__ import annotations

import asyncio
import json
import secrets
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated

import typer
from pydantic import AnyHttpUrl
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
)

from hub.bootstrap import Hub, bootstrap
from hub.cli.console import err, load_or_exit, out, run
from hub.cli.db import migrate
from hub.cli.standin_server import listen_standins, serve_standins, standin_app_for
from hub.cli.web_app import EmbeddedServer, browsable_url, build_web_app, listen, uvicorn_config
from hub.config import Settings
from hub.messaging.declare import delete_topology
from hub.runtime import Runtime
from simulation.demo.report import DemoReport, collect_report, summary_table
from simulation.demo.run import DemoRun, OnSiteRates, SigningRates

LOCAL = "127.0.0.1"


def demo_command(
    *,
    orders: Annotated[int, typer.Option("--orders", "-n", min=1, help="How many work orders.")],
    seed: Annotated[int, typer.Option(help="Seed of the simulated field.")] = 7,
    technicians: Annotated[int, typer.Option(min=1, help="Size of the technician pool.")] = 20,
    far_rate: Annotated[
        float, typer.Option(min=0.0, max=1.0, help="Share of check-ins far from the site.")
    ] = 0.05,
    bad_fiber_rate: Annotated[
        float, typer.Option(min=0.0, max=1.0, help="Share of visits that find the fiber bad.")
    ] = 0.1,
    bad_box_rate: Annotated[
        float, typer.Option(min=0.0, max=1.0, help="Share of visits that find the box bad.")
    ] = 0.05,
    exception_rate: Annotated[
        float, typer.Option(min=0.0, max=1.0, help="Share of visits with another problem.")
    ] = 0.05,
    sign: Annotated[
        bool,
        typer.Option(
            help="End visits with tests and a signed delivery report (--no-sign: plain completion)."
        ),
    ] = True,
    on_site_rate: Annotated[
        float, typer.Option(min=0.0, max=1.0, help="Share of reports signed on site.")
    ] = 0.5,
    never_sign_rate: Annotated[
        float, typer.Option(min=0.0, max=1.0, help="Share of reports nobody ever signs.")
    ] = 0.05,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print one JSON object on stdout (logs on stderr).")
    ] = False,
    timeout: Annotated[
        float, typer.Option(min=1.0, help="Give up waiting after this many seconds.")
    ] = 300.0,
) -> None:
    """Drive N orders through the lifecycle with simulated technicians; exit 0 if all archived."""
    settings = load_or_exit(quiet=True)
    report = run(
        _demo(
            settings,
            orders=orders,
            seed=seed,
            technicians=technicians,
            far_rate=far_rate,
            timeout_s=timeout,
            rates=OnSiteRates(bad_fiber_rate, bad_box_rate, exception_rate),
            signing=SigningRates(on_site_rate, never_sign_rate) if sign else None,
        )
    )
    if as_json:
        print(json.dumps(report.as_dict(), ensure_ascii=False), flush=True)
    else:
        out.print(summary_table(report))
    raise typer.Exit(0 if report.ok else 1)


async def _demo(
    settings: Settings,
    *,
    orders: int,
    seed: int,
    technicians: int,
    far_rate: float,
    timeout_s: float,
    rates: OnSiteRates,
    signing: SigningRates | None,
) -> DemoReport:
    own_queues = "queue_prefix" not in settings.model_fields_set
    if own_queues:
        # Its own queues: a demo beside a running `hub up` must not consume its messages; they
        # are deleted when it ends (left behind, quorum queues cost the broker file handles).
        settings = settings.model_copy(update={"queue_prefix": f"demo{secrets.token_hex(3)}."})
    await migrate(settings)
    sock = listen(LOCAL, 0)
    web_url = browsable_url(LOCAL, sock.getsockname()[1])
    hub = bootstrap(
        settings.model_copy(update={"public_base_url": AnyHttpUrl(web_url)}), consumers=True
    )
    standins = standin_app_for(hub)
    runtime = Runtime(hub)
    await runtime.start()
    await hub.directory.seed_if_empty()  # the demo's duty phones for exception reports
    try:
        async with (
            _serving(hub, sock),
            serve_standins(standins, listen_standins(0) if standins else None) as standin_url,
        ):
            demo = DemoRun(
                hub,
                orders=orders,
                seed=seed,
                technicians=technicians,
                far_rate=far_rate,
                rates=rates,
                web_url=web_url,
                standin_url=standin_url,
                signing=signing,
            )
            await demo.start()
            try:
                done = await run_with_progress(demo, timeout_s=timeout_s)
                await demo.settle()
                return await collect_report(demo, timed_out=not done)
            finally:
                await demo.stop()
    finally:
        await runtime.stop()
        if own_queues:
            await delete_topology(settings.amqp_urls, hub.topology)


@asynccontextmanager
async def _serving(hub: Hub, sock: socket.socket) -> AsyncIterator[None]:
    """The hub's web app on `sock` while the block runs."""
    app = build_web_app(hub, manage_lifecycle=False)
    port = sock.getsockname()[1]
    server = EmbeddedServer(
        uvicorn_config(
            app, host=LOCAL, port=port, forwarded_allow_ips=hub.settings.forwarded_allow_ips
        )
    )
    serving = asyncio.create_task(server.serve(sockets=[sock]), name="demo-web")
    try:
        while not server.started:
            if serving.done():
                raise RuntimeError("the demo's web server did not start")
            await asyncio.sleep(0.02)
        yield
    finally:
        server.should_exit = True
        await asyncio.gather(serving, return_exceptions=True)


async def run_with_progress(demo: DemoRun, *, timeout_s: float) -> bool:
    """`demo.run()` with a progress bar of archived orders on stderr (if it is a terminal)."""
    progress = Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("archived"),
        TimeElapsedColumn(),
        console=err,
        disable=not err.is_terminal,
    )
    with progress:
        task = progress.add_task(f"demo {demo.run_id}", total=demo.orders)
        return await demo.run(
            timeout_s=timeout_s, progress=lambda n: progress.update(task, completed=n)
        )
