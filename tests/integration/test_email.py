"""Report e-mails: SMTP error mapping; one message per (order, version, recipient)."""

from __future__ import annotations

import email
import email.policy
import socket
from collections.abc import AsyncIterator, Iterator
from datetime import timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from sqlalchemy import select, update

from adapters.email.smtp_sender import SmtpMailer
from hub.bootstrap import Hub
from hub.db.tables import email_messages
from hub.errors import PermanentAdapterError, TransientAdapterError
from hub.handlers.email import EmailService, message_id_for
from hub.handlers.report_reactions import report_email_id
from schemas.v1 import SendReportEmail
from tests.delivery_support import quiet_hub
from tests.fakes.standin_oracles import MailRecords

pytestmark = pytest.mark.integration

ADDRESS = "li.na@example.com"


class Sink:
    """Accepts every message, or answers every DATA with `reply`."""

    def __init__(self, reply: str = "250 OK") -> None:
        self.reply = reply
        self.messages: list[EmailMessage] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.reply.startswith("250"):
            parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
            assert isinstance(parsed, EmailMessage)
            self.messages.append(parsed)
        return self.reply


def serve(sink: Sink, port: int, **smtp: Any) -> Controller:
    controller = Controller(sink, hostname="127.0.0.1", port=port, **smtp)
    controller.start()
    return controller


@pytest.fixture
def sink(unused_tcp_port: int) -> Iterator[tuple[Sink, int]]:
    the_sink = Sink()
    controller = serve(the_sink, unused_tcp_port)
    yield the_sink, unused_tcp_port
    controller.stop()


@pytest.fixture
async def hub(tmp_path: Path) -> AsyncIterator[Hub]:
    async with quiet_hub(tmp_path) as the_hub:
        yield the_hub


def message() -> EmailMessage:
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = "hub@example.com", ADDRESS, "test"
    msg["Message-ID"] = "<m1@delivery-hub>"
    msg.set_content("hello")
    return msg


async def test_a_message_handed_over_returns_its_message_id(sink: tuple[Sink, int]) -> None:
    mailer = SmtpMailer(host="127.0.0.1", port=sink[1], start_tls=False)
    assert await mailer.send(message(), email_id="e1") == "<m1@delivery-hub>"
    assert [m["Subject"] for m in sink[0].messages] == ["test"]
    assert await mailer.lookup(email_id="e1") is None  # SMTP cannot tell


@pytest.mark.parametrize(
    ("reply", "error"),
    [("550 5.7.1 rejected", PermanentAdapterError), ("451 4.3.0 try later", TransientAdapterError)],
)
async def test_a_refusal_is_permanent_and_a_temporary_failure_transient(
    unused_tcp_port: int, reply: str, error: type[Exception]
) -> None:
    controller = serve(Sink(reply), unused_tcp_port)
    try:
        with pytest.raises(error, match=reply[:3]):
            await SmtpMailer(host="127.0.0.1", port=unused_tcp_port).send(message(), email_id="e")
    finally:
        controller.stop()


async def test_no_server_is_transient_and_chained() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(TransientAdapterError, match="unreachable") as caught:
        await SmtpMailer(host="127.0.0.1", port=port, timeout_s=2).send(message(), email_id="e")
    assert caught.value.__cause__ is not None


async def test_wrong_credentials_are_permanent(unused_tcp_port: int) -> None:
    def authenticator(
        server: Any, session: Any, envelope: Any, mechanism: str, auth: Any
    ) -> AuthResult:
        ok = isinstance(auth, LoginPassword) and auth.password == b"right"
        return AuthResult(success=ok, handled=False)

    controller = serve(Sink(), unused_tcp_port, authenticator=authenticator, auth_require_tls=False)
    try:
        mailer = SmtpMailer(
            host="127.0.0.1",
            port=unused_tcp_port,
            username="hub",
            password="wrong",
            start_tls=False,
        )
        with pytest.raises(PermanentAdapterError, match="credentials"):
            await mailer.send(message(), email_id="e")
    finally:
        controller.stop()


async def _command(hub: Hub) -> SendReportEmail:
    sha, _ = await hub.reports.store.put(b"%PDF-1.7 signed WO-MAIL-1")
    return SendReportEmail(
        email_id=report_email_id("WO-MAIL-1", 1, ADDRESS),
        order_id="WO-MAIL-1",
        report_version=1,
        sha256_signed=sha,
        to=ADDRESS,
        recipient_role="account_manager",
    )


def service(hub: Hub, port: int) -> EmailService:
    mailer = SmtpMailer(host="127.0.0.1", port=port, start_tls=False)
    return EmailService(
        hub.uow,
        mailer,
        store=hub.reports.store,
        sender="hub@example.com",
        lease=timedelta(seconds=30),
    )


async def test_a_report_email_delivered_twice_is_sent_once_with_the_pdf(
    hub: Hub, sink: tuple[Sink, int]
) -> None:
    cmd = await _command(hub)
    emails = service(hub, sink[1])
    await emails.send(cmd)
    await emails.send(cmd)
    [sent] = sink[0].messages
    [attachment] = list(sent.iter_attachments())
    assert attachment.get_payload(decode=True) == b"%PDF-1.7 signed WO-MAIL-1"
    assert sent["Message-ID"] == message_id_for(cmd.email_id)
    assert "X-Hub-Possible-Duplicate" not in sent


async def test_after_a_crash_mid_send_the_resend_is_flagged_as_a_possible_duplicate(
    hub: Hub, sink: tuple[Sink, int]
) -> None:
    cmd = await _command(hub)
    async with hub.uow() as uow:  # what a worker killed between send and record leaves behind
        await uow.emails.start_attempt(
            cmd.email_id,
            seen=None,
            lease=timedelta(seconds=30),
            order_id=cmd.order_id,
            recipient=cmd.to,
            provider="smtp",
            possible_duplicate=False,
        )
        await uow._conn.execute(  # type: ignore[union-attr]
            update(email_messages).values(lease_until=uow.now - timedelta(seconds=1))
        )
        await uow.commit()
    await service(hub, sink[1]).send(cmd)
    [resent] = sink[0].messages
    assert resent["X-Hub-Possible-Duplicate"] == "yes"
    assert resent["Message-ID"] == message_id_for(cmd.email_id)  # the receiver can drop it
    async with hub.db.read() as conn:
        row = (await conn.execute(select(email_messages))).mappings().one()
    assert (row["state"], row["possible_duplicate"], row["attempts"]) == ("done", True, 2)


async def test_the_log_mailer_reconciles_instead_of_sending_again(hub: Hub) -> None:
    cmd = await _command(hub)
    emails = EmailService(
        hub.uow, hub.mailer, store=hub.reports.store, sender="hub@x", lease=timedelta(seconds=30)
    )
    await emails.send(cmd)
    async with hub.uow() as uow:  # forget the outcome, as after a crash before recording it
        await uow._conn.execute(  # type: ignore[union-attr]
            update(email_messages).values(state="pending", lease_until=None)
        )
        await uow.commit()
    await emails.send(cmd)
    logged = await MailRecords.of(hub.mailer).masked_recipients()
    assert logged == ["l****@example.com"]
