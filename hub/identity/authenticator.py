"""One place that turns an `Authorization` header into an `Identity`."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from hub.identity.errors import Unauthenticated
from hub.identity.oidc import OidcVerifier
from hub.identity.roles import Identity
from hub.identity.tokens import TOUCH_EVERY, looks_like_token, token_hash
from hub.ports.identity import UserStore

MAX_CREDENTIAL = 8192


def _utcnow() -> datetime:
    return datetime.now(UTC)


class Authenticator:
    """Hub API tokens (`hub_…`) against the user store; anything else against the identity
    provider, when one is configured."""

    def __init__(
        self,
        users: UserStore | None,
        oidc: OidcVerifier | None = None,
        *,
        clock: Callable[[], datetime] = _utcnow,
    ) -> None:
        self.users = users
        self.oidc = oidc
        self.clock = clock

    async def authenticate(self, authorization: str | None) -> Identity:
        credential = _bearer(authorization)
        if looks_like_token(credential):
            return await self._api_token(credential)
        if self.oidc is not None and credential.count(".") == 2:
            return await self.oidc.identify(credential)
        raise Unauthenticated("unknown token")

    async def _api_token(self, token: str) -> Identity:
        if self.users is None:
            raise Unauthenticated("hub API tokens are turned off here (HUB_AUTH_USER_STORE)")
        digest = token_hash(token)
        user = await self.users.find_by_token_hash(digest)
        if user is None:
            raise Unauthenticated("unknown token")
        now = self.clock()
        if user.revoked_at is not None:
            raise Unauthenticated("token revoked")
        if user.expires_at <= now:
            raise Unauthenticated("token expired")
        if user.last_used_at is None or now - user.last_used_at >= TOUCH_EVERY:
            await self.users.touch(digest, at=now)  # else no write: a request is mostly reads
        return Identity(
            subject=user.name,
            role=user.role,
            technician_id=user.technician_id,
            display_name=user.name,
            source="api_token",
        )


def _bearer(authorization: str | None) -> str:
    if not authorization:
        raise Unauthenticated("missing bearer token")
    scheme, _, credential = authorization.strip().partition(" ")
    credential = credential.strip()
    if scheme.lower() != "bearer" or not credential:
        raise Unauthenticated("expected 'Authorization: Bearer <token>'")
    if len(credential) > MAX_CREDENTIAL:
        raise Unauthenticated("token too long")
    return credential
