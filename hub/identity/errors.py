"""Why a credential was not accepted, in words a person understands."""

from __future__ import annotations


class Unauthenticated(Exception):
    """The credential is missing, malformed, unknown, expired, revoked or badly signed."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class InvalidUser(ValueError):
    """A user cannot be created as asked (a technician without a technician id, a bad name)."""
