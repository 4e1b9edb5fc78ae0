"""Ids derived from a request's `Idempotency-Key`, so a retried request has no second effect."""

from __future__ import annotations

import hashlib
import uuid


def message_id_for(scope: str, idempotency_key: str | None) -> str:
    """The inbox id of a request: derived from its Idempotency-Key, else unique.

    The key is scoped (to the order, or the report), so a client that reuses a key for another
    order does not have that request silently swallowed; hashing keeps the id inside the inbox
    column.
    """
    if idempotency_key is None:
        return f"http-{uuid.uuid4().hex}"
    digest = hashlib.sha256(f"{scope}\n{idempotency_key}".encode()).hexdigest()
    return f"http-{digest[:48]}"


def change_id_for(order_id: str, idempotency_key: str | None) -> str:
    """A change's (or report's) id: derived from the request's Idempotency-Key, scoped."""
    if idempotency_key is None:
        return f"http-{uuid.uuid4().hex}"
    digest = hashlib.sha256(f"{order_id}\n{idempotency_key}".encode()).hexdigest()
    return f"http-{digest[:40]}"


def result_id_for(idempotency_key: str | None) -> str:
    """A test result's id: derived from the request's Idempotency-Key, else unique."""
    if idempotency_key:
        return f"key-{uuid.uuid5(uuid.NAMESPACE_URL, idempotency_key).hex}"
    return f"t-{uuid.uuid4().hex}"
