"""The client side of identities: send each request as whoever owns its path.

For the simulated field app, benchmarks and tests, which act as many callers at once: the
technician named in `/api/v1/technicians/{id}/…` (or `/api/v2/…`) signs in with their own
token, other paths with the token of the role given for their prefix. Tokens come from
`issue` once per caller.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncGenerator, Awaitable, Callable, Mapping

import httpx

from hub.identity.roles import Role

Issue = Callable[[Role, str | None], Awaitable[str]]
_TECHNICIAN_PATH = re.compile(r"^/api/v[12]/technicians/([^/]+)/")


class TokensByCaller(httpx.Auth):
    """An `httpx.Auth` that picks the bearer token by the request's path."""

    def __init__(self, issue: Issue, roles_by_prefix: Mapping[str, Role] | None = None) -> None:
        self._issue = issue
        self._prefixes = sorted((roles_by_prefix or {}).items(), key=lambda p: -len(p[0]))
        self._tokens: dict[tuple[Role, str | None], str] = {}
        self._lock = asyncio.Lock()

    def caller_of(self, path: str) -> tuple[Role, str | None] | None:
        found = _TECHNICIAN_PATH.match(path)
        if found:
            return Role.TECHNICIAN, found.group(1)
        for prefix, role in self._prefixes:
            if path.startswith(prefix):
                return role, None
        return None

    async def token_for(self, role: Role, technician_id: str | None = None) -> str:
        key = (role, technician_id)
        async with self._lock:
            if key not in self._tokens:
                self._tokens[key] = await self._issue(role, technician_id)
            return self._tokens[key]

    async def async_auth_flow(
        self, request: httpx.Request
    ) -> AsyncGenerator[httpx.Request, httpx.Response]:
        caller = self.caller_of(request.url.path)
        if caller is not None and "authorization" not in request.headers:
            request.headers["Authorization"] = f"Bearer {await self.token_for(*caller)}"
        yield request
