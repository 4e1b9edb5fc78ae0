"""Keep signing tokens out of logs: request lines print paths and URLs, and those hold tokens.

Servers log the path (`uvicorn.access`), HTTP clients the whole URL (`httpx`, as an `httpx.URL`
argument, not a string), the hub's own lines may carry either: the filter sits on the log
handler and redacts the finished message, the structlog processor every string in an event.
"""

from __future__ import annotations

import logging
import re
from collections.abc import MutableMapping
from typing import Any

_TOKEN_PATH = re.compile(r"/s/[A-Za-z0-9_-]{20,}")
REDACTED = "/s/<token>"


def redact_paths(text: str) -> str:
    """`/s/<43-char token>/report` → `/s/<token>/report`."""
    return _TOKEN_PATH.sub(REDACTED, text)


class SigningTokenFilter(logging.Filter):
    """A logging filter that masks signing-link tokens in a record's finished message."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not isinstance(record.msg, str):  # e.g. structlog's event dicts: its processor's job
            return True
        try:
            message = record.getMessage()
        except Exception:  # a broken format string: the handler reports it, no message to mask
            return True
        record.msg, record.args = redact_paths(message), None  # formatted once, here
        return True


def redact_event(
    _logger: object, _method: str, event_dict: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    """structlog processor: every string value of the event with tokens masked."""
    for key, value in event_dict.items():
        if isinstance(value, str) and "/s/" in value:
            event_dict[key] = redact_paths(value)
    return event_dict
