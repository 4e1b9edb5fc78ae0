"""What every command shares: the two consoles, settings-or-exit-2, and running a coroutine."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any, NoReturn, TypeVar

import typer
from aiormq.exceptions import AMQPConnectionError
from rich.console import Console
from rich.markup import escape
from sqlalchemy.exc import OperationalError

from hub.config import Settings, SettingsError, load_settings
from hub.logging import configure_logging
from hub.runtime import BrokerUnavailable

T = TypeVar("T")

out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)


def load_or_exit(*, quiet: bool = False) -> Settings:
    """Settings from the environment and logging set up; a bad setting exits 2 with its name.

    `quiet` logs warnings and worse only, unless HUB_LOG_LEVEL was set explicitly: the demo's
    per-order info lines would scroll its progress bar away.
    """
    try:
        settings = load_settings()
        explicit = "log_level" in settings.model_fields_set
        configure_logging(settings, level="WARNING" if quiet and not explicit else None)
    except SettingsError as exc:
        fail(str(exc), code=2)
    return settings


def fail(message: str, *, code: int = 1) -> NoReturn:
    """Print `message` in red on stderr and exit with `code`."""
    err.print(f"[red]{escape(message)}[/red]", soft_wrap=True)
    raise typer.Exit(code)


def run(main: Coroutine[Any, Any, T]) -> T:
    """`asyncio.run`, with an unreachable RabbitMQ or database turned into a message and exit 1."""
    try:
        return asyncio.run(main)
    except BrokerUnavailable as exc:
        fail(str(exc))
    except (AMQPConnectionError, OSError) as exc:
        fail(f"cannot reach a service: {type(exc).__name__}: {_first_line(exc)}")
    except OperationalError as exc:
        fail(f"database error: {_first_line(exc.orig or exc)}")


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0]
