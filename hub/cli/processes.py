"""`hub worker` and `hub web`: the two processes of a scaled-out deployment, each in one
process or N supervised copies (`--processes`, `--workers`; PostgreSQL only)."""

from __future__ import annotations

import asyncio
import os
import socket
import sys
from typing import Annotated

import typer

from hub.bootstrap import Hub, bootstrap
from hub.cli.console import fail, load_or_exit, out, run
from hub.cli.db import current_revision, head_revision
from hub.cli.signals import stop_on_signals
from hub.cli.supervisor import Child, hub_argv, require_shared_database, supervise
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
ProcessesOption = Annotated[
    int,
    typer.Option(
        "--processes",
        min=1,
        max=64,
        help="Worker processes sharing the queues (more than 1 needs PostgreSQL).",
    ),
]
WebWorkersOption = Annotated[
    int,
    typer.Option(
        "--workers",
        min=1,
        max=64,
        help="Web processes sharing one listening socket (more than 1 needs PostgreSQL).",
    ),
]
SocketFdOption = Annotated[int | None, typer.Option(hidden=True)]


def worker_command(processes: ProcessesOption = 1) -> None:
    """Consumers + outbox relay + timer scheduler; SIGTERM/SIGINT stop it gracefully."""
    settings = load_or_exit()
    if processes == 1:
        run(_worker(settings))
        return
    require_shared_database(settings, processes, "hub worker")
    children = [Child(index=i, argv=hub_argv("worker")) for i in range(processes)]
    out.print(f"supervising {processes} worker processes (prefix {settings.queue_prefix})")
    raise typer.Exit(run(supervise(children)))


def web_command(
    host: HostOption = None,
    port: PortOption = None,
    workers: WebWorkersOption = 1,
    socket_fd: SocketFdOption = None,
) -> None:
    """The web app (API, pages, webhooks, /metrics); no consumers."""
    settings = load_or_exit()
    host = host or settings.web_host
    port = port_or_default(port, settings)
    if workers == 1:
        sock = socket.socket(fileno=socket_fd) if socket_fd is not None else None
        run(_web(settings, host=host, port=port, sock=sock))
        return
    require_shared_database(settings, workers, "hub web")
    sock = listen_or_exit(host, port, settings)
    fd = sock.fileno()
    argv = hub_argv("web", "--host", host, "--socket-fd", str(fd))
    children = [Child(index=i, argv=argv, pass_fds=(fd,)) for i in range(workers)]
    url = browsable_url(host, sock.getsockname()[1])
    out.print(f"supervising {workers} web processes on {url}")
    raise typer.Exit(run(supervise(children)))


async def _worker(settings: Settings) -> None:
    hub = bootstrap(settings, consumers=True)
    await require_migrated(hub)
    stop = asyncio.Event()
    runtime = Runtime(hub)
    with stop_on_signals(stop):
        try:
            await runtime.start()
            # One plain line on stdout: parents (tests, supervisors) wait for it. One write(2):
            # sibling workers share the supervisor's stdout, and print() writes the text and
            # its newline separately when unbuffered, so two lines could run together.
            ready = f"worker ready prefix={settings.queue_prefix} pid={os.getpid()}\n"
            sys.stdout.flush()
            os.write(sys.stdout.fileno(), ready.encode())
            await stop.wait()
        finally:
            await runtime.stop()


async def _web(
    settings: Settings, *, host: str, port: int, sock: socket.socket | None = None
) -> None:
    """One web process; `sock`: a listening socket a supervisor handed down (shared)."""
    hub = bootstrap(settings, consumers=False)
    await require_migrated(hub)
    app = build_web_app(hub, manage_lifecycle=True)
    sock = sock or listen_or_exit(host, port, settings)
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
