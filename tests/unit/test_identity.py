"""Credentials to identities: hub API tokens against the user store, OIDC access tokens
against the identity provider's published keys (served here by a local JWKS server)."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from hub.config import Settings
from hub.identity.authenticator import Authenticator
from hub.identity.errors import InvalidUser, Unauthenticated
from hub.identity.issue import issue_demo_tokens, issue_token
from hub.identity.oidc import OidcSettings, OidcVerifier
from hub.identity.roles import Role
from hub.identity.tokens import token_hash
from tests.fakes.users import FakeUserStore

ISSUER = "https://idp.example/realms/telecom"
AUDIENCE = "delivery-hub"


async def test_an_issued_token_authenticates_and_is_stored_only_as_its_hash() -> None:
    users = FakeUserStore()
    token = await issue_token(users, "li.na", Role.DISPATCHER)
    identity = await Authenticator(users).authenticate(f"Bearer {token}")

    assert identity.subject == "li.na" and identity.role is Role.DISPATCHER
    [stored] = await users.list()
    assert stored.token_hash == token_hash(token) and token not in repr(stored)
    assert stored.last_used_at is not None


class CountingUserStore(FakeUserStore):
    def __init__(self) -> None:
        super().__init__()
        self.touches = 0

    async def touch(self, token_hash: str, *, at: datetime) -> None:
        self.touches += 1
        await super().touch(token_hash, at=at)


async def test_last_used_is_written_at_most_once_a_minute_not_on_every_request() -> None:
    users = CountingUserStore()
    token = await issue_token(users, "wang.qiang", Role.OPS)
    start = datetime.now(UTC)
    now = [start]
    authenticator = Authenticator(users, clock=lambda: now[0])

    for seconds in (0, 1, 30, 59):  # one write, then reads only
        now[0] = start + timedelta(seconds=seconds)
        await authenticator.authenticate(f"Bearer {token}")
    assert users.touches == 1
    now[0] = start + timedelta(seconds=61)
    await authenticator.authenticate(f"Bearer {token}")
    [stored] = await users.list()
    assert users.touches == 2 and stored.last_used_at == now[0]


@pytest.mark.parametrize(
    ("header", "reason"),
    [
        (None, "missing bearer token"),
        ("", "missing bearer token"),
        ("Basic dXNlcjpwdw==", "expected 'Authorization: Bearer <token>'"),
        ("Bearer ", "expected 'Authorization: Bearer <token>'"),
        ("Bearer hub_" + "A" * 43, "unknown token"),
        ("Bearer a.b.c", "unknown token"),  # a JWT, but no identity provider is configured
        ("Bearer " + "x" * 9000, "token too long"),
    ],
)
async def test_bad_headers_are_refused_with_a_reason(header: str | None, reason: str) -> None:
    with pytest.raises(Unauthenticated) as refused:
        await Authenticator(FakeUserStore()).authenticate(header)
    assert refused.value.reason == reason


async def test_expired_and_revoked_tokens_are_refused() -> None:
    users = FakeUserStore()
    now = datetime.now(UTC)
    old = await issue_token(
        users, "old", Role.OPS, valid_for=timedelta(hours=1), clock=lambda: now - timedelta(hours=2)
    )
    gone = await issue_token(users, "gone", Role.OPS)
    await users.revoke("gone", at=now)
    authenticator = Authenticator(users)

    for token, reason in ((old, "token expired"), (gone, "token revoked")):
        with pytest.raises(Unauthenticated, match=reason):
            await authenticator.authenticate(f"Bearer {token}")


async def test_a_technician_needs_their_id_and_only_technicians_have_one() -> None:
    users = FakeUserStore()
    with pytest.raises(InvalidUser, match="technician id"):
        await issue_token(users, "tech", Role.TECHNICIAN)
    with pytest.raises(InvalidUser, match="only technicians"):
        await issue_token(users, "boss", Role.SUPERVISOR, technician_id="T001")
    with pytest.raises(InvalidUser, match="user name"):
        await issue_token(users, "Robert'); DROP", Role.OPS)
    token = await issue_token(users, "t1", Role.TECHNICIAN, technician_id="T001")
    identity = await Authenticator(users).authenticate(f"Bearer {token}")
    assert identity.technician_id == "T001"


async def test_the_user_store_can_be_turned_off() -> None:
    users = FakeUserStore()
    token = await issue_token(users, "ops", Role.OPS)
    with pytest.raises(Unauthenticated, match="turned off"):
        await Authenticator(None).authenticate(f"Bearer {token}")


async def test_demo_tokens_cover_every_role_and_replace_the_previous_demo() -> None:
    users = FakeUserStore()
    first = await issue_demo_tokens(users)
    second = await issue_demo_tokens(users)
    authenticator = Authenticator(users)

    assert {role for role, _ in second.values()} == set(Role)
    for name, (role, token) in second.items():
        identity = await authenticator.authenticate(f"Bearer {token}")
        assert identity.role is role and identity.subject == name
    with pytest.raises(Unauthenticated):
        await authenticator.authenticate(f"Bearer {first['demo-ops'][1]}")


# --- OIDC ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(scope="module")
def jwks_url(key: rsa.RSAPrivateKey) -> Iterator[str]:
    public = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key()))
    body = json.dumps({"keys": [{**public, "kid": "k1", "use": "sig", "alg": "RS256"}]}).encode()

    class Keys(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Keys)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/certs"
    server.shutdown()


def access_token(key: rsa.RSAPrivateKey, **overrides: Any) -> str:
    now = int(time.time())
    claims = {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": "7f3a",
        "name": "王芳",
        "exp": now + 300,
        "iat": now,
        "roles": ["offline_access", "technician"],
        "technician_id": "T001",
        **overrides,
    }
    claims = {k: v for k, v in claims.items() if v is not None}
    return jwt.encode(claims, key, algorithm="RS256", headers={"kid": "k1"})


@pytest.fixture
def oidc(jwks_url: str) -> Authenticator:
    verifier = OidcVerifier(
        OidcSettings(issuer=ISSUER, jwks_url=jwks_url, audience=AUDIENCE, leeway_s=30)
    )
    return Authenticator(FakeUserStore(), verifier)


async def test_a_providers_token_becomes_an_identity_with_its_role(
    oidc: Authenticator, key: rsa.RSAPrivateKey
) -> None:
    identity = await oidc.authenticate(f"Bearer {access_token(key)}")
    assert identity.role is Role.TECHNICIAN and identity.technician_id == "T001"
    assert identity.subject == "7f3a" and identity.source == "oidc"
    within_leeway = access_token(key, exp=int(time.time()) - 10)
    assert (await oidc.authenticate(f"Bearer {within_leeway}")).subject == "7f3a"


async def test_provider_tokens_that_must_not_pass(
    oidc: Authenticator, key: rsa.RSAPrivateKey
) -> None:
    public_pem = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    other_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    now = int(time.time())
    claims = {"iss": ISSUER, "aud": AUDIENCE, "sub": "x", "exp": now + 300, "roles": "ops"}
    cases = {
        "token is for another audience": access_token(key, aud="another-app"),
        "token is from another issuer": access_token(key, iss="https://evil.example"),
        "token expired": access_token(key, exp=now - 120),
        "no hub role": access_token(key, roles=["offline_access"]),
        "needs claim 'technician_id'": access_token(key, technician_id=None),
        "invalid token": jwt.encode(claims, other_key, algorithm="RS256", headers={"kid": "k1"}),
        "unknown key": jwt.encode(claims, key, algorithm="RS256", headers={"kid": "k9"}),
        "alg none": jwt.encode(claims, None, algorithm="none", headers={"kid": "k1"}),
    }
    for expected, token in cases.items():
        with pytest.raises(Unauthenticated) as refused:
            await oidc.authenticate(f"Bearer {token}")
        if expected != "alg none":
            assert expected.split()[-1] in refused.value.reason or expected in refused.value.reason
    # HS256 "signed" with the provider's public key (the classic key-confusion attack)
    import base64
    import hashlib
    import hmac

    header = base64.urlsafe_b64encode(b'{"alg":"HS256","typ":"JWT","kid":"k1"}').rstrip(b"=")
    payload = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=")
    signature = hmac.new(public_pem, header + b"." + payload, hashlib.sha256).digest()
    forged = b".".join([header, payload, base64.urlsafe_b64encode(signature).rstrip(b"=")])
    with pytest.raises(Unauthenticated):
        await oidc.authenticate(f"Bearer {forged.decode()}")


def test_listening_beyond_loopback_needs_an_identity_provider_or_a_conscious_choice() -> None:
    plain = Settings()
    assert plain.unsafe_listen_reason("127.0.0.1") is None
    assert plain.unsafe_listen_reason("::1") is None
    assert plain.unsafe_listen_reason("localhost") is None
    reason = plain.unsafe_listen_reason("0.0.0.0")
    assert reason and "HUB_OIDC_ISSUER" in reason and "HUB_AUTH_USER_STORE_ON_NETWORK" in reason
    with_idp = Settings(oidc_issuer=ISSUER, oidc_jwks_url="https://idp/certs", oidc_audience="a")
    assert with_idp.unsafe_listen_reason("0.0.0.0") is None
    assert Settings(auth_user_store_on_network=True).unsafe_listen_reason("10.0.0.5") is None
    with pytest.raises(ValueError, match="HUB_OIDC_JWKS_URL"):
        Settings(oidc_issuer=ISSUER)
