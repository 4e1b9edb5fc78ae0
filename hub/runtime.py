"""A running hub process: connect, declare, consume (worker role), relay, fire timers, stop.

runtime = Runtime(bootstrap(settings))
await runtime.start()      # or: async with Runtime(hub): ...
...
await runtime.stop()       # stop consuming, let handlers finish, flush once, disconnect
"""

from __future__ import annotations

import asyncio
from types import TracebackType
from urllib.parse import urlsplit

import structlog

from hub.bootstrap import Hub
from hub.db.server_checks import server_warnings
from hub.errors import HubError
from hub.messaging.declare import declare_topology, replace_classic_wait_queues

log = structlog.get_logger(__name__)


class BrokerUnavailable(HubError):
    """The broker could not be reached at start-up."""


class Runtime:
    """Starts and stops one wired hub's background work."""

    def __init__(self, hub: Hub) -> None:
        self.hub = hub
        self._stop = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        self.running = False

    async def start(self) -> None:
        """Connect, declare the topology, start consuming (worker role) and relaying."""
        hub = self.hub
        self._stop.clear()
        await _connect(hub)
        await replace_classic_wait_queues(
            hub.settings.amqp_urls,
            hub.topology,
            attempt_timeout_s=hub.settings.broker_attempt_timeout_s,
        )
        await declare_topology(hub.broker, hub.topology)
        await hub.broker.start()
        for warning in await server_warnings(hub.db):
            log.warning(warning)
        self._tasks = [
            asyncio.create_task(hub.relay.run(self._stop), name="outbox-relay"),
            asyncio.create_task(hub.scheduler.run(self._stop), name="timer-scheduler"),
            # Audit lines of page reads, written in batches off the request path.
            asyncio.create_task(hub.signing.audit_buffer.run(self._stop), name="audit-buffer"),
        ]
        self.running = True
        log.info("hub started", consumers=hub.consumers, prefix=hub.topology.prefix)

    async def stop(self) -> None:
        """Stop consuming, let in-flight handlers finish, flush the outbox once, disconnect.

        Stopping a runtime that is not running does nothing.
        """
        if not self.running:
            return
        self.running = False
        hub = self.hub
        await hub.broker.stop()  # waits up to graceful_timeout for in-flight handlers
        self._stop.set()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks = []
        await hub.aclose()
        log.info("hub stopped")

    async def __aenter__(self) -> Runtime:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()


async def _connect(hub: Hub) -> None:
    settings = hub.settings
    shown = ", ".join(without_password(url) for url in settings.amqp_urls)
    try:
        await asyncio.wait_for(hub.broker.connect(), settings.connect_timeout_s)
    except TimeoutError as exc:
        raise BrokerUnavailable(
            f"RabbitMQ at {shown} did not answer within "
            f"{settings.connect_timeout_s:.0f}s (HUB_CONNECT_TIMEOUT_S)"
        ) from exc
    except OSError as exc:
        raise BrokerUnavailable(f"cannot connect to RabbitMQ at {shown}: {exc}") from exc


def without_password(url: str) -> str:
    """The URL with its password replaced by `***`, for messages and logs."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
    return parts._replace(netloc=netloc).geturl()
