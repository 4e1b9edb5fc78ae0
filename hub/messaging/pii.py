"""Make error text safe to store in headers and logs: no phone numbers, e-mails or long ids.

The maskers themselves are `hub.domain.pii`'s (re-exported here).
"""

from __future__ import annotations

import re

import pydantic

from hub.domain.pii import mask_email, mask_phone

_PHONE = re.compile(r"\+?\d[\d\s-]{5,}\d")
_EMAIL = re.compile(r"[^\s@'\"]+@[^\s@'\"]+")
MAX_ERROR_BYTES = 1024

__all__ = ["MAX_ERROR_BYTES", "describe_error", "mask_email", "mask_phone", "scrub"]


def scrub(text: str) -> str:
    """Mask phone numbers and e-mails, drop control characters, cap at 1 KB."""
    text = _EMAIL.sub("<email>", text)
    text = _PHONE.sub(lambda m: mask_phone(re.sub(r"[\s-]", "", m.group())), text)
    text = "".join(ch if ch.isprintable() else " " for ch in text)
    encoded = text.encode()[:MAX_ERROR_BYTES]
    return encoded.decode(errors="ignore")


def describe_error(exc: BaseException) -> str:
    """A PII-free one-line description; validation errors name fields, never values."""
    if isinstance(exc, pydantic.ValidationError):
        parts = [
            f"{'.'.join(str(p) for p in err['loc']) or '<body>'}: {err['msg']}"
            for err in exc.errors(include_input=False, include_url=False)
        ]
        return scrub(f"{exc.error_count()} validation error(s): " + "; ".join(parts))
    return scrub(str(exc) or type(exc).__name__)
