"""Helpers for the signing tests: an order on site with a report, the SMS link, a customer."""

from __future__ import annotations

import asyncio
import base64
import io
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
import uvicorn
from PIL import Image, ImageDraw
from pydantic import BaseModel
from sqlalchemy import func, select, update

from hub.bootstrap import Hub, bootstrap
from hub.cli.web_app import uvicorn_config
from hub.config import Settings
from hub.db.tables import outbox, signatures, signing_audit
from hub.messaging.subscriptions import SUBSCRIPTIONS
from hub.messaging.topology import message_type
from schemas.v1 import RenderReport, SendSigningLink, SendSms
from tests import factories
from tests.fakes.standin_oracles import SmsRecords, close_standins
from tests.helpers import callers, eventually, web_app

BASE_URL = "https://sign.hub.example.cn"
ORDERS = "/api/v1/work-orders"
TECH = "/api/v1/technicians/T001/orders"
SIGN = "/api/v2/technicians/T001/orders"  # the field app's signing routes (v2)
ON_SITE = {"position": {"lat": factories.SITE.lat, "lon": factories.SITE.lon}}
LINK = re.compile(re.escape(BASE_URL) + r"/s/([A-Za-z0-9_-]{43})")
CODE = re.compile(r"验证码 (\d{6})")
CSRF = re.compile(r'name="csrf" value="([0-9a-f]{64})"')
SHA = re.compile(r'name="report_sha256" value="([0-9a-f]{64})"')
VERSION = re.compile(r'name="report_version" value="(\d+)"')


class HubClient(httpx.AsyncClient):
    """A client of one hub's web app; `hub` lets helpers do a quiet hub's worker part."""

    def __init__(self, hub: Hub, **options: Any) -> None:
        super().__init__(**options)
        self.hub = hub


def client_for(hub: Hub, *, ip: str = "203.0.113.7") -> HubClient:
    """A browser-like client of the hub's web app, at the public base URL, from `ip`."""
    transport = httpx.ASGITransport(app=web_app(hub), client=(ip, 50000))
    return HubClient(hub, transport=transport, base_url=BASE_URL, timeout=60, auth=callers(hub))


async def order_on_site(client: httpx.AsyncClient, order_id: str) -> None:
    """Open, dispatch and check in an order, as the support system and the field app do."""
    created = await client.post(
        ORDERS, json=factories.create_order(order_id).model_dump(mode="json")
    )
    assert created.status_code == 202, created.text
    body = factories.dispatch(order_id).model_dump(mode="json")
    assert (await client.post(f"{ORDERS}/{order_id}/dispatch", json=body)).status_code == 200
    checked = await client.post(f"{TECH}/{order_id}/check-in", json=ON_SITE)
    assert checked.status_code == 200, checked.text


async def send_link(client: httpx.AsyncClient, order_id: str, *, reissue: bool = False) -> dict:  # type: ignore[type-arg]
    """The technician's "send for signing"; if the answer is `preparing` (the worker renders,
    then texts the link), the worker's part is done here for a hub that is not started."""
    response = await client.post(f"{SIGN}/{order_id}/remote-signing", json={"reissue": reissue})
    assert response.status_code == 202, response.text
    body = response.json()
    if body["status"] == "preparing" and isinstance(client, HubClient):
        await run_worker(client.hub, SendSigningLink)
    return body  # type: ignore[no-any-return]


async def when_ready(hub: Hub, call: Callable[[], Awaitable[httpx.Response]]) -> httpx.Response:
    """A field-app call that answers 202 `preparing` while the worker renders the report: the
    worker's part is done (a quiet hub's due timer fired, its render run), then asked again."""
    answer = await call()
    if answer.status_code == 202 and answer.json().get("status") == "preparing":
        assert answer.headers["retry-after"]
        await hub.scheduler.fire_due()
        await run_worker(hub, RenderReport)
        answer = await call()
    return answer


async def report_when_ready(hub: Hub, client: httpx.AsyncClient, order_id: str) -> dict:  # type: ignore[type-arg]
    """The field app's GET …/report, once the report is rendered."""
    answer = await when_ready(hub, lambda: client.get(f"{SIGN}/{order_id}/report"))
    assert answer.status_code == 200, answer.text
    return answer.json()  # type: ignore[no-any-return]


async def run_worker(hub: Hub, *kinds: type[BaseModel]) -> int:
    """What a worker does with the commands of these types a quiet hub left in its outbox:
    each goes to its consumer's handle (as an AMQP delivery would), then the row is marked
    published. Returns how many ran."""
    names = [message_type(kind) for kind in kinds]
    ran = 0
    async with hub.db.read() as conn:
        rows = (
            await conn.execute(
                select(outbox.c.id, outbox.c.message_type, outbox.c.body)
                .where(outbox.c.message_type.in_(names), outbox.c.sent_at.is_(None))
                .order_by(outbox.c.created_at, outbox.c.id)
            )
        ).all()
    by_name = {message_type(kind): kind for kind in kinds}
    for row in rows:
        async with hub.db.write() as conn:  # taken, unless a started hub's relay has it
            taken = await conn.execute(
                update(outbox)
                .where(outbox.c.id == row.id, outbox.c.sent_at.is_(None))
                .values(sent_at=datetime.now(UTC))
            )
        if taken.rowcount != 1:
            continue
        message = by_name[row.message_type].model_validate_json(row.body)
        consumer = next(s.consumer for s in SUBSCRIPTIONS if s.message is type(message))
        await hub.commands.handle(consumer)(message, row.id)
        ran += 1
    return ran


async def sms_log_bodies(hub: Hub, sms_prefix: str) -> list[str]:
    """What the local SMS platform 'delivered' (the customer's phone) for SMS ids with this
    prefix, read from the platform's own storage."""
    return await SmsRecords.of(hub.sms_sender).bodies(sms_prefix)


async def outbox_sms(hub: Hub, sms_prefix: str = "") -> list[SendSms]:
    """The SendSms commands the hub decided to send and has not published yet, oldest first.

    Once published, a row keeps only a redacted body; a quiet hub publishes nothing.
    """
    async with hub.db.read() as conn:
        rows = await conn.execute(
            select(outbox.c.body)
            .where(outbox.c.message_type == "SendSms.v1", outbox.c.sent_at.is_(None))
            .order_by(outbox.c.created_at, outbox.c.id)
        )
        commands = [SendSms.model_validate_json(r.body) for r in rows]
    return [c for c in commands if c.sms_id.startswith(sms_prefix)]


def text_of(hub: Hub, sms: SendSms) -> str:
    """The text of a queued SMS: a link or a code travels sealed, so it is opened here."""
    if sms.sealed_body is not None:
        return hub.signing.sealer.open(sms.sealed_body)
    assert sms.body is not None
    return sms.body


async def sms_texts(hub: Hub, sms_prefix: str) -> dict[str, str]:
    """Texts by SMS id: still waiting in the outbox, or received by the customer's phone.

    A quiet hub's texts stay in the outbox; a started hub's reach the local SMS platform.
    """
    waiting = {c.sms_id: text_of(hub, c) for c in await outbox_sms(hub, sms_prefix)}
    delivered = await SmsRecords.of(hub.sms_sender).texts(sms_prefix)
    return waiting | dict(delivered)


async def wait_for_sms(hub: Hub, sms_prefix: str, count: int = 1) -> dict[str, str]:
    """Texts by SMS id with this prefix, once `count` were seen waiting or received.

    A text seen waiting is kept: the relay may publish it before the SMS platform keeps it.
    """
    seen: dict[str, str] = {}

    async def arrived() -> bool:
        seen.update(await sms_texts(hub, sms_prefix))
        return len(seen) >= count

    await eventually(arrived, timeout=20)
    return seen


async def link_token(hub: Hub, order_id: str, *, issue: int = 1, version: int = 1) -> str:
    texts = await wait_for_sms(hub, f"signing-link:{order_id}:v{version}:{issue}")
    found = LINK.search(list(texts.values())[-1])
    assert found, "the SMS carries no link"
    return found.group(1)


async def latest_code(hub: Hub, link_id: str, count: int = 1) -> str:
    """The newest code texted for a link (the highest code number), once `count` were sent."""
    texts = await wait_for_sms(hub, f"signing-code:{link_id}:", count)
    newest = max(texts, key=lambda sms_id: int(sms_id.rsplit(":", 1)[1]))
    found = CODE.search(texts[newest])
    assert found
    return found.group(1)


class Clock:
    """A clock the test moves; the hub reads it for every transaction."""

    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
async def quiet_hub(settings: Settings, clock: Clock) -> AsyncIterator[Hub]:
    """A hub that is not started: web requests and the database, no broker, no relay.

    What it would send stays in the outbox, where the tests read it.
    """
    the_hub = bootstrap(settings, clock=clock)
    yield the_hub
    await the_hub.reports.close()
    await close_standins(
        the_hub.work_order_system, the_hub.inventory, the_hub.billing, the_hub.sms_sender
    )
    await the_hub.db.dispose()


def csrf_of(html: str) -> str:
    found = CSRF.search(html)
    assert found, "no CSRF token on the page"
    return found.group(1)


def signature_data_url(*, blank: bool = False) -> str:
    image = Image.new("RGBA", (600, 200), (0, 0, 0, 0))
    if not blank:
        ImageDraw.Draw(image).line((30, 150, 200, 40, 330, 160, 560, 50), fill="black", width=5)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return "data:image/png;base64," + base64.b64encode(out.getvalue()).decode()


@dataclass
class Customer:
    """A customer's browser on one link: its cookies live in `client`."""

    hub: Hub
    client: httpx.AsyncClient
    token: str
    csrf: str = ""
    pages: list[str] = field(default_factory=list)

    @property
    def base(self) -> str:
        return f"/s/{self.token}"

    async def open(self) -> httpx.Response:
        response = await self.client.get(self.base)
        if response.status_code == 200 and CSRF.search(response.text):
            self.csrf = csrf_of(response.text)
        return response

    async def request_code(self) -> httpx.Response:
        return await self.client.post(f"{self.base}/code", data={"csrf": self.csrf})

    async def enter_code(self, code: str) -> httpx.Response:
        return await self.client.post(f"{self.base}/verify", data={"csrf": self.csrf, "code": code})

    async def view_report(self) -> httpx.Response:
        response = await self.client.get(f"{self.base}/report")
        if response.status_code == 200 and CSRF.search(response.text):
            self.csrf = csrf_of(response.text)
        return response

    async def sign(
        self, *, version: int, sha256: str, signature: str | None = None
    ) -> httpx.Response:
        return await self.client.post(
            f"{self.base}/sign",
            data={
                "csrf": self.csrf,
                "report_version": str(version),
                "report_sha256": sha256,
                "signer_name": "张伟",
                "confirm": "yes",
                "signature": signature or signature_data_url(),
            },
        )


async def verified_customer(
    hub: Hub, client: httpx.AsyncClient, token: str, link_id: str
) -> Customer:
    """A customer who opened the link, asked for a code and entered it."""
    customer = Customer(hub, client, token)
    assert (await customer.open()).status_code == 200
    assert (await customer.request_code()).status_code == 200
    code = await latest_code(hub, link_id)
    verified = await customer.enter_code(code)
    assert verified.status_code == 303, verified.text
    return customer


def report_of(html: str) -> tuple[int, str]:
    version, sha = VERSION.search(html), SHA.search(html)
    assert version and sha, "the report page shows no version and hash"
    return int(version.group(1)), sha.group(1)


async def count(hub: Hub, table: object, *where: object) -> int:
    async with hub.db.read() as conn:
        query = select(func.count()).select_from(table)
        for clause in where:
            query = query.where(clause)
        return int(await conn.scalar(query) or 0)


async def signature_count(hub: Hub, order_id: str) -> int:
    return await count(
        hub, signatures, signatures.c.order_id == order_id, signatures.c.status == "signed"
    )


async def report_signed_events(hub: Hub, order_id: str) -> int:
    return await count(
        hub, outbox, outbox.c.message_type == "ReportSigned.v1", outbox.c.correlation_id == order_id
    )


async def audit_kinds(hub: Hub, order_id: str) -> list[str]:
    async with hub.db.read() as conn:
        rows = await conn.execute(
            select(signing_audit.c.kind)
            .where(signing_audit.c.order_id == order_id)
            .order_by(signing_audit.c.id)
        )
        return [r.kind for r in rows]


async def link_id_of(hub: Hub, order_id: str, *, channel: str = "remote") -> str:
    """The order's newest link id (not a secret: the token is)."""
    from hub.db.tables import signing_links

    async with hub.db.read() as conn:
        found = await conn.scalar(
            select(signing_links.c.link_id)
            .where(signing_links.c.order_id == order_id, signing_links.c.channel == channel)
            .order_by(
                signing_links.c.created_at.desc(),
                signing_links.c.report_version.desc(),
                signing_links.c.issue_no.desc(),
            )
            .limit(1)
        )
    assert found, f"order {order_id} has no {channel} link"
    return str(found)


@asynccontextmanager
async def served(hub: Hub, port: int, *, access_log: bool = True) -> AsyncIterator[str]:
    """The hub's web app on a real uvicorn server on 127.0.0.1:`port` (its base URL), set up
    as `hub web` sets it up (its keep-alive outlasts the clients': with uvicorn's default, equal
    to httpx's, a simulated customer's request now and then met a closing connection)."""
    config = uvicorn_config(web_app(hub), host="127.0.0.1", port=port)
    config.access_log = access_log
    web = uvicorn.Server(config)
    task = asyncio.create_task(web.serve())

    async def started() -> bool:
        return bool(web.started)

    await eventually(started, timeout=20, interval=0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        web.should_exit = True
        await task
