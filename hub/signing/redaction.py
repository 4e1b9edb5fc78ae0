"""Keep signing tokens out of logs: access logs print request paths, and paths hold tokens."""

from __future__ import annotations

import logging
import re

_TOKEN_PATH = re.compile(r"/s/[A-Za-z0-9_-]{20,}")
REDACTED = "/s/<token>"


def redact_paths(text: str) -> str:
    """`/s/<43-char token>/report` → `/s/<token>/report`."""
    return _TOKEN_PATH.sub(REDACTED, text)


class SigningTokenFilter(logging.Filter):
    """A logging filter that masks signing-link tokens in a record's message and arguments."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = redact_paths(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(
                redact_paths(arg) if isinstance(arg, str) else arg for arg in record.args
            )
        return True


def install(logger_names: tuple[str, ...] = ("uvicorn.access", "uvicorn.error")) -> None:
    """Attach the filter to the server loggers (idempotent)."""
    for name in logger_names:
        logger = logging.getLogger(name)
        if not any(isinstance(f, SigningTokenFilter) for f in logger.filters):
            logger.addFilter(SigningTokenFilter())
