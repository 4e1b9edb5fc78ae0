"""Sealed texts: what travels in the outbox and the broker reveals nothing and cannot be
changed unnoticed; each purpose has a key of its own."""

from __future__ import annotations

import pytest

from hub.errors import InvalidMessage
from hub.sealing import Sealer

SECRET = b"0123456789abcdef" * 4
TEXT = "【政企交付】您的验证码 493817，10分钟内有效"


def test_a_sealed_text_opens_with_the_same_key_and_shows_nothing_in_between() -> None:
    sealer = Sealer(SECRET)
    sealed = sealer.seal(TEXT)
    assert sealed.startswith("v1.") and "493817" not in sealed
    assert sealer.open(sealed) == TEXT
    assert sealer.seal(TEXT) != sealed  # a fresh nonce each time


def test_a_changed_byte_another_key_or_another_purpose_do_not_open() -> None:
    sealed = Sealer(SECRET).seal(TEXT)
    flipped = sealed[:-2] + ("A" if sealed[-2] != "A" else "B") + sealed[-1]
    for sealer, text in (
        (Sealer(SECRET), flipped),
        (Sealer(b"another secret"), sealed),
        (Sealer(SECRET, purpose=b"hub-staff-session"), sealed),
        (Sealer(SECRET), "plain text"),
    ):
        with pytest.raises(InvalidMessage):
            sealer.open(text)
