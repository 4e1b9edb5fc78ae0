"""Waiting on the first of several things (a stop signal, a server, a feeding task)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable


async def first_of(*waitables: Awaitable[object]) -> None:
    """Wait until one is done; cancel the helpers made here (not the tasks passed in)."""
    tasks = [asyncio.ensure_future(w) for w in waitables]
    _, pending = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    for waitable, task in zip(waitables, tasks, strict=True):
        if task in pending and task is not waitable:
            task.cancel()
