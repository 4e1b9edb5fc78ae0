"""What the `hub` command finds outside the product, by entry point: the simulation's parts.

The simulated field and customers live in the top-level `simulation` package, which imports
the hub and never the other way round (an import contract checks it). It plugs in `hub demo`
(group `hub.commands`) and the feeder behind `hub up --demo-orders` (group `hub.demo`).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from importlib.metadata import entry_points
from typing import Any, Protocol

import typer

from hub.bootstrap import Hub


class DemoFeeder(Protocol):
    """Feeds `orders` simulated orders to a serving hub until they are delivered or `stop`."""

    def __call__(
        self,
        hub: Hub,
        orders: int,
        *,
        url: str,
        standin_url: str | None,
        stop: asyncio.Event,
        serving: asyncio.Task[None],
    ) -> Coroutine[Any, Any, None]: ...


def add_plugin_commands(app: typer.Typer) -> None:
    """Register every `hub.commands` entry point as a command of `app`."""
    for found in entry_points(group="hub.commands"):
        command: Callable[..., Any] = found.load()
        app.command(found.name)(command)


def demo_feeder() -> DemoFeeder | None:
    """The installed demo feeder, or None when the simulation is not installed."""
    for found in entry_points(group="hub.demo", name="feed"):
        feeder: DemoFeeder = found.load()
        return feeder
    return None
