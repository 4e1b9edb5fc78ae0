"""Staff browser sessions: a person signs in once with their token to read `/docs` and `/ops`.

The cookie holds the credential itself, sealed (AES-GCM under a key of the hub's) with an
expiry, so each request is authenticated afresh: a revoked or expired token ends its sessions.
The cookie is `HttpOnly`, `SameSite=Strict`, `Secure` behind HTTPS, and is honoured on GET and
HEAD only (`hub.web.auth`).
"""

from __future__ import annotations

import json
import time

from hub.errors import InvalidMessage
from hub.sealing import Sealer

COOKIE = "hub_staff"


class StaffSessions:
    """Seals a credential into a cookie value and opens it again until it expires."""

    cookie_name = COOKIE

    def __init__(self, secret: bytes, *, ttl_s: float, secure: bool) -> None:
        self._sealer = Sealer(secret, purpose=b"hub-staff-session")
        self.ttl_s = ttl_s
        self.secure = secure

    def seal(self, credential: str) -> str:
        expires = int(time.time() + self.ttl_s)
        return self._sealer.seal(json.dumps({"c": credential, "e": expires}))

    def credential(self, cookie: str | None) -> str | None:
        """The credential in `cookie`, or None if there is none, it is forged or expired."""
        if not cookie or len(cookie) > 8192:
            return None
        try:
            content = json.loads(self._sealer.open(cookie))
        except (InvalidMessage, ValueError):
            return None
        if not isinstance(content, dict) or not isinstance(content.get("c"), str):
            return None
        expires = content.get("e")
        if not isinstance(expires, int) or expires < time.time():
            return None
        return str(content["c"])
