"""Helpers for integration tests: publish as an outside system would, and wait for outcomes."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import FastAPI
from pydantic import BaseModel

from hub.bootstrap import Hub
from hub.bootstrap.web import web_services
from hub.messaging.topology import message_type
from hub.web.app import create_app


async def publish(hub: Hub, message: BaseModel, *, message_id: str | None = None) -> str:
    """Publish a contract message to the hub's bus, persistent and confirmed."""
    message_id = message_id or uuid.uuid4().hex
    await hub.broker.publish(
        message.model_dump_json().encode(),
        exchange=hub.topology.bus,
        routing_key=hub.topology.route(type(message)),
        message_id=message_id,
        content_type="application/json",
        message_type=message_type(type(message)),
        persist=True,
    )
    return message_id


async def eventually(
    check: Callable[[], Awaitable[bool]], *, timeout: float = 15.0, interval: float = 0.05
) -> None:
    """Wait until `check()` is true; fail with a clear message after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        if await check():
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout}s: {check.__name__}")
        await asyncio.sleep(interval)


async def run(hub: Hub, command: BaseModel, *, message_id: str | None = None) -> bool:
    """Run a command through the hub's command table, as its consumer (or the web) would."""
    return await hub.commands.run(command, message_id=message_id or f"test-{uuid.uuid4().hex}")


def web_app(hub: Hub, **options: Any) -> FastAPI:
    """The hub's web app over its services, the hub itself run (or not) by the test."""
    return create_app(web_services(hub), **options)
