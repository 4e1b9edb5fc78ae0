"""Access tokens from the operator's identity provider (OIDC): signed JWTs checked with PyJWT.

The provider's keys come from its JWKS URL and are cached (PyJWKClient); fetching them runs in a
thread so the event loop never waits on the network. Only asymmetric algorithms are accepted,
so a token "signed" with the public key as an HMAC secret, or with `alg: none`, is refused.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import jwt

from hub.identity.errors import Unauthenticated
from hub.identity.roles import Identity, Role

ALGORITHMS = ["RS256", "RS384", "RS512", "PS256", "ES256", "ES384", "EdDSA"]


@dataclass(frozen=True, slots=True)
class OidcSettings:
    issuer: str
    jwks_url: str
    audience: str
    leeway_s: int = 60
    role_claim: str = "roles"
    technician_claim: str = "technician_id"


class OidcVerifier:
    """Turns a provider's access token into an `Identity`, or says why it cannot."""

    def __init__(self, settings: OidcSettings, *, jwks: jwt.PyJWKClient | None = None) -> None:
        self.settings = settings
        self._jwks = jwks or jwt.PyJWKClient(settings.jwks_url, cache_keys=True, lifespan=600)

    async def identify(self, token: str) -> Identity:
        try:
            key = await asyncio.to_thread(self._jwks.get_signing_key_from_jwt, token)
            claims = jwt.decode(
                token,
                key.key,
                algorithms=ALGORITHMS,
                audience=self.settings.audience,
                issuer=self.settings.issuer,
                leeway=self.settings.leeway_s,
                options={"require": ["exp", "iss", "aud", "sub"]},
            )
        except jwt.ExpiredSignatureError as exc:
            raise Unauthenticated("token expired") from exc
        except jwt.InvalidAudienceError as exc:
            raise Unauthenticated("token is for another audience") from exc
        except jwt.InvalidIssuerError as exc:
            raise Unauthenticated("token is from another issuer") from exc
        except jwt.PyJWKClientError as exc:
            raise Unauthenticated("token signed with an unknown key") from exc
        except jwt.InvalidTokenError as exc:
            raise Unauthenticated(f"invalid token ({type(exc).__name__})") from exc
        return self._identity(claims)

    def _identity(self, claims: Mapping[str, Any]) -> Identity:
        role = _role(claims.get(self.settings.role_claim))
        if role is None:
            raise Unauthenticated(
                f"token carries no hub role in claim {self.settings.role_claim!r}"
            )
        technician_id = claims.get(self.settings.technician_claim)
        if role is Role.TECHNICIAN and not isinstance(technician_id, str):
            raise Unauthenticated(
                f"a technician's token needs claim {self.settings.technician_claim!r}"
            )
        return Identity(
            subject=str(claims["sub"]),
            role=role,
            technician_id=technician_id if role is Role.TECHNICIAN else None,
            display_name=str(claims.get("name") or claims["sub"]),
            source="oidc",
        )


def _role(value: object) -> Role | None:
    values = [value] if isinstance(value, str) else value if isinstance(value, list) else []
    for candidate in values:
        if isinstance(candidate, str) and candidate in Role.__members__.values():
            return Role(candidate)
    return None
