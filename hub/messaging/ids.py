"""Deterministic message ids: the same business step always gets the same id, so a repeat
collapses in the outbox (primary key) and in every consumer's inbox."""

from __future__ import annotations

import hashlib


def stable_id(kind: str, *parts: object) -> str:
    """`kind-<40 hex>`, at most 64 characters whatever the parts (order ids are up to 64)."""
    digest = hashlib.sha256("\x1f".join(str(p) for p in (kind, *parts)).encode()).hexdigest()
    return f"{kind[:23]}-{digest[:40]}"
