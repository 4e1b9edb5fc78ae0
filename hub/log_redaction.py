"""Keep secrets and personal data out of log lines: applied to each finished, formatted line.

The listener thread of `hub.logging` runs `redact` on every line after the traceback (and any
local variables a renderer shows) is rendered, so nothing reaches the stream unmasked:

| what | example | becomes |
|---|---|---|
| signing-link tokens | `/s/Zr3…43 chars` | `/s/<token>` |
| session cookies | `hub_sign=abc…`, `'__Host-hub_sign': 'abc…'` | `hub_sign=<session>` |
| bearer credentials | `Authorization: Bearer eyJ…` | `Bearer <secret>` |
| API tokens | `hub_Q2x…` (20+ chars, a digit or capital) | `hub_<token>` |
| one-time codes | `验证码 123456`, `code=123456`, `otp: 123456` | `验证码 ******` |
| phone numbers | `+8613912344726`, `13912344726` | `+86139****4726`, `139****4726` |
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, MutableMapping
from typing import Any

TOKEN_PATH = re.compile(r"/s/[A-Za-z0-9_-]{20,}")
SESSION_COOKIE = re.compile(
    r"""(?P<keep>(?:__Host-)?hub_sign['"]?\s*[:=]\s*['"]?)(?P<secret>[^\s;,'"}\]\\]+)"""
)
BEARER = re.compile(r"(?P<keep>\bBearer\s+)(?P<secret>[A-Za-z0-9._~+/=-]+)", re.IGNORECASE)
# `hub_` + a random suffix; metric names (`hub_outbox_backlog`) have no digit or capital.
API_TOKEN = re.compile(r"\bhub_(?=[A-Za-z0-9_-]*[0-9A-Z])[A-Za-z0-9_-]{20,}")
CODE = re.compile(
    r"(?P<keep>(?:验证码|\bcode|\botp)[^\d\n]{0,16}?)(?<!\d)(?P<secret>\d{6})(?!\d)",
    re.IGNORECASE,
)
E164 = re.compile(r"(?<![\w+])\+(?P<digits>\d{8,15})(?!\d)")
CN_MOBILE = re.compile(r"(?<![0-9A-Za-z+])(?P<digits>1[3-9]\d{9})(?![0-9A-Za-z])")

REDACTED_TOKEN = "/s/<token>"


def mask_digits(digits: str) -> str:
    """`8613912344726` → `86139****4726`: the last four and the leading prefix stay."""
    front = max(len(digits) - 8, 0)
    return digits[:front] + "*" * (len(digits) - front - 4) + digits[-4:]


def _keep_then(replacement: str) -> Callable[[re.Match[str]], str]:
    return lambda match: match.group("keep") + replacement


_RULES: tuple[tuple[re.Pattern[str], str | Callable[[re.Match[str]], str]], ...] = (
    (TOKEN_PATH, REDACTED_TOKEN),
    (SESSION_COOKIE, _keep_then("<session>")),
    (BEARER, _keep_then("<secret>")),
    (API_TOKEN, "hub_<token>"),
    (CODE, _keep_then("******")),
    (E164, lambda m: "+" + mask_digits(m.group("digits"))),
    (CN_MOBILE, lambda m: mask_digits(m.group("digits"))),
)


def redact(text: str) -> str:
    """The text with every secret and phone number above masked."""
    for pattern, replacement in _RULES:
        text = pattern.sub(replacement, text)
    return text


def redact_paths(text: str) -> str:
    """`/s/<43-char token>/report` → `/s/<token>/report` (signing tokens only)."""
    return TOKEN_PATH.sub(REDACTED_TOKEN, text)


class RedactingFilter(logging.Filter):
    """A logging filter that masks a record's finished message (for handlers outside the hub's)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not isinstance(record.msg, str):  # e.g. structlog's event dicts: masked once rendered
            return True
        try:
            message = record.getMessage()
        except Exception:  # a broken format string: the handler reports it, no message to mask
            return True
        record.msg, record.args = redact(message), None  # formatted once, here
        return True


def redact_event(
    _logger: object, _method: str, event_dict: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    """structlog processor: every string value of the event masked."""
    for key, value in event_dict.items():
        if isinstance(value, str):
            event_dict[key] = redact(value)
    return event_dict
