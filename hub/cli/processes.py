"""`hub worker` and `hub web`: the two processes of a scaled-out deployment."""

from __future__ import annotations

import asyncio
import os
import socket
from typing import Annotated

import typer

from hub.bootstrap import Hub, bootstrap
from hub.cli.console import fail, load_or_exit, out, run
from hub.cli.db import current_revision, head_revision
from hub.cli.signals import stop_on_signals
from hub.cli.web_app import (
    EmbeddedServer,
    browsable_url,
    build_web_app,
    listen,
    uvicorn_config,
)
from hub.config import Settings
from hub.runtime import Runtime

HostOption = Annotated[str | None, typer.Option(help="Listen address (default HUB_WEB_HOST).")]
PortOption = Annotated[
    int | None, typer.Option(min=0, max=65535, help="Listen port (default HUB_WEB_PORT).")
]


def worker_command() -> None:
    """Consumers + outbox relay + timer scheduler; SIGTERM/SIGINT stop it gracefully."""
    settings = load_or_exit()
    run(_worker(settings))


def web_command(host: HostOption = None, port: PortOption = None) -> None:
    """The web app (API, pages, webhooks, /metrics); no consumers."""
    settings = load_or_exit()
    run(_web(settings, host=host or settings.web_host, port=port_or_default(port, settings)))


async def _worker(settings: Settings) -> None:
    hub = bootstrap(settings, consumers=True)
    await require_migrated(hub)
    stop = asyncio.Event()
    runtime = Runtime(hub)
    with stop_on_signals(stop):
        try:
            await runtime.start()
            # One plain line on stdout: parents (tests, supervisors) wait for it.
            print(f"worker ready prefix={settings.queue_prefix} pid={os.getpid()}", flush=True)
            await stop.wait()
        finally:
            await runtime.stop()


async def _web(settings: Settings, *, host: str, port: int) -> None:
    hub = bootstrap(settings, consumers=False)
    await require_migrated(hub)
    app = build_web_app(hub, manage_lifecycle=True)
    sock = listen_or_exit(host, port, settings)
    url = browsable_url(host, sock.getsockname()[1])
    # Signals are ours (not uvicorn's, which re-raises SIGINT after a clean stop: exit 130).
    config = uvicorn_config(
        app, host=host, port=port, forwarded_allow_ips=settings.forwarded_allow_ips
    )
    server = EmbeddedServer(config)
    stop = asyncio.Event()
    with stop_on_signals(stop):
        serving = asyncio.create_task(server.serve(sockets=[sock]), name="web")
        out.print(f"web listening on {url} (API docs {url}/docs, ops {url}/ops)")
        stopping = asyncio.create_task(stop.wait())
        await asyncio.wait([serving, stopping], return_when=asyncio.FIRST_COMPLETED)
        stopping.cancel()
        server.should_exit = True  # finishes the requests in flight, then the lifespan stops
        await serving


async def require_migrated(hub: Hub) -> None:
    """Refuse to run against a database that `hub db upgrade` has not brought to head."""
    at, head = await current_revision(hub.db), head_revision()
    if at != head:
        await hub.db.dispose()
        fail(f"database is at revision {at}, this hub needs {head}: run `hub db upgrade`")


def listen_or_exit(host: str, port: int, settings: Settings) -> socket.socket:
    """The web's socket; exits with the reason if the address is taken or, beyond loopback,
    nobody could sign in safely (`Settings.unsafe_listen_reason`)."""
    reason = settings.unsafe_listen_reason(host)
    if reason is not None:
        fail(reason)
    try:
        return listen(host, port)
    except OSError as exc:
        fail(f"cannot listen on {host}:{port}: {exc.strerror or exc}")


def port_or_default(port: int | None, settings: Settings) -> int:
    return settings.web_port if port is None else port
