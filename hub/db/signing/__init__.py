"""Signing links, their tokens and sessions, signatures and the audit trail in the database.

Only digests are stored: SHA-256 of link tokens and session ids, HMAC of one-time codes.
Two statements carry the exactly-once guarantees: `claim_code_try` (`codes.py`: a conditional
UPDATE that counts a code try before the code is compared) and `claim_signature`
(`signatures.py`: an insert on the `signatures` primary key, one row per order).
"""

from __future__ import annotations

from hub.db.signing.audit import AuditRows
from hub.db.signing.codes import CodeRows
from hub.db.signing.links import LinkRows
from hub.db.signing.signatures import SignatureRows


class SigningRepository(LinkRows, CodeRows, SignatureRows, AuditRows):
    """Reads and writes of the signing tables inside one connection (a unit of work or a read)."""


__all__ = ["SigningRepository"]
