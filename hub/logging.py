"""Logging for every hub process: structlog to stderr, console or JSON, one level for everything.

Library loggers (uvicorn, alembic, aio-pika) go through the same renderer, and every line is
written by one thread off the event loop, with secrets masked (`hub.log_queue`). FastStream's
per-message "Received"/"Processed" lines are demoted to DEBUG: at load they drown everything else.
"""

from __future__ import annotations

import logging
import sys
import time
from datetime import UTC, datetime
from typing import Any, TextIO, cast

import structlog
from structlog.typing import EventDict, Processor, WrappedLogger

from hub import log_queue as log_queue_module
from hub.config import Settings, SettingsError
from hub.log_queue import CONTEXT_ATTR, LogQueue

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
    """Configure logging explicitly (tests, scripts); default output is the current stderr.

    Everything, structlog's events included, goes through the stdlib root logger to a queue;
    a listener thread renders, redacts and writes (`hub.log_queue`). Call `flush()` before
    reading a captured `stream`.
    """
    stream = stream or cast(TextIO, CurrentStderr())
    renderer: Processor
    if json:
        renderer = structlog.processors.JSONRenderer(ensure_ascii=False)
    else:  # plain tracebacks: a rich one prints locals, and is slow to render
        renderer = structlog.dev.ConsoleRenderer(
            colors=_is_tty(stream), exception_formatter=structlog.dev.plain_traceback
        )
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.stdlib.add_logger_name,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            _flatten_extra,
            structlog.processors.StackInfoRenderer(),
            _capture_exc_info,
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(level),
        logger_factory=structlog.stdlib.LoggerFactory(),
        cache_logger_on_first_use=False,
    )
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=[
            _context_of_record,
            structlog.processors.add_log_level,
            structlog.stdlib.add_logger_name,
            _time_of_record,
            _flatten_extra,
        ],
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            *([structlog.processors.format_exc_info] if json else []),
            renderer,
        ],
    )
    log_queue = LogQueue(stream, formatter)
    root = logging.getLogger()
    root.handlers = [log_queue.handler]
    root.setLevel(level)
    log_queue_module.install(log_queue)
    for name, floor in LIBRARY_FLOORS.items():
        logging.getLogger(name).setLevel(max(level, floor))
    # uvicorn started with its own log config gives its loggers handlers and stops them at
    # "uvicorn" (propagate False): take them back, so every line goes through the one queue.
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        library = logging.getLogger(name)
        library.handlers = []
        library.propagate = True


def flush() -> None:
    """Wait until every log line so far is written."""
    log_queue_module.flush()


def shutdown() -> None:
    """Write every queued line and stop the log thread (also done at exit)."""
    log_queue_module.shutdown()


def _capture_exc_info(_logger: WrappedLogger, _method: str, event_dict: EventDict) -> EventDict:
    # `exc_info=True` means "the exception being handled": take it now, on this thread; the
    # listener thread renders it (it has no exception of its own).
    exc_info = event_dict.get("exc_info")
    if exc_info is True:
        exc_info = sys.exc_info()
    elif isinstance(exc_info, BaseException):
        exc_info = (type(exc_info), exc_info, exc_info.__traceback__)
    if not exc_info or exc_info == (None, None, None):
        event_dict.pop("exc_info", None)
    else:
        event_dict["exc_info"] = exc_info
    return event_dict


def _context_of_record(_logger: WrappedLogger, _method: str, event_dict: EventDict) -> EventDict:
    record = event_dict.get("_record")
    for key, value in (getattr(record, CONTEXT_ATTR, None) or {}).items():
        event_dict.setdefault(key, value)
    return event_dict


def _time_of_record(_logger: WrappedLogger, _method: str, event_dict: EventDict) -> EventDict:
    # When the line was logged, not when the listener got to it.
    record = event_dict.get("_record")
    created = record.created if isinstance(record, logging.LogRecord) else time.time()
    stamp = datetime.fromtimestamp(created, UTC).isoformat().replace("+00:00", "Z")
    event_dict.setdefault("timestamp", stamp)
    return event_dict


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
