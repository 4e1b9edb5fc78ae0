"""S4: the sign form refuses forged, missing and cross-site POSTs; the session cookie's flags."""

from __future__ import annotations

import pytest
from pydantic import AnyHttpUrl

from hub.bootstrap import Hub
from hub.config import Settings
from schemas.v1 import RenderSignedReport
from tests.integration.signing_support import (
    BASE_URL,
    Customer,
    client_for,
    clock,
    latest_code,
    link_id_of,
    link_token,
    order_on_site,
    outbox_sms,
    quiet_hub,
    report_of,
    run_worker,
    send_link,
    signature_count,
    signature_data_url,
    verified_customer,
)

pytestmark = pytest.mark.integration
__all__ = ["clock", "quiet_hub"]  # fixtures


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"public_base_url": AnyHttpUrl(BASE_URL)})


async def test_s4_forged_missing_and_cross_site_sign_posts_are_403_and_sign_nothing(
    quiet_hub: Hub,
) -> None:
    hub = quiet_hub
    async with client_for(hub) as client, client_for(hub, ip="203.0.113.99") as attacker:
        await order_on_site(client, "WO-S4")
        await send_link(client, "WO-S4")
        token = await link_token(hub, "WO-S4")
        customer = await verified_customer(hub, client, token, await link_id_of(hub, "WO-S4"))
        version, sha256 = report_of((await customer.view_report()).text)
        form = {
            "report_version": str(version),
            "report_sha256": sha256,
            "signer_name": "张伟",
            "signature": signature_data_url(),
        }
        other = Customer(hub, attacker, token)  # another browser session on the same link
        assert (await other.open()).status_code == 200
        sign = f"/s/{token}/sign"

        cases = {
            "no token": await client.post(sign, data=form),
            "empty token": await client.post(sign, data={**form, "csrf": ""}),
            "token of another session": await client.post(sign, data={**form, "csrf": other.csrf}),
            "cross-site": await client.post(
                sign, data={**form, "csrf": customer.csrf}, headers={"Sec-Fetch-Site": "cross-site"}
            ),
            "same-site": await client.post(
                sign, data={**form, "csrf": customer.csrf}, headers={"Sec-Fetch-Site": "same-site"}
            ),
            "foreign origin": await client.post(
                sign,
                data={**form, "csrf": customer.csrf},
                headers={"Origin": "https://evil.example"},
            ),
            "null origin, no fetch metadata": await client.post(
                sign, data={**form, "csrf": customer.csrf}, headers={"Origin": "null"}
            ),
            "null origin, cross-site": await client.post(
                sign,
                data={**form, "csrf": customer.csrf},
                headers={"Origin": "null", "Sec-Fetch-Site": "cross-site"},
            ),
            "no cookie": await attacker.post(sign, data={**form, "csrf": customer.csrf}),
        }
        assert {name: r.status_code for name, r in cases.items()} == dict.fromkeys(cases, 403)
        assert all("未做任何更改" in r.text for r in cases.values())
        assert await signature_count(hub, "WO-S4") == 0

        forged_code = await attacker.post(f"/s/{token}/code", data={"csrf": customer.csrf})
        assert forged_code.status_code == 403
        assert len(await outbox_sms(hub, "signing-code:")) == 1  # only the customer's own

        valid = await client.post(  # as Chromium sends it under Referrer-Policy: no-referrer
            sign,
            data={**form, "csrf": customer.csrf},
            headers={"Origin": "null", "Sec-Fetch-Site": "same-origin"},
        )
        assert valid.status_code == 202, valid.text  # accepted; the worker renders the PDF
        assert await run_worker(hub, RenderSignedReport) == 1
        assert await signature_count(hub, "WO-S4") == 1


async def test_s4_session_cookie_is_httponly_secure_samesite_strict_and_host_bound(
    quiet_hub: Hub,
) -> None:
    async with client_for(quiet_hub) as client:
        await order_on_site(client, "WO-S4-C")
        await send_link(client, "WO-S4-C")
        token = await link_token(quiet_hub, "WO-S4-C")
        opened = await client.get(f"/s/{token}")
        customer = Customer(quiet_hub, client, token)
        await customer.open()
        await customer.request_code()
        code = await latest_code(quiet_hub, await link_id_of(quiet_hub, "WO-S4-C"))
        verified = await customer.enter_code(code)
    for response in (opened, verified):
        cookie = response.headers["set-cookie"]
        assert cookie.startswith("__Host-hub_sign=")
        flags = {part.strip().lower() for part in cookie.split(";")[1:]}
        assert {"httponly", "secure", "samesite=strict", "path=/"} <= flags
        assert not any(flag.startswith("domain") for flag in flags)
    assert (
        opened.headers["set-cookie"].split(";")[0] != verified.headers["set-cookie"].split(";")[0]
    )
