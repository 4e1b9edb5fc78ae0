"""The embedded stand-ins' REST APIs on a port of their own, on loopback only, beside the web app.

`hub up` and `hub demo` serve them when the hub embeds a stand-in; `hub web` never does. They
take fault injection and show texts with signing links and codes, so the public web app answers
404 under `/standin/` and this server refuses any address but loopback.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from adapters.billing.embedded import EmbeddedBilling
from adapters.email.local_mailbox import LocalMailbox
from adapters.inventory.embedded import EmbeddedInventory
from adapters.sms.local_platform import LocalSmsPlatform
from adapters.standin_app import standin_app
from adapters.support.embedded import EmbeddedWorkOrderSystem
from hub.bootstrap import Hub
from hub.cli.console import fail
from hub.cli.web_app import EmbeddedServer, browsable_url, listen, uvicorn_config
from hub.config import is_loopback_host as is_loopback

LOOPBACK = "127.0.0.1"


class StandinHostRefused(ValueError):
    """The stand-ins' APIs were asked to listen on an address other machines can reach."""


def standin_app_for(hub: Hub) -> FastAPI | None:
    """The APIs of the hub's embedded stand-ins, or None if it embeds none."""
    support, inventory = hub.work_order_system, hub.inventory
    billing, sms, mailbox = hub.billing, hub.sms_sender, hub.mailer
    app = standin_app(
        support=support if isinstance(support, EmbeddedWorkOrderSystem) else None,
        inventory=inventory if isinstance(inventory, EmbeddedInventory) else None,
        billing=billing if isinstance(billing, EmbeddedBilling) else None,
        sms=sms if isinstance(sms, LocalSmsPlatform) else None,
        mailbox=mailbox if isinstance(mailbox, LocalMailbox) else None,
    )
    return app if app.state.mounted else None


def listen_standins(port: int, *, host: str = LOOPBACK) -> socket.socket:
    """The stand-ins' listening socket; a non-loopback `host` is refused, a taken port raises."""
    if not is_loopback(host):
        raise StandinHostRefused(
            f"the stand-ins' APIs listen on loopback only, not on {host!r}: they take fault "
            "injection and show texts with signing links and codes"
        )
    return listen(host, port)


def listen_standins_or_exit(port: int) -> socket.socket:
    """`listen_standins(port)`, or exit with a message naming the setting."""
    try:
        return listen_standins(port)
    except OSError as exc:
        fail(
            f"cannot listen on {LOOPBACK}:{port} for the stand-ins' APIs (HUB_STANDIN_PORT): "
            f"{exc.strerror or exc}"
        )


@asynccontextmanager
async def serve_standins(
    app: FastAPI | None, sock: socket.socket | None
) -> AsyncIterator[str | None]:
    """Serve `app` on `sock` (loopback only) while the block runs; yields its base URL, or
    None when there is nothing to serve."""
    if app is None or sock is None:
        yield None
        return
    host, port = sock.getsockname()[:2]
    if not is_loopback(host):
        raise StandinHostRefused(f"the stand-ins' socket is bound to {host!r}, not loopback")
    server = EmbeddedServer(uvicorn_config(app, host=host, port=port))
    serving = asyncio.create_task(server.serve(sockets=[sock]), name="standins")
    try:
        while not server.started:
            if serving.done():
                raise RuntimeError("the stand-ins' server did not start (see the log above)")
            await asyncio.sleep(0.02)
        yield browsable_url(host, port)
    finally:
        server.should_exit = True  # finishes in-flight requests, then returns
        await asyncio.gather(serving, return_exceptions=True)
        sock.close()
