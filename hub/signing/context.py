"""Who asked: the request's IP and user agent, cleaned for the audit trail."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from hub.domain.signing import AuditKind
from hub.ports import AuditEntry

MAX_USER_AGENT = 300


@dataclass(frozen=True, slots=True)
class RequestContext:
    """Where a signing step came from; `system` for steps the hub takes by itself."""

    ip: str | None
    user_agent: str | None

    @classmethod
    def of(cls, ip: str | None, user_agent: str | None) -> RequestContext:
        return cls(ip=(ip or None) and ip[:64], user_agent=clean_user_agent(user_agent))

    def entry(
        self, kind: AuditKind, at: datetime, *, link_id: str | None = None, **details: Any
    ) -> AuditEntry:
        """An audit-trail line for this request."""
        return AuditEntry(
            kind=kind.value,
            at=at,
            ip=self.ip,
            user_agent=self.user_agent,
            details=details,
            link_id=link_id,
        )


SYSTEM = RequestContext(ip=None, user_agent="delivery-hub")


def clean_user_agent(value: str | None) -> str | None:
    """Printable characters only (no forged log lines), at most 300."""
    if not value:
        return None
    return "".join(ch if ch.isprintable() else " " for ch in value)[:MAX_USER_AGENT]
