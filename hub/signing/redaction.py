"""Moved to `hub.log_redaction` (it masks more than signing tokens); kept for old imports."""

from __future__ import annotations

from hub.log_redaction import REDACTED_TOKEN as REDACTED
from hub.log_redaction import RedactingFilter as SigningTokenFilter
from hub.log_redaction import redact_event, redact_paths

__all__ = ["REDACTED", "SigningTokenFilter", "redact_event", "redact_paths"]
