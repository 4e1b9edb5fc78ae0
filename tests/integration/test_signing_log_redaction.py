"""A signing step that crashes logs its traceback with no token, code, session or phone in it.

A real customer flow on the signing pages (quiet hub, the app over ASGI); then the signing
service fails unexpectedly in the middle of a step, with the secrets of that step in the
exception's message and in its locals. The captured log is what an operator would read.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator

import pytest
import structlog
from pydantic import AnyHttpUrl

from hub.bootstrap import Hub
from hub.config import Settings
from hub.log_redaction import mask_digits
from hub.logging import configure, flush, shutdown
from tests import factories
from tests.integration.signing_support import (
    BASE_URL,
    Customer,
    client_for,
    clock,
    latest_code,
    link_id_of,
    link_token,
    order_on_site,
    quiet_hub,
    send_link,
)

__all__ = ["clock", "quiet_hub"]  # fixtures
pytestmark = pytest.mark.integration
ORDER = "WO-REDACT-1"
API_TOKEN = "hub_Q2xLr7pTz9mW4vB8nK3dF6hJ"


@pytest.fixture(params=["sqlite"])  # logging does not depend on the database
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"public_base_url": AnyHttpUrl(BASE_URL)})


@pytest.fixture
def captured_logs() -> Iterator[io.StringIO]:
    buffer = io.StringIO()
    configure(level=logging.DEBUG, stream=buffer)
    yield buffer
    shutdown()
    structlog.reset_defaults()


class SigningCrash(RuntimeError):
    """What a bug deep in the signing service would raise."""


def crashing(token: str, code: str, phone: str, session: str) -> object:
    async def step(*_args: object, **_kwargs: object) -> None:
        link_url = f"{BASE_URL}/s/{token}"  # locals a locals-printing renderer would show
        cookie = f"__Host-hub_sign={session}"
        raise SigningCrash(
            f"could not check 验证码 {code} for {phone} via {link_url} "
            f"(Cookie: {cookie}; Authorization: Bearer {API_TOKEN})"
        )

    return step


async def test_a_crash_in_a_signing_step_logs_no_token_code_session_or_phone(
    quiet_hub: Hub, captured_logs: io.StringIO, monkeypatch: pytest.MonkeyPatch
) -> None:
    phone = factories.create_order(ORDER).contact.phone
    async with client_for(quiet_hub) as client:
        await order_on_site(client, ORDER)
        await send_link(client, ORDER)
        token = await link_token(quiet_hub, ORDER)
        customer = Customer(quiet_hub, client, token)
        assert (await customer.open()).status_code == 200
        assert (await customer.request_code()).status_code == 200
        code = await latest_code(quiet_hub, await link_id_of(quiet_hub, ORDER))
        session = client.cookies["__Host-hub_sign"]
        monkeypatch.setattr(quiet_hub.signing, "check_code", crashing(token, code, phone, session))
        crashed = await customer.enter_code(code)
        monkeypatch.setattr(
            quiet_hub.signing, "request_code", crashing(token, code, phone, session)
        )
        crashed_again = await customer.request_code()
    flush()
    logs = captured_logs.getvalue()

    assert crashed.status_code == 500 and crashed_again.status_code == 500
    assert crashed.json() == {
        "detail": "internal error",
        "request_id": crashed.headers["x-request-id"],
    }
    assert logs.count("SigningCrash: could not check") == 2  # the tracebacks are there
    assert crashed.headers["x-request-id"] in logs
    for secret in (token, code, phone, session, API_TOKEN):
        assert secret not in logs, f"{secret[:6]}… reached the log"
    assert f"+{mask_digits(phone[1:])}" in logs
    assert "验证码 ******" in logs and "/s/<token>" in logs
    assert "__Host-hub_sign=<session>" in logs and "Bearer <secret>" in logs
