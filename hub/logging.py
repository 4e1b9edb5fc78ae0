"""Logging for every hub process: structlog to stderr, console or JSON, one level for everything.

Library loggers (uvicorn, alembic, aio-pika) go through the same renderer. FastStream's
per-message "Received"/"Processed" lines are demoted to DEBUG: at load they drown everything else.
"""

from __future__ import annotations

import logging
import sys
from typing import TYPE_CHECKING, Any, TextIO, cast

import structlog
from structlog.typing import EventDict, Processor, WrappedLogger

from hub.config import Settings, SettingsError
from hub.signing import redaction as signing_redaction

if TYPE_CHECKING:
    pass

# Chatty libraries that are only interesting when something is wrong.
LIBRARY_FLOORS = {
    "aio_pika": logging.WARNING,
    "aiormq": logging.WARNING,
    "aiosqlite": logging.WARNING,
    "alembic": logging.WARNING,
    "asyncio": logging.WARNING,
}


def parse_level(name: str) -> int:
    """`"info"` → `logging.INFO`; an unknown name is a settings error naming HUB_LOG_LEVEL."""
    level = logging.getLevelNamesMapping().get(name.strip().upper())
    if level is None:
        choices = "DEBUG, INFO, WARNING, ERROR, CRITICAL"
        raise SettingsError(
            f"invalid configuration: HUB_LOG_LEVEL: {name!r} is not one of {choices}"
        )
    return level


class CurrentStderr:
    """Writes to whatever `sys.stderr` is now, so a rich progress bar can show logs above it."""

    def write(self, text: str) -> int:
        return sys.stderr.write(text)

    def flush(self) -> None:
        sys.stderr.flush()

    def isatty(self) -> bool:
        return sys.stderr.isatty()


def configure_logging(
    settings: Settings, *, level: str | None = None, stream: TextIO | None = None
) -> None:
    """Configure structlog and stdlib logging from settings (`level` overrides the setting)."""
    configure(
        level=parse_level(level or settings.log_level),
        json=settings.log_json,
        stream=stream,
    )


def configure(
    *, level: int = logging.INFO, json: bool = False, stream: TextIO | None = None
) -> None:
    """Configure logging explicitly (tests, scripts); default output is the current stderr."""
    stream = stream or cast(TextIO, CurrentStderr())
    shared: list[Processor] = [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        _flatten_extra,
        signing_redaction.redact_event,
        structlog.processors.StackInfoRenderer(),
    ]
    renderer: Processor
    if json:
        renderer = structlog.processors.JSONRenderer(ensure_ascii=False)
        shared.append(structlog.processors.format_exc_info)
    else:
        renderer = structlog.dev.ConsoleRenderer(colors=_is_tty(stream))
    structlog.configure(
        processors=[*shared, renderer],
        wrapper_class=structlog.make_filtering_bound_logger(level),
        logger_factory=structlog.WriteLoggerFactory(file=stream),
        cache_logger_on_first_use=False,
    )
    handler = logging.StreamHandler(stream)
    handler.addFilter(signing_redaction.SigningTokenFilter())  # any library's URL, e.g. httpx
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            foreign_pre_chain=[structlog.stdlib.add_logger_name, *shared],
            processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, renderer],
        )
    )
    root = logging.getLogger()
    root.handlers = [handler]
    root.setLevel(level)
    for name, floor in LIBRARY_FLOORS.items():
        logging.getLogger(name).setLevel(max(level, floor))


def _flatten_extra(_logger: WrappedLogger, _method: str, event_dict: EventDict) -> EventDict:
    # FastStream calls `logger.log(level, msg, extra={...}, exc_info=None)`.
    extra: Any = event_dict.pop("extra", None)
    if isinstance(extra, dict):
        for key, value in extra.items():
            if value not in (None, ""):
                event_dict.setdefault(key, value)
    if event_dict.get("exc_info") is None:
        event_dict.pop("exc_info", None)
    return event_dict


def _is_tty(stream: TextIO) -> bool:
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())
