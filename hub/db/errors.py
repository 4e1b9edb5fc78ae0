"""The database driver's errors, mapped to the hub's: a unique key taken concurrently is a
`ConcurrencyConflict` (transient: the caller retries or reports it), anything else stays a bug."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.exc import IntegrityError

from hub.errors import ConcurrencyConflict

# SQLSTATE 23505 (PostgreSQL) and SQLite's message for the same thing.
_UNIQUE_MARKERS = ("23505", "UNIQUE constraint failed", "duplicate key value")


def is_unique_violation(exc: IntegrityError) -> bool:
    """True if the statement lost a race for a unique key (not a NOT NULL or FK violation)."""
    original = exc.orig
    sqlstate = getattr(original, "sqlstate", None) or getattr(original, "pgcode", None)
    text = f"{sqlstate or ''} {original}"
    return any(marker in text for marker in _UNIQUE_MARKERS)


@contextmanager
def unique_violations_as_conflicts(what: str) -> Iterator[None]:
    """Inside: a unique-key violation raises `ConcurrencyConflict(what)`."""
    try:
        yield
    except IntegrityError as exc:
        if is_unique_violation(exc):
            raise ConcurrencyConflict(what) from exc
        raise
