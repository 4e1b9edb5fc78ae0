"""The web app as the CLI serves it: the hub's FastAPI app, on uvicorn."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager, contextmanager
from typing import TYPE_CHECKING

import uvicorn

from hub.bootstrap import Hub

if TYPE_CHECKING:
    from fastapi import FastAPI


def build_web_app(hub: Hub, *, manage_lifecycle: bool) -> FastAPI:
    """The hub's web app; with `manage_lifecycle` the app starts and stops the hub's runtime
    with itself. Never the stand-ins' APIs: those are served apart, on loopback
    (`hub/cli/standin_server.py`)."""
    from hub.bootstrap.web import web_services  # here: a worker never needs the web stack
    from hub.web.app import create_app

    lifespan = _running(hub) if manage_lifecycle else None
    return create_app(web_services(hub), lifespan=lifespan)


def _running(hub: Hub) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
    """A lifespan that runs the hub (relay, timers; consumers if it has them) with the app."""
    from hub.runtime import Runtime

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        async with Runtime(hub):
            yield

    return lifespan


def listen(host: str, port: int) -> socket.socket:
    """Bind the listening socket up front, so a taken port is a clear error before startup."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # IPPROTO_TCP, not 0: asyncio sets TCP_NODELAY only on accepted sockets of that protocol;
    # without it every response written in two parts waits 40 ms for a delayed ACK (Nagle).
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


class EmbeddedServer(uvicorn.Server):
    """A uvicorn server that leaves signals to its host command (which stops the hub too)."""

    @contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


# How long an idle kept-alive connection stays open. Longer than clients keep theirs (httpx: 5 s,
# uvicorn's own default too): with equal times a client reused a connection just as the server
# closed it, and its request failed (httpx.ReadError) in one of ~300 history-bench orders.
KEEP_ALIVE_S = 15


def uvicorn_config(
    app: FastAPI, *, host: str, port: int, forwarded_allow_ips: str | None = None
) -> uvicorn.Config:
    """uvicorn settings the hub uses: our logging, no server header, proxies trusted if named.

    With `forwarded_allow_ips` (HUB_FORWARDED_ALLOW_IPS) the client address is taken from
    `X-Forwarded-For` when, and only when, the peer is one of those proxies; without it the
    header is ignored, so no client can choose the address the rate limits and audit see.
    """
    trusted = forwarded_allow_ips or None
    return uvicorn.Config(
        app,
        host=host,
        port=port,
        log_config=None,
        server_header=False,
        proxy_headers=trusted is not None,
        forwarded_allow_ips=trusted or "",
        timeout_keep_alive=KEEP_ALIVE_S,
    )


def browsable_url(host: str, port: int) -> str:
    """The URL to print for a listening address (wildcard hosts shown as localhost)."""
    shown = {"0.0.0.0": "127.0.0.1", "::": "[::1]"}.get(host, host)
    if ":" in shown and not shown.startswith("["):
        shown = f"[{shown}]"
    return f"http://{shown}:{port}"
