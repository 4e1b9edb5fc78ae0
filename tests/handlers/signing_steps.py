"""The customer's remote signing, step by step, as the signing pages drive `SigningService`."""

from __future__ import annotations

import re

from hub.domain.signing import SigningLink
from hub.ports import SignatureRecord
from hub.signing.context import RequestContext
from schemas.v1 import RenderSignedReport, SendSms
from tests.handlers.harness import FakeHub, signature_data_url

CUSTOMER = RequestContext.of("203.0.113.5", "Mozilla/5.0 (iPhone)")
_TOKEN = re.compile(r"/s/([A-Za-z0-9_-]{43})")
_CODE = re.compile(r"验证码 (\d{6})")


def texts(hub: FakeHub, purpose: str) -> list[SendSms]:
    """The SMS the hub published for `purpose`, oldest first."""
    return [s for s in hub.tables.published(SendSms) if s.purpose == purpose]


def text_of(hub: FakeHub, sms: SendSms) -> str:
    """What the customer's phone shows: the text, opened from its seal if it carries a secret."""
    assert sms.body is None and sms.sealed_body, "a link or a code must never travel in clear"
    return hub.use_cases.signing.sealer.open(sms.sealed_body)


def last_token(hub: FakeHub, purpose: str = "signing_link") -> str:
    match = _TOKEN.search(text_of(hub, texts(hub, purpose)[-1]))
    assert match is not None, "no link in the SMS"
    return match[1]


def last_code(hub: FakeHub) -> str:
    match = _CODE.search(text_of(hub, texts(hub, "signing_code")[-1]))
    assert match is not None, "no code in the SMS"
    return match[1]


async def open_link(hub: FakeHub, token: str | None = None) -> SigningLink:
    """The link the customer's SMS opens (the latest one unless `token` is given)."""
    link = await hub.use_cases.signing.records.resolve(token or last_token(hub))
    assert link is not None
    return link


async def verified_link(hub: FakeHub, order_id: str) -> tuple[SigningLink, str]:
    """Link sent, opened, code requested and typed in: the link and the session id."""
    signing = hub.use_cases.signing
    await signing.send_link(order_id)
    link = await open_link(hub)
    await signing.request_code(link, CUSTOMER)
    session = await signing.check_code(link, last_code(hub), CUSTOMER)
    return link, session


async def sign(
    hub: FakeHub, link: SigningLink, *, signer: str = "张伟", close_out: bool = True
) -> SignatureRecord:
    """Sign the report the link shows, as viewed; the worker then renders the signed PDF (and
    takes the close-out's first step, unless `close_out` is False: left to `ReportSigned`)."""
    accepted = await accept(hub, link, signer=signer)
    if close_out:
        await hub.deliver(RenderSignedReport)
    else:
        for sent in [m for m in hub.tables.outbox if isinstance(m.message, RenderSignedReport)]:
            if sent.message_id not in hub.delivered:
                await hub.use_cases.signing.complete_signature(sent.message)
                hub.delivered.add(sent.message_id)
    record = await hub.use_cases.signing.records.signature(accepted.order_id)
    assert record is not None
    return record


async def accept(hub: FakeHub, link: SigningLink, *, signer: str = "张伟") -> SignatureRecord:
    """The signing page's POST: the signature accepted, its PDF not rendered yet."""
    signing = hub.use_cases.signing
    report = await signing.report_for(link)
    return await signing.sign(
        link,
        version=report.version,
        sha256=report.sha256,
        signer_name=signer,
        signature_data_url=signature_data_url(),
        ctx=CUSTOMER,
    )


async def signed_remotely(
    hub: FakeHub, order_id: str = "WO-1", *, close_out: bool = True
) -> SignatureRecord:
    """A checked-in order, its report signed by the customer over an SMS link."""
    await hub.checked_in(order_id)
    link, _ = await verified_link(hub, order_id)
    return await sign(hub, link, close_out=close_out)


def tamper(hub: FakeHub, sha256: str) -> None:
    """Change a stored PDF's bytes (its name, the hash, stays)."""
    path = hub.store.path_for(sha256)
    path.write_bytes(path.read_bytes() + b"\n%tampered")
