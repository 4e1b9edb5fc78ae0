"""S1 (token properties) and S2 (link-preview-safe GET), plus sending links exactly once."""

from __future__ import annotations

import re
import secrets
import time
from dataclasses import replace
from datetime import datetime

import pytest
from pydantic import AnyHttpUrl
from sqlalchemy import select, text

from hub.bootstrap import Hub
from hub.config import Settings
from hub.db.tables import metadata, outbox, signing_links, signing_tokens, sms_messages
from hub.domain import work_order
from hub.domain.signing import token_digest
from hub.domain.work_order import Status
from hub.signing.context import SYSTEM
from hub.signing.links import ReportRef
from schemas.v1 import RemindSigner
from tests import factories
from tests.helpers import eventually
from tests.integration.signing_support import (
    BASE_URL,
    LINK,
    SIGN,
    Clock,
    Customer,
    audit_kinds,
    client_for,
    clock,
    count,
    latest_code,
    link_id_of,
    link_token,
    order_on_site,
    outbox_sms,
    quiet_hub,
    report_when_ready,
    send_link,
    text_of,
    verified_customer,
)

pytestmark = pytest.mark.integration
__all__ = ["clock", "quiet_hub"]  # fixtures

LINKS_ISSUED = 10_000
PROBES_IN_DB = 100_000
PROBING_IPS = 40  # x 30 probes each over HTTP, the per-IP limit
PREVIEW_BOTS = [
    "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)",
    "WhatsApp/2.23.20.0",
    "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)",
    "TelegramBot (like TwitterBot)",
    "Twitterbot/1.0",
    "Mozilla/5.0 (compatible; Googlebot/2.0; +http://www.google.com/bot.html)",
    "LinkedInBot/1.0 (compatible; Mozilla/5.0; Apache-HttpClient +http://www.linkedin.com)",
    "Mozilla/5.0 (compatible; Discordbot/2.0; +https://discordapp.com)",
    "SkypeUriPreview Preview/0.5",
    "Mozilla/5.0 (Macintosh) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17 Safari/605 "
    "facebookexternalhit/1.1 Facebot Twitterbot/1.0",  # iMessage link previews
    "Mozilla/5.0 (Linux; Android 13) MicroMessenger/8.0.40 WeChat link preview",
    "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)",
    "Mozilla/5.0 (compatible; YandexBot/3.0)",
    "Pinterestbot/1.0",
    "redditbot/1.0",
    "Embedly/0.2",
    "curl/8.4.0",
    "python-requests/2.31",
    "Mozilla/5.0 (compatible; Google-PageRenderer Google (+https://developers.google.com/+/web/snippet/))",
    "Viber/20.5",
]


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"public_base_url": AnyHttpUrl(BASE_URL)})


async def _orders_on_site(hub: Hub, count: int) -> list[str]:
    """Many orders checked in, written straight to the database (fast set-up)."""
    ids = [f"WO-S1-{n:05d}" for n in range(count)]
    async with hub.uow() as uow:
        for order_id in ids:
            order, _ = work_order.create(factories.create_order(order_id), now=uow.now)
            on_site = replace(order, status=Status.CHECKED_IN, technician=factories.technician())
            await uow.orders.add(on_site, now=uow.now)
        await uow.commit()
    return ids


async def test_s1_link_tokens_are_long_unique_and_the_database_holds_only_their_hashes(
    quiet_hub: Hub,
) -> None:
    hub = quiet_hub
    issued = LINKS_ISSUED
    ids = await _orders_on_site(hub, issued)
    report = ReportRef(version=1, sha256="ab" * 32)
    started = time.monotonic()
    for batch in range(0, issued, 500):
        async with hub.uow() as uow:
            for order_id in ids[batch : batch + 500]:
                await hub.signing._links.issue_remote(
                    uow, order_id, report, reissue=False, ctx=SYSTEM
                )
            await uow.commit()
    issued_s = time.monotonic() - started

    tokens = [
        m.group(1)
        for c in await outbox_sms(hub, "signing-link:")
        if (m := LINK.search(text_of(hub, c)))
    ]
    assert len(tokens) == issued
    assert len(set(tokens)) == issued
    assert all(len(t) >= 43 for t in tokens)  # 32 random bytes = 256 bits
    async with hub.db.read() as conn:
        stored = set((await conn.execute(select(signing_tokens.c.token_sha256))).scalars())
        dump = await _text_of_tables(conn, skip=set())  # the outbox too: its texts are sealed
    assert stored == {token_digest(t) for t in tokens}
    words = set(re.findall(r"[A-Za-z0-9_-]{43}", dump))
    assert words.isdisjoint(tokens), "a plaintext token is stored in the database"

    probes = {secrets.token_urlsafe(32) for _ in range(PROBES_IN_DB)}
    hits = 0
    async with hub.db.read() as conn:
        digests = [token_digest(p) for p in probes]
        for start in range(0, len(digests), 1000):
            found = await conn.execute(
                select(signing_tokens.c.token_sha256).where(
                    signing_tokens.c.token_sha256.in_(digests[start : start + 1000])
                )
            )
            hits += len(found.all())
    assert hits == 0
    print(f"S1: {issued} links issued in {issued_s:.1f}s; {PROBES_IN_DB} DB probes, 0 hits")


async def _text_of_tables(conn: object, *, skip: set[str]) -> str:
    """Every row of every table but `skip`, without timestamps (microseconds look like codes)."""
    parts: list[str] = []
    for table in metadata.sorted_tables:
        if table.name in skip:
            continue
        rows = await conn.execute(select(table))  # type: ignore[attr-defined]
        parts.extend(repr(tuple(v for v in row if not isinstance(v, datetime))) for row in rows)
    return "\n".join(parts)


async def test_s1_once_texts_are_sent_only_the_log_providers_table_holds_tokens_or_codes(
    hub: Hub,
) -> None:
    order_id = "WO-S1-SENT"
    async with client_for(hub) as client:
        await order_on_site(client, order_id)
        await send_link(client, order_id)
        # The new link is asked for once the first was texted, as a technician would: two
        # sends still preparing may leave one link (a reissue of nothing is the first issue).
        tokens = [await link_token(hub, order_id)]
        await send_link(client, order_id, reissue=True)
        tokens.append(await link_token(hub, order_id, issue=2))
        customer = Customer(hub, client, tokens[1])
        assert (await customer.open()).status_code == 200
        assert (await customer.request_code()).status_code == 200
        code = await latest_code(hub, await link_id_of(hub, order_id))

    async def every_text_sent() -> bool:
        texts = await count(hub, outbox, outbox.c.message_type == "SendSms.v1")
        sent = await count(hub, sms_messages, sms_messages.c.state == "sent")
        return sent == texts and await hub.relay.backlog() == 0

    await eventually(every_text_sent, timeout=30)
    phone = factories.create_order(order_id).contact.phone
    async with hub.db.read() as conn:
        # Every hub table; the customer's phone (the SMS platform's own storage) is not one.
        dump = await _text_of_tables(conn, skip=set())
        sms_rows = [
            *(await conn.execute(select(outbox).where(outbox.c.message_type == "SendSms.v1"))),
            *(await conn.execute(select(sms_messages))),
        ]
    assert len(sms_rows) >= 2 * 4  # a dispatch notice, two links and a code
    assert [t for t in tokens if t in dump] == []
    assert re.findall(rf"(?<!\d){code}(?!\d)", dump) == []
    assert phone not in repr(sms_rows)


async def test_s1_random_token_probes_all_look_alike_and_are_rate_limited_per_ip(
    quiet_hub: Hub,
) -> None:
    hub = quiet_hub
    async with client_for(hub) as client:
        await order_on_site(client, "WO-S1-P")
        await send_link(client, "WO-S1-P")
    real = await link_token(hub, "WO-S1-P")
    limit = hub.settings.signing_probe_limit_per_min
    answers: set[tuple[int, int]] = set()
    for n in range(PROBING_IPS):
        async with client_for(hub, ip=f"198.51.100.{n + 1}") as prober:
            shapes = [secrets.token_urlsafe(32) for _ in range(limit - 3)]
            shapes += ["x", "a" * 200, "not-a-token!"]  # malformed tokens look the same
            for token in shapes:
                response = await prober.get(f"/s/{token}")
                answers.add((response.status_code, len(response.content)))
                assert "set-cookie" not in response.headers
            limited = await prober.get(f"/s/{secrets.token_urlsafe(32)}")
            assert limited.status_code == 429
            assert (await prober.get(f"/s/{real}")).status_code == 429  # even a real token
    assert len(answers) == 1 and next(iter(answers))[0] == 404
    async with client_for(hub, ip="192.0.2.200") as customer:
        assert (await customer.get(f"/s/{real}")).status_code == 200
    print(f"S1: {PROBING_IPS * limit} HTTP probes from {PROBING_IPS} IPs: 0 hits, 1 status/length")


async def test_s1_old_token_after_reissue_and_any_token_after_expiry_is_410(
    quiet_hub: Hub, clock: Clock
) -> None:
    hub = quiet_hub
    async with client_for(hub) as client:
        await order_on_site(client, "WO-S1-R")
        await report_when_ready(hub, client, "WO-S1-R")  # else the first answer is `preparing`
        first = await send_link(client, "WO-S1-R")
        again = await send_link(client, "WO-S1-R")
        old = await link_token(hub, "WO-S1-R")
        reissued = await send_link(client, "WO-S1-R", reissue=True)
        new = await link_token(hub, "WO-S1-R", issue=2)

        assert (first["sent"], again["sent"], reissued["sent"]) == (True, False, True)
        gone = await client.get(f"/s/{old}")
        assert gone.status_code == 410
        assert "已被新链接取代" in gone.text
        assert (await client.get(f"/s/{new}")).status_code == 200

        clock.advance(hours=71, minutes=59)
        assert (await client.get(f"/s/{new}")).status_code == 200
        clock.advance(minutes=1)
        expired = await client.get(f"/s/{new}")
        assert expired.status_code == 410
        assert "已过期" in expired.text


async def test_s1_link_url_comes_from_the_configured_base_url_not_the_host_header(
    quiet_hub: Hub,
) -> None:
    async with client_for(quiet_hub) as client:
        await order_on_site(client, "WO-S1-H")
        await report_when_ready(quiet_hub, client, "WO-S1-H")
        response = await client.post(
            f"{SIGN}/WO-S1-H/remote-signing",
            json={},
            headers={"Host": "evil.example", "X-Forwarded-Host": "evil.example"},
        )
    assert response.status_code == 202
    [sms] = await outbox_sms(quiet_hub, "signing-link:WO-S1-H")
    assert sms.body is None, "a link never travels in clear"
    assert f"{BASE_URL}/s/" in text_of(quiet_hub, sms) and "evil" not in text_of(quiet_hub, sms)


async def test_link_is_texted_once_per_report_version_to_the_orders_contact(
    quiet_hub: Hub,
) -> None:
    async with client_for(quiet_hub) as client:
        await order_on_site(client, "WO-S1-ONCE")
        await report_when_ready(quiet_hub, client, "WO-S1-ONCE")
        states = [await send_link(client, "WO-S1-ONCE") for _ in range(5)]
    texts = await outbox_sms(quiet_hub, "signing-link:WO-S1-ONCE")
    assert [s["sent"] for s in states] == [True, False, False, False, False]
    assert len(texts) == 1
    assert texts[0].to == factories.create_order("WO-S1-ONCE").contact.phone
    assert texts[0].to not in text_of(quiet_hub, texts[0])
    assert states[0]["to"].startswith("+86") and "*" in states[0]["to"]


async def test_s2_link_previews_send_no_code_and_change_nothing(quiet_hub: Hub) -> None:
    hub = quiet_hub
    async with client_for(hub) as client:
        await order_on_site(client, "WO-S2")
        await send_link(client, "WO-S2")
    token = await link_token(hub, "WO-S2")
    await hub.signing.audit_buffer.flush()
    before = await _link_row(hub, "WO-S2")
    rows_before = await _row_counts(hub)
    for agent in PREVIEW_BOTS:
        async with client_for(hub, ip="66.249.66.1") as bot:  # a fresh client: no cookies
            response = await bot.get(f"/s/{token}", headers={"User-Agent": agent})
            assert response.status_code == 200
            assert response.headers["cache-control"] == "no-store"
            assert response.headers["referrer-policy"] == "no-referrer"
            assert "script-src 'self'" in response.headers["content-security-policy"]
    async with client_for(hub, ip="66.249.66.1") as bot:
        head = await bot.head(f"/s/{token}", headers={"User-Agent": "Slackbot 1.0"})
        assert head.status_code == 200 and head.headers["cache-control"] == "no-store"

    assert await outbox_sms(hub, "signing-code:") == []  # 0 OTP sends
    assert await _link_row(hub, "WO-S2") == before  # 0 consumptions, no state change
    assert await _row_counts(hub) == rows_before, "a GET wrote to the database"
    assert hub.signing.audit_buffer.waiting == len(PREVIEW_BOTS) + 1
    await hub.signing.audit_buffer.flush()  # the runtime's background task does this
    kinds = await audit_kinds(hub, "WO-S2")
    assert kinds == ["sms_sent"] + ["link_fetched"] * (len(PREVIEW_BOTS) + 1)

    async with client_for(hub) as person:  # the human flow still works afterwards
        customer = await verified_customer(hub, person, token, await link_id_of(hub, "WO-S2"))
        assert (await customer.view_report()).status_code == 200


async def _row_counts(hub: Hub) -> dict[str, int]:
    """Rows in every table of the hub's schema."""
    return {name: await count(hub, table) for name, table in metadata.tables.items()}


async def _link_row(hub: Hub, order_id: str) -> tuple[object, ...]:
    async with hub.db.read() as conn:
        row = (
            await conn.execute(select(signing_links).where(signing_links.c.order_id == order_id))
        ).one()
    return tuple(row)


async def test_reminders_text_a_second_working_link_and_stop_at_the_cap(
    quiet_hub: Hub, clock: Clock
) -> None:
    hub = quiet_hub
    async with client_for(hub) as client:
        await order_on_site(client, "WO-REM")
        await send_link(client, "WO-REM")
    first = await link_token(hub, "WO-REM")
    for hours in (24, 24, 23):  # reminders at 24 h and 48 h; the link expires at 72 h
        clock.advance(hours=hours)
        await hub.scheduler.fire_due()
        for timer_message in await _fired_reminders(hub):
            await hub.signing.remind(timer_message[1], message_id=timer_message[0])
    reminders = await outbox_sms(hub, "signing-reminder:")
    assert len(reminders) == 2
    second = LINK.search(text_of(hub, reminders[0]))
    assert second and second.group(1) != first
    async with client_for(hub) as client:
        customer = Customer(hub, client, second.group(1))
        assert (await customer.open()).status_code == 200
        assert (await client.get(f"/s/{first}")).status_code == 200  # the first SMS still works
    assert (await audit_kinds(hub, "WO-REM")).count("reminder_sent") == 2


async def _fired_reminders(hub: Hub) -> list[tuple[str, RemindSigner]]:
    """RemindSigner messages the scheduler put in the outbox (a consumer would get them)."""
    async with hub.db.read() as conn:
        rows = await conn.execute(
            text("SELECT id, body FROM outbox WHERE message_type = 'RemindSigner.v1'")
        )
        return [(r.id, RemindSigner.model_validate_json(r.body)) for r in rows]
