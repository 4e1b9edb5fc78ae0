"""Outgoing e-mail: SMTP (aiosmtplib) and the `log` stand-in."""
