"""Send e-mail over SMTP with aiosmtplib; its errors are mapped to the hub's tree."""

from __future__ import annotations

import ssl
from email.message import EmailMessage

import aiosmtplib

from hub.errors import PermanentAdapterError, TransientAdapterError


class SmtpMailer:
    """Implements `hub.ports.Mailer` against one SMTP server."""

    name = "smtp"

    def __init__(
        self,
        *,
        host: str,
        port: int,
        username: str | None = None,
        password: str | None = None,
        start_tls: bool | None = None,
        timeout_s: float = 10.0,
    ) -> None:
        self._host = host
        self._port = port
        self._username = username
        self._password = password
        self._start_tls = start_tls
        self._timeout_s = timeout_s

    async def send(self, message: EmailMessage, *, email_id: str) -> str:
        try:
            await aiosmtplib.send(
                message,
                hostname=self._host,
                port=self._port,
                username=self._username,
                password=self._password,
                start_tls=self._start_tls,
                timeout=self._timeout_s,
            )
        except aiosmtplib.SMTPRecipientsRefused as exc:
            raise PermanentAdapterError("the mail server refused every recipient") from exc
        except aiosmtplib.SMTPAuthenticationError as exc:
            raise PermanentAdapterError("the mail server refused the credentials") from exc
        except aiosmtplib.SMTPResponseException as exc:
            if 500 <= exc.code < 600:
                raise PermanentAdapterError(f"the mail server refused: {exc.code}") from exc
            raise TransientAdapterError(f"the mail server answered {exc.code}") from exc
        except (aiosmtplib.SMTPException, OSError, ssl.SSLError) as exc:
            raise TransientAdapterError(
                f"mail server unreachable or failed: {type(exc).__name__}"
            ) from exc
        return str(message["Message-ID"])

    async def lookup(self, *, email_id: str) -> str | None:
        """SMTP cannot say whether a message went out; a resend keeps its Message-ID."""
        return None
