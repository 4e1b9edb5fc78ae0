"""Masked forms of personal data: enough to recognise a phone or an address, not to use it."""

from __future__ import annotations


def mask_phone(phone: str) -> str:
    """`+8613800138000` → `+86*******000`: enough to recognise, not enough to call."""
    if len(phone) <= 6:
        return "*" * len(phone)
    return phone[:3] + "*" * (len(phone) - 6) + phone[-3:]


def mask_email(address: str) -> str:
    """`li.na@example.com` → `l****@example.com`."""
    local, _, domain = address.strip().partition("@")
    if not domain:
        return "*" * len(local)
    return f"{local[:1]}{'*' * max(len(local) - 1, 1)}@{domain}"


def mask_phone_middle(phone: str) -> str:
    """`+8613912344726` → `+86139****4726`: the form shown to people who may read an order but
    have no need to call its contacts (the log redaction prints the same)."""
    if len(phone) < 11:
        return mask_phone(phone)
    return phone[:6] + "*" * (len(phone) - 10) + phone[-4:]
