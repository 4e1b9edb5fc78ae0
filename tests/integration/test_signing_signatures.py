"""S7: tamper evidence and idempotent signing; on-site signing; downloads after signing."""

from __future__ import annotations

import asyncio
import io
from datetime import UTC

import pytest
from pydantic import AnyHttpUrl
from pypdf import PdfReader

from hub.bootstrap import Hub
from hub.config import Settings
from schemas.v1 import RenderSignedReport
from tests import delivery_factories as df
from tests.integration.signing_support import (
    BASE_URL,
    SIGN,
    TECH,
    Customer,
    audit_kinds,
    client_for,
    clock,
    latest_code,
    link_id_of,
    link_token,
    order_on_site,
    quiet_hub,
    report_of,
    report_signed_events,
    report_when_ready,
    run_worker,
    send_link,
    signature_count,
    signature_data_url,
    verified_customer,
    when_ready,
)

pytestmark = pytest.mark.integration
__all__ = ["clock", "quiet_hub"]  # fixtures

CONCURRENT_SIGNS = 10
PING = {"ping": df.GOOD_PING.model_dump(mode="json")}


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"public_base_url": AnyHttpUrl(BASE_URL)})


async def ready_to_sign(hub: Hub, client: object, order_id: str) -> tuple[Customer, int, str]:
    """A verified customer looking at the report: its version and SHA-256."""
    await order_on_site(client, order_id)  # type: ignore[arg-type]
    await send_link(client, order_id)  # type: ignore[arg-type]
    token = await link_token(hub, order_id)
    customer = await verified_customer(hub, client, token, await link_id_of(hub, order_id))  # type: ignore[arg-type]
    view = await customer.view_report()
    assert view.status_code == 200, view.text
    version, sha256 = report_of(view.text)
    return customer, version, sha256


async def test_s7_ten_concurrent_and_replayed_sign_posts_make_exactly_one_signature(
    quiet_hub: Hub,
) -> None:
    async with client_for(quiet_hub) as client:
        customer, version, sha256 = await ready_to_sign(quiet_hub, client, "WO-S7-ONE")
        async with client_for(quiet_hub) as tab2_client:  # a second tab: its own session
            tab2_client.cookies = client.cookies
            tab2 = Customer(quiet_hub, tab2_client, customer.token, csrf=customer.csrf)
            answers = await asyncio.gather(
                *(
                    (customer if n % 2 else tab2).sign(version=version, sha256=sha256)
                    for n in range(CONCURRENT_SIGNS)
                )
            )
        replay = await customer.sign(version=version, sha256=sha256)
    statuses = sorted(a.status_code for a in answers)
    assert statuses.count(202) == 1 and statuses.count(409) == CONCURRENT_SIGNS - 1
    assert replay.status_code == 409
    assert await run_worker(quiet_hub, RenderSignedReport) == 1
    assert await signature_count(quiet_hub, "WO-S7-ONE") == 1
    assert await report_signed_events(quiet_hub, "WO-S7-ONE") == 1
    assert (await audit_kinds(quiet_hub, "WO-S7-ONE")).count("signed") == 1


async def test_s7_a_hash_other_than_the_one_viewed_or_an_older_version_is_409(
    quiet_hub: Hub,
) -> None:
    async with client_for(quiet_hub) as client:
        customer, version, sha256 = await ready_to_sign(quiet_hub, client, "WO-S7-SWAP")
        swapped = await customer.sign(version=version, sha256="0" * 64)
        assert swapped.status_code == 409

        # the technician runs another test: the report gets a new version meanwhile
        ping = await client.post(f"{TECH}/WO-S7-SWAP/tests/ping", json=PING)
        assert ping.status_code == 201, ping.text
        stale = await customer.sign(version=version, sha256=sha256)
        assert stale.status_code == 409
        assert "已更新" in stale.text or "已变更" in stale.text
        assert await signature_count(quiet_hub, "WO-S7-SWAP") == 0
        assert await report_signed_events(quiet_hub, "WO-S7-SWAP") == 0

        # the technician sends the new version: the old link is revoked, the new one signs
        await send_link(client, "WO-S7-SWAP")
        assert (await client.get(customer.base)).status_code == 410
        token = await link_token(quiet_hub, "WO-S7-SWAP", version=2)
        fresh = await verified_customer(
            quiet_hub, client, token, await link_id_of(quiet_hub, "WO-S7-SWAP")
        )
        new_version, new_sha = report_of((await fresh.view_report()).text)
        assert (new_version, new_sha != sha256) == (version + 1, True)
        assert (await fresh.sign(version=new_version, sha256=new_sha)).status_code == 202


async def test_s7_empty_or_non_image_signatures_are_422_and_sign_nothing(
    quiet_hub: Hub,
) -> None:
    async with client_for(quiet_hub) as client:
        customer, version, sha256 = await ready_to_sign(quiet_hub, client, "WO-S7-IMG")
        for bad in (
            "",
            signature_data_url(blank=True),
            "data:image/png;base64,PHN2Zz48L3N2Zz4=",
            "data:image/svg+xml;base64,PHN2Zz48L3N2Zz4=",
            "javascript:alert(1)",
        ):
            answer = await customer.sign(version=version, sha256=sha256, signature=bad or " ")
            assert answer.status_code == 422, bad
    assert await signature_count(quiet_hub, "WO-S7-IMG") == 0


async def test_s7_signed_pdf_verifies_and_a_one_byte_change_is_flagged(quiet_hub: Hub) -> None:
    async with client_for(quiet_hub) as client:
        customer, version, sha256 = await ready_to_sign(quiet_hub, client, "WO-S7-PDF")
        signed = await customer.sign(version=version, sha256=sha256)
        assert signed.status_code == 202
        await run_worker(quiet_hub, RenderSignedReport)
        download = await client.get(f"{customer.base}/signed.pdf")
        assert download.status_code == 200
        assert download.headers["content-type"] == "application/pdf"
        assert "attachment" in download.headers["content-disposition"]
        pdf = download.content

        genuine = await client.post("/api/v1/signatures/verify", content=pdf)
        tampered_bytes = bytearray(pdf)
        tampered_bytes[len(pdf) // 2] ^= 0x01
        tampered = await client.post("/api/v1/signatures/verify", content=bytes(tampered_bytes))
        for_order = await client.post(
            "/api/v1/signatures/verify", params={"order_id": "WO-S7-PDF"}, content=pdf
        )
        other_order = await client.post(
            "/api/v1/signatures/verify", params={"order_id": "WO-S7-NONE"}, content=pdf
        )
    assert genuine.json()["valid"] is True and genuine.json()["order_id"] == "WO-S7-PDF"
    assert genuine.json()["report_version"] == version
    assert tampered.json()["valid"] is False
    assert for_order.json()["valid"] is True
    assert other_order.json()["valid"] is False
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert sha256 in text.replace("\n", "")  # the audit page names the exact report viewed


async def test_s7_audit_trail_holds_every_step_in_order_with_utc_time_ip_and_agent(
    quiet_hub: Hub,
) -> None:
    async with client_for(quiet_hub) as client:
        customer, version, sha256 = await ready_to_sign(quiet_hub, client, "WO-S7-AUDIT")
        assert (await customer.sign(version=version, sha256=sha256)).status_code == 202
        await run_worker(quiet_hub, RenderSignedReport)
    trail = await quiet_hub.signing.records.audit_trail("WO-S7-AUDIT")
    assert [e.kind for e in trail] == [
        "sms_sent",
        "link_fetched",
        "otp_sent",
        "otp_verified",
        "report_viewed",
        "signed",
        "signed_pdf_stored",
    ]
    assert [e.at for e in trail] == sorted(e.at for e in trail)
    assert all(e.at.tzinfo is not None and e.at.utcoffset() == UTC.utcoffset(None) for e in trail)
    customer_steps = trail[1:6]
    assert all(e.ip == "203.0.113.7" and e.user_agent for e in customer_steps)
    assert trail[4].details["report_sha256"] == sha256
    assert trail[5].details["report_sha256"] == sha256
    signed = await quiet_hub.signing.records.signature("WO-S7-AUDIT")
    assert signed is not None and trail[6].details["signed_sha256"] == signed.signed_sha256
    assert trail[6].details["report_sha256"] == sha256
    assert signed.signed_at == trail[5].at  # when the customer signed, not when it rendered


async def test_after_signing_the_link_offers_the_signed_report_and_pictures_again(
    quiet_hub: Hub,
) -> None:
    async with client_for(quiet_hub) as client:
        await order_on_site(client, "WO-S7-LATER")
        shot = await client.post(
            f"{TECH}/WO-S7-LATER/screenshots",
            files={"file": ("ping.png", _png_bytes(), "image/png")},
        )
        assert shot.status_code == 201, shot.text
        customer, version, sha256 = await ready_to_sign_existing(quiet_hub, client, "WO-S7-LATER")
        assert (await customer.sign(version=version, sha256=sha256)).status_code == 202
        await run_worker(quiet_hub, RenderSignedReport)

    async with client_for(quiet_hub, ip="198.51.100.50") as later:  # days later, a new browser
        again = await verified_customer(
            quiet_hub, later, customer.token, await link_id_of(quiet_hub, "WO-S7-LATER")
        )
        page = await again.view_report()
        assert page.status_code == 200 and "已完成签署" in page.text
        assert (await later.get(f"{again.base}/signed.pdf")).status_code == 200
        picture = await later.get(f"{again.base}/pictures/1")
        assert picture.status_code == 200 and picture.content == _png_bytes()
    assert await signature_count(quiet_hub, "WO-S7-LATER") == 1


async def ready_to_sign_existing(
    hub: Hub, client: object, order_id: str
) -> tuple[Customer, int, str]:
    await send_link(client, order_id)  # type: ignore[arg-type]
    token = await link_token(hub, order_id)
    customer = await verified_customer(hub, client, token, await link_id_of(hub, order_id))  # type: ignore[arg-type]
    version, sha256 = report_of((await customer.view_report()).text)
    return customer, version, sha256


def _png_bytes() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (320, 200), (30, 120, 200)).save(out, format="PNG")
    return out.getvalue()


async def test_on_site_the_customer_confirms_with_a_code_then_signs_on_the_phone(
    quiet_hub: Hub,
) -> None:
    async with client_for(quiet_hub) as technician:
        await order_on_site(technician, "WO-ONSITE")
        opened = await when_ready(
            quiet_hub, lambda: technician.post(f"{SIGN}/WO-ONSITE/on-site-signing")
        )
        assert opened.status_code == 200, opened.text
        url = opened.json()["url"]
        assert url.startswith(f"{BASE_URL}/s/")
        path = url.removeprefix(BASE_URL)
        page = await technician.get(path)  # the customer looks at the technician's phone
        assert page.status_code == 200 and 'id="pad"' not in page.text, "no pad before the code"
        straight_to_report = await technician.get(f"{path}/report")
        link_id = await link_id_of(quiet_hub, "WO-ONSITE", channel="on_site")
        customer = await verified_customer(quiet_hub, technician, path.removeprefix("/s/"), link_id)
        report = await customer.view_report()
        assert report.status_code == 200 and 'id="pad"' in report.text
        version, sha256 = report_of(report.text)
        signed = await customer.sign(version=version, sha256=sha256)
        assert signed.status_code == 202, signed.text
        preparing = (await technician.get(f"{SIGN}/WO-ONSITE/signature")).json()
        await run_worker(quiet_hub, RenderSignedReport)
        state = (await technician.get(f"{SIGN}/WO-ONSITE/signature")).json()
        remote_after = await technician.post(f"{SIGN}/WO-ONSITE/remote-signing", json={})
    assert straight_to_report.status_code == 403
    assert (preparing["signed"], preparing["state"]) == (False, "preparing")
    assert state["signed"] is True and state["channel"] == "on_site"
    assert remote_after.status_code == 409  # signed once, on site: no link is sent
    assert await report_signed_events(quiet_hub, "WO-ONSITE") == 1


async def test_on_site_signature_from_the_field_apps_own_pad_is_recorded_once(
    quiet_hub: Hub,
) -> None:
    async with client_for(quiet_hub) as technician:
        await order_on_site(technician, "WO-ONSITE-API")
        shown = await report_when_ready(quiet_hub, technician, "WO-ONSITE-API")
        pdf = await technician.get(shown["pdf_url"].removeprefix(BASE_URL))
        body = {
            "report_version": shown["report_version"],
            "report_sha256": shown["report_sha256"],
            "signer_name": "张伟",
            "signature_png": signature_data_url(),
            "code": "000000",
        }
        without_code = await technician.post(f"{SIGN}/WO-ONSITE-API/signature", json=body)
        sent = await technician.post(f"{SIGN}/WO-ONSITE-API/signature/code")
        link_id = await link_id_of(quiet_hub, "WO-ONSITE-API", channel="on_site")
        code = await latest_code(quiet_hub, link_id)
        wrong = "111111" if code != "111111" else "222222"
        wrong_code = await technician.post(
            f"{SIGN}/WO-ONSITE-API/signature", json={**body, "code": wrong}
        )
        body["code"] = code
        empty = await technician.post(
            f"{SIGN}/WO-ONSITE-API/signature",
            json={**body, "signature_png": signature_data_url(blank=True)},
        )
        answers = await asyncio.gather(
            *(technician.post(f"{SIGN}/WO-ONSITE-API/signature", json=body) for _ in range(5))
        )
        stale = await technician.post(
            f"{SIGN}/WO-ONSITE-API/signature", json={**body, "report_sha256": "f" * 64}
        )
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert without_code.status_code == 403, "no code was texted: the technician cannot sign"
    assert sent.status_code == 202 and sent.json()["to"].startswith("+86")
    assert wrong_code.status_code == 403 and "tries left" in wrong_code.json()["detail"]
    assert empty.status_code == 422
    # One signature; the others lost the race for the one-time code (403) or the claim (409).
    codes = sorted(a.status_code for a in answers)
    assert codes[0] == 202 and all(c in (403, 409) for c in codes[1:]), codes
    assert stale.status_code == 409
    accepted = next(a for a in answers if a.status_code == 202).json()
    assert (accepted["channel"], accepted["state"]) == ("on_site", "preparing")
    assert accepted["report_version"] == shown["report_version"]
    assert await run_worker(quiet_hub, RenderSignedReport) == 1
    assert await signature_count(quiet_hub, "WO-ONSITE-API") == 1
    assert await report_signed_events(quiet_hub, "WO-ONSITE-API") == 1
    assert await report_signed_events(quiet_hub, "WO-ONSITE-API") == 1
