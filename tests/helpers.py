"""Helpers for integration tests: publish as an outside system would, and wait for outcomes."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import replace
from typing import Any

import aio_pika
import anyio.to_thread
import pytest
from aio_pika.abc import AbstractIncomingMessage
from fastapi import FastAPI
from pydantic import BaseModel
from sqlalchemy import event
from sqlalchemy.engine.interfaces import CacheStats

from hub.bootstrap import Hub
from hub.bootstrap.web import web_services
from hub.db.engine import Database
from hub.identity.authenticator import Authenticator
from hub.identity.client import TokensByCaller
from hub.identity.issue import issue_token
from hub.identity.roles import Role
from hub.messaging.topology import message_type
from hub.metrics import Metrics
from hub.web.app import create_app
from tests.fakes.users import FakeUserStore


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


ROLES_BY_PREFIX = {
    "/api/v1/work-orders": Role.DISPATCHER,
    "/api/v1/exceptions": Role.SUPERVISOR,
    "/api/v1/appointments": Role.SUPERVISOR,
    "/api/v1/calls/transcripts": Role.SUPPORT_SYSTEM,
    "/api/v1/calls": Role.SUPERVISOR,
    "/api/v1/exception-directory": Role.SUPERVISOR,
    "/api/v1/signatures": Role.ACCOUNT_MANAGER,
    "/ops": Role.OPS,
    "/metrics": Role.OPS,
    "/docs": Role.OPS,
    "/openapi.json": Role.OPS,
}


def callers(hub: Hub) -> TokensByCaller:
    """Sign each test request in as the path's owner, with real tokens of the hub's user store:
    the technician in `/api/v1/technicians/{id}/…`, else the role that owns the path."""

    async def issue(role: Role, technician_id: str | None) -> str:
        name = f"test-{technician_id or role.value}".lower().replace("_", "-")
        return await issue_token(hub.users, name, role, technician_id=technician_id, replace=True)

    return TokensByCaller(issue, ROLES_BY_PREFIX)


async def app_with_staff(hub: Hub, role: Role = Role.OPS) -> tuple[FastAPI, str]:
    """The web app of a hub whose database has no tables (unit tests): users in memory, and a
    token of `role`."""
    users = FakeUserStore()
    services = replace(web_services(hub), authenticator=Authenticator(users))
    return create_app(services), await issue_token(users, f"unit-{role.value}", role)


def web_app(hub: Hub, **options: Any) -> FastAPI:
    """The hub's web app over its services, the hub itself run (or not) by the test."""
    return create_app(web_services(hub), **options)


def thread_hops(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """From now on, every function handed to anyio's worker threads (FastAPI's and FastStream's
    way of running plain functions) is appended to the returned list."""
    hops: list[object] = []
    run_sync = anyio.to_thread.run_sync

    async def counted(func: Any, *args: Any, **kwargs: Any) -> Any:
        hops.append(func)
        return await run_sync(func, *args, **kwargs)

    monkeypatch.setattr(anyio.to_thread, "run_sync", counted)
    return hops


def transaction_groups(metrics: Metrics) -> tuple[float, float]:
    """(groups committed or tried, deliveries in them), from `hub_transaction_group_size`."""
    sample = metrics.registry.get_sample_value
    return (
        sample("hub_transaction_group_size_count") or 0.0,
        sample("hub_transaction_group_size_sum") or 0.0,
    )


async def parked_messages(hub: Hub, consumer: str) -> list[AbstractIncomingMessage]:
    """Read (and requeue) what waits in a consumer's parking queue."""
    connection = await aio_pika.connect(hub.settings.amqp_url)
    async with connection:
        channel = await connection.channel()
        queue = await channel.get_queue(hub.topology.parking_queue(consumer).name, ensure=False)
        messages = []
        while (message := await queue.get(fail=False)) is not None:
            messages.append(message)
        for message in messages:
            await message.nack(requeue=True)
        return messages


def statements_run(db: Database) -> list[tuple[str, bool]]:
    """The statements `db` runs from now on: (SQL with its whitespace collapsed, whether its
    compiled form came from SQLAlchemy's cache)."""
    seen: list[tuple[str, bool]] = []

    @event.listens_for(db.engine.sync_engine, "before_cursor_execute")
    def _seen(*args: Any) -> None:
        statement, context = args[2], args[4]
        seen.append((" ".join(statement.split()), context.cache_hit is CacheStats.CACHE_HIT))

    return seen
