"""The signed report e-mailed once per recipient (`EmailService`); billing started once per
order, and only for an archived order with a signed report that verifies (`BillingService`)."""

from __future__ import annotations

import hashlib

import pytest

from hub.errors import IllegalTransition, TamperedReport, TransientAdapterError
from hub.ports import EffectState
from schemas.v1 import (
    AttachSignedReport,
    ReportEmailSent,
    ReportSigned,
    SendReportEmail,
    StartBilling,
    WorkOrderCreated,
)
from tests import factories
from tests.fakes import SimulatedCrash
from tests.handlers.harness import LEASE, FakeHub
from tests.handlers.signing_steps import signed_remotely, tamper


async def email_command(hub: FakeHub) -> SendReportEmail:
    """A signed order whose close-out asked for the report e-mail (not yet sent)."""
    await signed_remotely(hub, "WO-1")
    await hub.deliver(ReportSigned)
    [cmd] = hub.tables.published(SendReportEmail)
    return cmd


async def archived_and_signed(hub: FakeHub) -> StartBilling:
    """A signed order closed out up to its `StartBilling` (not yet handled)."""
    await signed_remotely(hub, "WO-1")
    await hub.deliver(WorkOrderCreated)
    await hub.deliver(ReportSigned)
    await hub.deliver(AttachSignedReport)
    [cmd] = hub.tables.published(StartBilling)
    return cmd


# --- e-mail ----------------------------------------------------------------------------------


async def test_the_signed_report_is_mailed_once_with_the_pdf_attached(hub: FakeHub) -> None:
    cmd = await email_command(hub)
    await hub.run(cmd)
    await hub.run(cmd)
    [sent] = hub.mailer.sent
    assert sent.message["To"] == "li.na@example.com"
    [pdf] = [part.get_content() for part in sent.message.iter_attachments()]
    assert hashlib.sha256(pdf).hexdigest() == cmd.sha256_signed
    assert [e.email_id for e in hub.tables.published(ReportEmailSent)] == [cmd.email_id]
    assert hub.tables.emails[cmd.email_id].state is EffectState.DONE


async def test_after_a_crash_the_smtp_resend_is_marked_possible_duplicate(hub: FakeHub) -> None:
    cmd = await email_command(hub)
    hub.uow.crash_on_commit(after=1)  # handed to the server, then died before recording it
    with pytest.raises(SimulatedCrash):
        await hub.run(cmd)
    hub.clock.advance(LEASE)
    await hub.run(cmd)
    first, resend = hub.mailer.sent
    assert first.message["Message-ID"] == resend.message["Message-ID"]  # receivers can drop it
    assert (
        first.message["X-Hub-Possible-Duplicate"],
        resend.message["X-Hub-Possible-Duplicate"],
    ) == (None, "yes")
    assert hub.tables.emails[cmd.email_id].values["possible_duplicate"] is True


async def test_a_mailer_that_can_be_asked_is_asked_before_resending(hub: FakeHub) -> None:
    hub.mailer.remembers = True
    cmd = await email_command(hub)
    hub.uow.crash_on_commit(after=1)
    with pytest.raises(SimulatedCrash):
        await hub.run(cmd)
    hub.clock.advance(LEASE)
    await hub.run(cmd)
    assert len(hub.mailer.sent) == 1
    assert hub.tables.emails[cmd.email_id].state is EffectState.DONE


async def test_a_tampered_pdf_is_not_mailed(hub: FakeHub) -> None:
    cmd = await email_command(hub)
    tamper(hub, cmd.sha256_signed)
    with pytest.raises(TamperedReport):
        await hub.run(cmd)
    assert hub.mailer.sent == []


async def test_a_mail_outage_is_retried_without_a_duplicate(hub: FakeHub) -> None:
    cmd = await email_command(hub)
    hub.mailer.fail_next = 1
    with pytest.raises(TransientAdapterError):
        await hub.run(cmd)
    await hub.run(cmd)
    assert len(hub.mailer.sent) == 1
    assert hub.tables.emails[cmd.email_id].attempts == 2


# --- billing ---------------------------------------------------------------------------------


async def test_billing_starts_once_for_an_archived_signed_order(hub: FakeHub) -> None:
    cmd = await archived_and_signed(hub)
    await hub.run(cmd)
    await hub.run(cmd)
    [start] = hub.billing.starts_of("WO-1")
    assert hub.billing.calls == [("start", "billing:WO-1")]
    assert hub.tables.orders["WO-1"].billing_reference == start.reference


async def test_billing_refuses_an_order_that_is_not_archived(hub: FakeHub) -> None:
    await signed_remotely(hub, "WO-1")
    await hub.deliver(ReportSigned)  # completed and signed, not yet archived
    with pytest.raises(IllegalTransition, match="not archived"):
        await hub.run(StartBilling(order_id="WO-1"))
    assert hub.billing.calls == []
    assert hub.tables.billing == {}


async def test_billing_refuses_an_order_without_a_signed_report(hub: FakeHub) -> None:
    await hub.checked_in("WO-1")
    await hub.run(factories.complete("WO-1"))
    await hub.run(factories.archive("WO-1"))
    with pytest.raises(IllegalTransition, match="no signed delivery report"):
        await hub.run(StartBilling(order_id="WO-1"))
    assert hub.billing.calls == []


async def test_a_tampered_signed_pdf_bills_nothing(hub: FakeHub) -> None:
    cmd = await archived_and_signed(hub)
    signed = hub.tables.orders["WO-1"].signed_report
    assert signed is not None
    tamper(hub, signed.sha256)
    with pytest.raises(TamperedReport):
        await hub.run(cmd)
    assert hub.billing.calls == []
    assert hub.tables.orders["WO-1"].billing_reference is None


async def test_a_lost_billing_answer_is_looked_up_not_started_again(hub: FakeHub) -> None:
    cmd = await archived_and_signed(hub)
    hub.billing.lose_next_answers = 1
    with pytest.raises(TransientAdapterError):
        await hub.run(cmd)
    await hub.run(cmd)
    assert hub.billing.calls == [("start", "billing:WO-1"), ("lookup", "billing:WO-1")]
    [start] = hub.billing.starts_of("WO-1")
    assert hub.tables.orders["WO-1"].billing_reference == start.reference


async def test_a_crash_after_billing_started_is_reconciled_by_lookup(hub: FakeHub) -> None:
    cmd = await archived_and_signed(hub)
    hub.uow.crash_on_commit(after=1)
    with pytest.raises(SimulatedCrash):
        await hub.run(cmd)
    hub.clock.advance(LEASE)
    await hub.run(cmd)
    assert len(hub.billing.starts_of("WO-1")) == 1
    assert [op for op, _ in hub.billing.calls] == ["start", "lookup"]
