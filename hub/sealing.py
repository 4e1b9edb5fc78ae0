"""Seal short secrets for transit: the texts of SMS that carry a signing link or a code.

AES-256-GCM under a key derived (HKDF-SHA256) from the hub's signing secret, with a random
96-bit nonce per text: a sealed text in the outbox table, in a broker queue or in a parking
queue reveals nothing, and a changed byte is detected. `v1.` names the scheme, so a key or
algorithm change can be rolled out.
"""

from __future__ import annotations

import base64
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from hub.errors import InvalidMessage

SCHEME = "v1."
_NONCE = 12


class Sealer:
    """Seals and opens texts with one key."""

    def __init__(self, secret: bytes, *, purpose: bytes = b"hub-sms-text") -> None:
        """`purpose` derives a key of its own per use, so one use's ciphertext never opens
        under another."""
        key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=purpose).derive(secret)
        self._aead = AESGCM(key)

    def seal(self, text: str) -> str:
        nonce = os.urandom(_NONCE)
        sealed = nonce + self._aead.encrypt(nonce, text.encode(), SCHEME.encode())
        return SCHEME + base64.urlsafe_b64encode(sealed).decode().rstrip("=")

    def open(self, sealed: str) -> str:
        """The text, or `InvalidMessage` if it was not sealed with this key (or was changed)."""
        if not sealed.startswith(SCHEME):
            raise InvalidMessage("sealed text: unknown scheme")
        raw = sealed.removeprefix(SCHEME)
        try:
            data = base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4))
            plain = self._aead.decrypt(data[:_NONCE], data[_NONCE:], SCHEME.encode())
        except (ValueError, InvalidTag) as exc:
            raise InvalidMessage("sealed text cannot be opened with this hub's key") from exc
        return plain.decode()
