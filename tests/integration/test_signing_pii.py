"""S8: no phone numbers, signing tokens or one-time codes in logs, parking headers or SMS texts.

The whole signing flow runs against the started hub (broker, relay, SMS consumer) behind a real
uvicorn server, so the ASGI access log is captured too; failures are injected so that errors,
parked messages and refused requests are logged.
"""

from __future__ import annotations

import io
import logging
import re
from collections.abc import AsyncIterator, Iterator

import aio_pika
import httpx
import pytest
import structlog
from pydantic import AnyHttpUrl

from hub.bootstrap import Hub
from hub.config import Settings
from hub.logging import configure, flush, shutdown
from schemas.v1 import SendSigningLink
from tests import factories
from tests.helpers import callers, eventually, publish
from tests.integration.signing_support import (
    CODE,
    LINK,
    SIGN,
    Customer,
    latest_code,
    link_id_of,
    order_on_site,
    report_of,
    send_link,
    served,
    sms_log_bodies,
    wait_for_sms,
)

pytestmark = pytest.mark.integration
ORDERS = 30  # the R2-scale run (1,000 numbers) scaled to what fits the shared 2 cores


@pytest.fixture(params=["sqlite"])  # logging does not depend on the database
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def port(unused_tcp_port: int) -> int:
    return unused_tcp_port


@pytest.fixture
def settings(settings: Settings, port: int) -> Settings:
    url = AnyHttpUrl(f"http://127.0.0.1:{port}")
    return settings.model_copy(update={"public_base_url": url})


@pytest.fixture
def captured_logs() -> Iterator[io.StringIO]:
    """Every log line of the hub, its libraries and uvicorn, as the console renders them."""
    buffer = io.StringIO()
    # Earlier tests in the session may have served uvicorn with its own logging config, which
    # leaves its loggers with handlers of their own and propagation off: reset them to the root.
    for name in ("uvicorn", "uvicorn.access", "uvicorn.error"):
        uvicorn_logger = logging.getLogger(name)
        uvicorn_logger.handlers = []
        uvicorn_logger.propagate = True
        uvicorn_logger.disabled = False
        uvicorn_logger.setLevel(logging.NOTSET)
    configure(level=logging.DEBUG, stream=buffer)
    client_sides = [logging.getLogger(name) for name in ("httpx", "httpcore")]
    earlier_levels = [logger.level for logger in client_sides]
    for logger in client_sides:  # the test's own HTTP client, not the hub
        logger.setLevel(logging.WARNING)
    yield buffer
    for logger, level in zip(client_sides, earlier_levels, strict=True):
        logger.setLevel(level)
    shutdown()
    structlog.reset_defaults()
    logging.getLogger().handlers = []


@pytest.fixture
async def server(hub: Hub, port: int, captured_logs: io.StringIO) -> AsyncIterator[str]:
    async with served(hub, port) as url:
        yield url


async def test_s8_no_phone_token_or_code_reaches_logs_parking_headers_or_sms_texts(
    hub: Hub, server: str, captured_logs: io.StringIO
) -> None:
    order_ids = [f"WO-S8-{n:03d}" for n in range(ORDERS)]
    link = re.compile(re.escape(server) + r"/s/([A-Za-z0-9_-]{43})")
    async with httpx.AsyncClient(base_url=server, timeout=60, auth=callers(hub)) as client:
        for order_id in order_ids:
            await order_on_site(client, order_id)
            await send_link(client, order_id)
            [text] = (await wait_for_sms(hub, f"signing-link:{order_id}:")).values()
            found = link.search(text)
            assert found
            await _customer_flow(hub, client, order_id, found.group(1))
        await _inject_failures(hub, client)

    async def all_texts_sent() -> bool:
        return len(await sms_log_bodies(hub, "signing-")) >= ORDERS * 3

    await eventually(all_texts_sent, timeout=60)
    parked = await _parked_headers(hub, "signing.send_link")
    assert parked, "the injected bad messages were not parked (the test would be vacuous)"

    sms_texts = await sms_log_bodies(hub, "")
    tokens = {m.group(1) for t in sms_texts if (m := LINK.search(t) or link.search(t))}
    codes = {m.group(1) for t in sms_texts if (m := CODE.search(t))}
    phones = {factories.create_order(o).contact.phone for o in order_ids}
    phones.add(factories.technician().phone)
    flush()  # lines are written by the log thread
    logs = captured_logs.getvalue()
    headers = "\n".join(parked)
    assert len(tokens) >= ORDERS and len(codes) >= ORDERS and "GET /s/<token>" in logs

    assert _found(phones, logs) == [] and _found(phones, headers) == []
    assert _found(phones, "\n".join(sms_texts)) == []
    leaks = [line for line in logs.splitlines() if any(t in line for t in tokens)]
    assert leaks == [] and _found(tokens, headers) == []
    assert _codes_in(codes, logs) == [] and _codes_in(codes, headers) == []
    assert not any(line.startswith("FORGED") for line in logs.splitlines())
    print(
        f"S8: {ORDERS} orders, {len(phones)} phones, {len(tokens)} tokens, {len(codes)} codes, "
        f"{len(logs.splitlines())} log lines, {len(parked)} parked messages: 0 found"
    )


async def _customer_flow(hub: Hub, client: httpx.AsyncClient, order_id: str, token: str) -> None:
    client.cookies.clear()
    customer = Customer(hub, client, token)
    assert (await customer.open()).status_code == 200
    assert (await customer.request_code()).status_code == 200
    link_id = await link_id_of(hub, order_id)
    code = await latest_code(hub, link_id)
    assert (await customer.enter_code(f"{(int(code) + 1) % 1_000_000:06d}")).status_code == 400
    assert (await customer.request_code()).status_code == 200  # a resend
    code = await latest_code(hub, link_id, 2)
    assert (await customer.enter_code(code)).status_code in (200, 303)
    version, sha256 = report_of((await customer.view_report()).text)
    bad = await customer.sign(version=version, sha256=sha256, signature="data:image/png;base64,AA")
    assert bad.status_code == 422
    assert (await customer.sign(version=version, sha256=sha256)).status_code == 202


async def _inject_failures(hub: Hub, client: httpx.AsyncClient) -> None:
    phone = factories.create_order("WO-S8-000").contact.phone
    await publish(hub, SendSigningLink(order_id="WO-S8-UNKNOWN"))  # NotFound: retried, parked
    body = b'{"order_id": "WO-S8-000", "phone": "' + phone.encode() + b'"}'  # invalid: parked
    await hub.broker.publish(
        body,
        exchange=hub.topology.bus,
        routing_key="cmd.signing.send_link",
        message_id="s8-invalid",
        content_type="application/json",
        persist=True,
    )
    await client.get("/s/not-a-token%0d%0aFORGED log line")
    await client.post(f"{SIGN}/WO-S8-UNKNOWN/remote-signing", json={})
    await client.post(f"{SIGN}/WO-S8-000/remote-signing", json={"reissue": "yes" + phone})


async def _parked_headers(hub: Hub, consumer: str) -> list[str]:
    """The headers of the messages parked for `consumer`, once at least two are there."""
    name = hub.topology.parking_queue(consumer).name
    found: list[str] = []

    async def two_parked() -> bool:
        connection = await aio_pika.connect(hub.settings.amqp_url)
        async with connection:
            channel = await connection.channel()
            queue = await channel.declare_queue(name, passive=True)
            while (message := await queue.get(fail=False, no_ack=True)) is not None:
                found.append(repr(message.headers))
        return len(found) >= 2

    await eventually(two_parked, timeout=30, interval=0.5)
    return found


def _found(secrets: set[str], text: str) -> list[str]:
    return sorted(s for s in secrets if s in text)


def _codes_in(codes: set[str], text: str) -> list[str]:
    """Six-digit codes standing alone (not part of a longer number, a time or a key=value)."""
    return sorted(c for c in codes if re.search(rf"(?<![\w.:=+-]){c}(?!\w)", text))
