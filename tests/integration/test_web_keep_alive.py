"""An idle kept-alive connection outlives the client's own keep-alive: a client never reuses a
connection the hub is closing at that moment (that request would fail with a read error)."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from fastapi import FastAPI

from hub.cli.web_app import EmbeddedServer, listen, uvicorn_config
from tests.helpers import eventually

pytestmark = pytest.mark.integration

HTTPX_KEEPALIVE_S = httpx.Limits().keepalive_expiry or 0.0  # 5 s, what the field apps use here


async def test_an_idle_connection_stays_open_past_the_clients_keep_alive() -> None:
    app = FastAPI()

    @app.get("/ping")
    async def ping() -> dict[str, bool]:
        return {"ok": True}

    sock = listen("127.0.0.1", 0)
    port = sock.getsockname()[1]
    server = EmbeddedServer(uvicorn_config(app, host="127.0.0.1", port=port))
    serving = asyncio.create_task(server.serve(sockets=[sock]))
    try:

        async def started() -> bool:
            return bool(server.started)

        await eventually(started, timeout=10)
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        request = b"GET /ping HTTP/1.1\r\nHost: hub\r\n\r\n"
        for attempt in range(2):  # the second on the same connection, idle past the client's
            if attempt:  # keep-alive
                await asyncio.sleep(HTTPX_KEEPALIVE_S + 1)
            writer.write(request)
            await writer.drain()
            head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 5)
            assert head.startswith(b"HTTP/1.1 200"), head
            await reader.readexactly(int(_header(head, b"content-length")))
        writer.close()
    finally:
        server.should_exit = True
        await serving


def _header(head: bytes, name: bytes) -> bytes:
    for line in head.split(b"\r\n"):
        key, _, value = line.partition(b":")
        if key.strip().lower() == name:
            return value.strip()
    raise AssertionError(f"no {name!r} in {head!r}")
