"""What the `hub` command finds outside the product, by entry point: the simulation's parts.

The simulated field and customers live in the top-level `simulation` package, which imports
the hub and never the other way round (an import contract checks it). It plugs in `hub demo`
(group `hub.commands`) and the feeder behind `hub up --demo-orders` (group `hub.demo`).
A plugin command is listed by its entry point's name and imported only when it is looked up
(invoked, or its help shown), so `hub worker` and `hub web` never import the simulation.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine, Iterator, MutableMapping
from importlib.metadata import entry_points
from typing import Any, Protocol, TypeVar

import typer
from typer.core import TyperCommand, TyperGroup

from hub.bootstrap import Hub

COMMANDS_GROUP = "hub.commands"
C = TypeVar("C")


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


class PluginGroup(TyperGroup):
    """The `hub` group: its built-in commands, and the `hub.commands` entry points by name."""

    def __init__(self, **attrs: Any) -> None:
        super().__init__(**attrs)
        self.commands = PluginCommands(self.commands, load=load_plugin_command)


class PluginCommands(MutableMapping[str, C]):
    """A group's commands: the built-in ones, then each plugin's, imported on first lookup.

    Listing the names reads only the entry points' metadata; looking a plugin up (to run it or
    show its help) imports it once.
    """

    def __init__(self, builtin: MutableMapping[str, C], *, load: Callable[[str], C]) -> None:
        self._commands = builtin
        self._load = load

    def __getitem__(self, name: str) -> C:
        if name not in self._commands and name in plugin_command_names():
            self._commands[name] = self._load(name)
        return self._commands[name]

    def __setitem__(self, name: str, command: C) -> None:
        self._commands[name] = command

    def __delitem__(self, name: str) -> None:
        del self._commands[name]

    def __iter__(self) -> Iterator[str]:
        yield from self._commands
        yield from (name for name in plugin_command_names() if name not in self._commands)

    def __len__(self) -> int:
        return sum(1 for _ in self)


def plugin_command_names() -> list[str]:
    """The names of the installed plugin commands (reading metadata imports none of them)."""
    return [found.name for found in entry_points(group=COMMANDS_GROUP)]


def load_plugin_command(name: str) -> TyperCommand:
    """Import the `hub.commands` entry point `name` and make it a command."""
    (found,) = entry_points(group=COMMANDS_GROUP, name=name)
    function: Callable[..., Any] = found.load()
    plugin = typer.Typer(add_completion=False)
    plugin.command(name)(function)
    command = typer.main.get_command(plugin)
    if not isinstance(command, TyperCommand):  # one command and no callback: never a group
        raise TypeError(f"plugin command {name!r} did not make a single command")
    return command


def demo_feeder() -> DemoFeeder | None:
    """The installed demo feeder, or None when the simulation is not installed."""
    for found in entry_points(group="hub.demo", name="feed"):
        feeder: DemoFeeder = found.load()
        return feeder
    return None
