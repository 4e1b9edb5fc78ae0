"""Several broker addresses (the nodes of a RabbitMQ cluster): start on the first that answers,
move to the next when the connection is lost.

aio-pika's robust connection reconnects, restores its channels (QoS, confirms) and re-subscribes
its consumers, but only ever to the URL it was made with. Each failed or lost attempt goes
through `Connection._on_connection_close` (aio-pika calls it for a dropped connection and for a
connect attempt that fails), so `ClusterConnection` moves its URL on to the next address there,
and the robust machinery does the rest on that node. FastStream's `RabbitBroker` is given the
class through aio-pika's `connect_robust(connection_class=...)`.

What the switch costs: deliveries unacknowledged on the lost connection come back (redelivered)
and the inbox drops the repeats; a publish in flight fails unconfirmed and the outbox relay
sends it again, with the same message id.
"""

from __future__ import annotations

import asyncio
from functools import partial
from typing import Any

import aio_pika
import structlog
from aio_pika.abc import AbstractConnection
from aio_pika.exceptions import CONNECTION_EXCEPTIONS
from aio_pika.robust_connection import RobustConnection
from yarl import URL

from hub.messaging.addresses import AddressRing, shown

log = structlog.get_logger(__name__)

RESTORED_LINE = "broker connection restored, consuming again"


class ClusterConnection(RobustConnection):
    """A robust connection that reconnects to the next address of its ring, not the same one."""

    def __init__(
        self,
        url: URL,
        loop: asyncio.AbstractEventLoop | None = None,
        *,
        ring: AddressRing,
        **kwargs: Any,
    ) -> None:
        super().__init__(url, loop=loop, **kwargs)
        self.ring = ring

    async def _on_connection_close(self, closing: asyncio.Future[Any]) -> None:
        # Called when the connection drops and when a (re)connect attempt fails. Not when we
        # close it ourselves: that is no reason to change node.
        if not (self._close_called or self.is_closed) and len(self.ring) > 1:
            lost = self.url
            self.url = URL(self.ring.advance())
            log.warning(
                "broker connection lost or refused, next address",
                lost=shown(lost),
                next=shown(self.url),
            )
        await super()._on_connection_close(closing)

    async def _on_connected(self) -> None:
        await super()._on_connected()  # after a reconnect: channels, QoS and consumers restored
        if self.connection_attempt > 1:
            log.info(RESTORED_LINE, url=shown(self.url))


def cluster_connection_class(ring: AddressRing) -> Any:
    """What `connect_robust(connection_class=...)` calls to make a `ClusterConnection`."""
    return partial(ClusterConnection, ring=ring)


async def connect_first(urls: tuple[str, ...], *, attempt_timeout_s: float) -> AbstractConnection:
    """A plain (not robust) connection to the first address that answers (CLI, probes)."""
    errors: list[str] = []
    for url in urls:
        try:
            return await aio_pika.connect(url, timeout=attempt_timeout_s)
        except (*CONNECTION_EXCEPTIONS, TimeoutError) as exc:
            errors.append(f"{shown(url)}: {exc or type(exc).__name__}")
    raise ConnectionError("no broker address answered: " + "; ".join(errors))
