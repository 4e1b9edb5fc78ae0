"""`hub up`: everything in one process: consumers, relay, timers, web and the embedded stand-ins."""

from __future__ import annotations

import asyncio
import os
from typing import Annotated
from urllib.parse import urlparse

import typer
from fastapi import FastAPI
from rich.table import Table

from hub.bootstrap import Hub, bootstrap
from hub.cli.console import fail, load_or_exit, out, run
from hub.cli.db import display_url, migrate
from hub.cli.plugins import demo_feeder
from hub.cli.processes import HostOption, PortOption, listen_or_exit, port_or_default
from hub.cli.signals import stop_on_signals
from hub.cli.standin_server import listen_standins_or_exit, serve_standins, standin_app_for
from hub.cli.users import print_tokens
from hub.cli.waiting import first_of
from hub.cli.web_app import EmbeddedServer, browsable_url, build_web_app, uvicorn_config
from hub.config import Settings, is_loopback_host
from hub.identity.issue import issue_demo_tokens
from hub.runtime import Runtime

RABBITMQ_MANAGEMENT_PORT = 15672


def up_command(
    demo_orders: Annotated[
        int, typer.Option("--demo-orders", min=0, help="Also feed N simulated orders.")
    ] = 0,
    host: HostOption = None,
    port: PortOption = None,
) -> None:
    """Run the whole hub in one process (the embedded default); Ctrl-C stops it gracefully."""
    settings = load_or_exit()
    run(
        _up(
            settings,
            host=host or settings.web_host,
            port=port_or_default(port, settings),
            demo_orders=demo_orders,
        )
    )


async def _up(settings: Settings, *, host: str, port: int, demo_orders: int) -> None:
    feed_demo = demo_feeder() if demo_orders else None
    if demo_orders and feed_demo is None:
        fail("--demo-orders needs the simulation package: install the project (make setup)")
    sock = listen_or_exit(host, port, settings)
    port = sock.getsockname()[1]  # the real one when asked for port 0
    revision = await migrate(settings)
    hub = bootstrap(settings, consumers=True)
    # The embedded stand-ins' APIs: on their own port, loopback only, never on the web app.
    standins = standin_app_for(hub)
    standin_sock = listen_standins_or_exit(settings.standin_port) if standins else None
    app = build_web_app(hub, manage_lifecycle=False)
    server = EmbeddedServer(
        uvicorn_config(app, host=host, port=port, forwarded_allow_ips=settings.forwarded_allow_ips)
    )
    stop = asyncio.Event()
    runtime = Runtime(hub)
    with stop_on_signals(stop):
        await runtime.start()
        await hub.directory.seed_if_empty()  # the demo's duty phones for exception reports
        serving = asyncio.create_task(server.serve(sockets=[sock]), name="web")
        try:
            async with serve_standins(standins, standin_sock) as standin_url:
                await _until_started(server, serving)
                url = browsable_url(host, port)
                await _print_banner(
                    hub, url=url, revision=revision, standins=_urls(standins, standin_url)
                )
                if feed_demo is not None:
                    await feed_demo(
                        hub,
                        demo_orders,
                        url=url,
                        standin_url=standin_url,
                        stop=stop,
                        serving=serving,
                    )
                await first_of(stop.wait(), serving)
        finally:
            server.should_exit = True  # finishes in-flight requests, then returns
            await asyncio.gather(serving, return_exceptions=True)
            await runtime.stop()


def _urls(standins: FastAPI | None, standin_url: str | None) -> dict[str, str]:
    """Each served stand-in's base URL, by name."""
    if standins is None or standin_url is None:
        return {}
    mounted: dict[str, str] = standins.state.mounted
    return {name: f"{standin_url}{prefix}" for name, prefix in mounted.items()}


async def _until_started(server: EmbeddedServer, serving: asyncio.Task[None]) -> None:
    while not server.started:
        if serving.done():
            fail("the web server did not start (see the log above)")
        await asyncio.sleep(0.05)


async def _print_banner(hub: Hub, *, url: str, revision: str, standins: dict[str, str]) -> None:
    settings = hub.settings
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold")
    grid.add_column()
    grid.add_row("web", url)
    grid.add_row("API docs", f"{url}/docs")
    grid.add_row("ops", f"{url}/ops")
    grid.add_row("metrics", f"{url}/metrics")
    for name, standin_url in standins.items():  # on their own loopback port
        grid.add_row(f"{name} stand-in", standin_url)
    management = await _management_ui(settings)
    if management:
        grid.add_row("RabbitMQ", management)
    database = (
        str(settings.data_dir.resolve() / "hub.sqlite3")
        if hub.db.is_sqlite and not settings.database_url
        else display_url(settings)
    )
    grid.add_row("database", f"{database} (revision {revision})")
    grid.add_row("queues", f"prefix {settings.queue_prefix!r}")
    out.print(f"[bold green]Delivery hub is up[/bold green] (pid {os.getpid()}); Ctrl-C stops it")
    out.print(grid)
    if settings.auth_user_store and is_loopback_host(urlparse(url).hostname or ""):
        print_tokens(await issue_demo_tokens(hub.users), url=url)


async def _management_ui(settings: Settings) -> str | None:
    """The RabbitMQ management URL, if something listens on its port."""
    host = urlparse(settings.amqp_urls[0]).hostname or "127.0.0.1"
    try:
        _, writer = await asyncio.wait_for(
            asyncio.open_connection(host, RABBITMQ_MANAGEMENT_PORT), timeout=0.5
        )
    except (OSError, TimeoutError):
        return None
    writer.close()
    return f"http://{host}:{RABBITMQ_MANAGEMENT_PORT}"
