"""Remote signing (`SigningService`): links, one-time codes and exactly one signature."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from hub.domain.signing import (
    AlreadySigned,
    CodeLocked,
    CodeRejected,
    LinkGone,
    LinkStatus,
    ReportChanged,
)
from hub.errors import RenderInterrupted, ReportPreparing
from hub.handlers.report_reactions import RENDER_DEBOUNCE
from hub.handlers.timer_kinds import SIGNING_REMINDER
from hub.ports import TimerStatus
from schemas.v1 import (
    AttachSignedReport,
    RemindSigner,
    RenderReport,
    RenderSignedReport,
    ReportSigned,
)
from tests.delivery_factories import ping
from tests.factories import create_order
from tests.handlers.harness import FakeHub
from tests.handlers.signing_steps import (
    CUSTOMER,
    accept,
    last_code,
    last_token,
    open_link,
    sign,
    signed_remotely,
    texts,
    verified_link,
)

CONTACT = create_order("WO-1").contact.phone


async def test_a_link_is_texted_to_the_contact_once_per_report_version(hub: FakeHub) -> None:
    await hub.checked_in("WO-1")
    first = await hub.use_cases.signing.send_link("WO-1")
    again = await hub.use_cases.signing.send_link("WO-1")
    assert first is not None and again is not None
    assert (first.sent, again.sent, again.link_id) == (True, False, first.link_id)
    assert [s.to for s in texts(hub, "signing_link")] == [CONTACT]
    [reminder] = [t for t in hub.tables.timers.values() if t.kind == SIGNING_REMINDER]
    assert reminder.status is TimerStatus.PENDING


async def test_a_reissued_link_revokes_the_one_sent_before(hub: FakeHub) -> None:
    await hub.checked_in("WO-1")
    await hub.use_cases.signing.send_link("WO-1")
    old_token = last_token(hub)
    await hub.use_cases.signing.send_link("WO-1", reissue=True)
    old, new = await open_link(hub, old_token), await open_link(hub)
    assert (old.status, new.status, new.issue_no) == (LinkStatus.REVOKED, LinkStatus.ACTIVE, 2)
    with pytest.raises(LinkGone, match="revoked"):
        hub.use_cases.signing.require_open(old)


async def test_the_right_code_opens_a_session_and_is_used_up(hub: FakeHub) -> None:
    await hub.checked_in("WO-1")
    link, session = await verified_link(hub, "WO-1")
    [code_sms] = texts(hub, "signing_code")
    assert code_sms.to == CONTACT
    assert await hub.use_cases.signing.records.session_valid(link, session)
    with pytest.raises(CodeRejected, match="not requested yet"):  # the code was used up
        await hub.use_cases.signing.check_code(link, last_code(hub), CUSTOMER)


async def test_five_wrong_codes_lock_the_link_even_for_the_right_code(hub: FakeHub) -> None:
    await hub.checked_in("WO-1")
    await hub.use_cases.signing.send_link("WO-1")
    link = await open_link(hub)
    await hub.use_cases.signing.request_code(link, CUSTOMER)
    wrong = "000000" if last_code(hub) != "000000" else "111111"
    remaining = []
    for _ in range(5):
        with pytest.raises(CodeRejected) as rejected:
            await hub.use_cases.signing.check_code(link, wrong, CUSTOMER)
        remaining.append(rejected.value.remaining)
    assert remaining == [4, 3, 2, 1, 0]
    with pytest.raises(CodeLocked):
        await hub.use_cases.signing.check_code(link, last_code(hub), CUSTOMER)


async def test_signing_records_one_signature_and_publishes_it(hub: FakeHub) -> None:
    record = await signed_remotely(hub, "WO-1")
    assert (record.status, record.signer_name, record.report_version) == ("signed", "张伟", 1)
    [signed] = hub.tables.published(ReportSigned)
    assert signed.sha256_signed == record.signed_sha256
    ids = [m.message_id for m in hub.tables.outbox if isinstance(m.message, ReportSigned)]
    assert ids == ["report-signed:WO-1:v1"]
    link = await open_link(hub)
    assert link.status is LinkStatus.SIGNED
    reminders = [t for t in hub.tables.timers.values() if t.kind == SIGNING_REMINDER]
    assert [t.status for t in reminders] == [TimerStatus.CANCELLED]
    assert record.signed_sha256 is not None
    pdf = hub.store.path_for(record.signed_sha256).read_bytes()
    assert (await hub.use_cases.signing.records.check_pdf(pdf)).valid


async def test_the_audit_page_shows_each_step_of_the_signing(hub: FakeHub) -> None:
    await signed_remotely(hub, "WO-1")
    [(_, audit)] = hub.reports.signed
    assert [e.kind for e in audit] == ["sms_sent", "otp_sent", "otp_verified", "signed"]
    assert {e.ip for e in audit} == {None, "203.0.113.5"}


async def test_a_second_signature_is_refused(hub: FakeHub) -> None:
    await signed_remotely(hub, "WO-1")
    link = await open_link(hub)
    with pytest.raises(AlreadySigned):
        await sign(hub, link)
    assert len(hub.reports.signed) == 1


async def test_two_signatures_at_once_record_one(hub: FakeHub) -> None:
    await hub.checked_in("WO-1")
    link, _ = await verified_link(hub, "WO-1")
    outcomes = await asyncio.gather(sign(hub, link), sign(hub, link), return_exceptions=True)
    assert sorted(type(o).__name__ for o in outcomes) == ["SignatureRecord", "SigningInProgress"]
    assert len(hub.tables.published(ReportSigned)) == 1
    assert len(hub.reports.signed) == 1


async def test_the_signature_is_accepted_before_its_signed_pdf_is_rendered(hub: FakeHub) -> None:
    await hub.checked_in("WO-1")
    link, _ = await verified_link(hub, "WO-1")
    accepted = await accept(hub, link)
    assert (accepted.status, accepted.signed_sha256) == ("pending", None)
    assert hub.reports.signed == [] and hub.tables.published(ReportSigned) == []
    [render] = hub.tables.published(RenderSignedReport)
    assert render.claim_id == accepted.claim_id
    assert (await open_link(hub)).status is LinkStatus.SIGNED  # used up at once
    await hub.deliver(RenderSignedReport)
    done = await hub.use_cases.signing.records.signature("WO-1")
    assert done is not None and done.status == "signed" and len(hub.reports.signed) == 1
    assert done.signed_at == next(r.entry.at for r in hub.tables.audit if r.entry.kind == "signed")


async def test_a_killed_render_is_retried_and_makes_exactly_one_signed_report(
    hub: FakeHub,
) -> None:
    await hub.checked_in("WO-1")
    link, _ = await verified_link(hub, "WO-1")
    await accept(hub, link)
    hub.reports.fail_next_signed_renders = 2
    for _ in range(2):  # the broker redelivers after each failure
        with pytest.raises(RenderInterrupted):
            await hub.deliver(RenderSignedReport)
        record = await hub.use_cases.signing.records.signature("WO-1")
        assert record is not None and record.status == "pending"  # kept, not given back
    await hub.deliver(RenderSignedReport)
    [command] = [m for m in hub.tables.outbox if isinstance(m.message, RenderSignedReport)]
    assert await hub.commands.handle("signing.render_signed")(command.message, "replay") is False
    assert len(hub.reports.signed) == 1
    assert len(hub.tables.published(ReportSigned)) == 1


async def test_a_burst_of_test_results_with_the_app_asking_between_renders_once(
    hub: FakeHub,
) -> None:
    await hub.checked_in("WO-1")
    await hub.use_cases.signing.send_link("WO-1")  # version 1
    before = len(hub.reports.renders)
    for _ in range(8):
        await hub.run(ping("WO-1"))
        with pytest.raises(ReportPreparing):  # the field app shows the report meanwhile
            await hub.use_cases.signing.report_to_sign("WO-1")
    hub.clock.advance(RENDER_DEBOUNCE)
    assert await hub.fire_timers() == 1
    await hub.deliver(RenderReport)
    assert len(hub.reports.renders) == before + 1
    assert (await hub.use_cases.signing.report_to_sign("WO-1")).version == 2


async def test_a_report_changed_since_the_link_was_sent_cannot_be_signed(hub: FakeHub) -> None:
    await hub.checked_in("WO-1")
    link, _ = await verified_link(hub, "WO-1")
    await hub.run(ping("WO-1"))  # a new test result: the report gets a version 2
    with pytest.raises(ReportChanged, match="no longer the latest"):
        await sign(hub, link)
    assert hub.tables.published(ReportSigned) == []


async def test_an_unsigned_link_is_reminded_with_a_fresh_token(hub: FakeHub) -> None:
    await hub.checked_in("WO-1")
    await hub.use_cases.signing.send_link("WO-1")
    hub.clock.advance(timedelta(hours=24))
    assert await hub.fire_timers() == 1
    await hub.deliver(RemindSigner)
    [reminder] = texts(hub, "signing_reminder")
    assert reminder.to == CONTACT
    fresh = await open_link(hub, last_token(hub, "signing_reminder"))
    first = await open_link(hub)  # the first SMS's token still opens the same link
    assert (fresh.link_id, fresh.reminders_sent) == (first.link_id, 1)


async def test_link_page_reads_are_audited_in_a_batch_off_the_request(hub: FakeHub) -> None:
    await hub.checked_in("WO-1")
    await hub.use_cases.signing.send_link("WO-1")
    link = await open_link(hub)
    signing = hub.use_cases.signing
    for _ in range(3):
        signing.record_fetch(link, CUSTOMER, method="GET")
    kinds = [row.entry.kind for row in hub.tables.audit]
    assert "link_fetched" not in kinds and signing.audit_buffer.waiting == 3
    await signing.request_code(link, CUSTOMER)  # a step that writes writes the waiting first
    kinds = [row.entry.kind for row in hub.tables.audit]
    assert kinds[-4:] == ["link_fetched"] * 3 + ["otp_sent"]
    assert signing.audit_buffer.waiting == 0


async def test_the_worker_takes_the_close_outs_first_step_itself_and_once(hub: FakeHub) -> None:
    await hub.checked_in("WO-1")
    link, _ = await verified_link(hub, "WO-1")
    await accept(hub, link)
    await hub.deliver(RenderSignedReport)  # renders, records, and accepts it for close-out
    assert len(hub.tables.published(AttachSignedReport)) == 1, "no broker hop in between"
    await hub.deliver(ReportSigned)  # the broker's copy: the inbox knows its message id
    assert len(hub.tables.published(AttachSignedReport)) == 1
    assert hub.order("WO-1").signed_report is not None
