"""The hub's exception tree (domain errors are defined in `hub.domain.errors`).

HubError
├── DomainError                 an illegal step; permanent (parked, or HTTP 409)
│   ├── IllegalTransition
│   ├── NotAssigned
│   ├── StaleReport             a signature for a report version that is not the latest
│   └── TamperedReport          a stored report whose bytes no longer match their hash
├── NotFound                    an unknown order or resource; permanent (parked, or HTTP 404)
├── ConcurrencyConflict         optimistic lock lost; transient (retried at once)
├── AdapterError                an external system failed
│   ├── TransientAdapterError   timeouts, 5xx, connection refused: retried with delays
│   └── PermanentAdapterError   4xx, refused by the other side: parked at once
│       └── ResourceRefused     the inventory refused a change (code + reason): a business outcome
├── InvalidMessage              a message that cannot be decoded or validated; parked
├── ReportRenderFailed          a report render crashed or ran past its time limit; parked
├── ReportPreparing             a report a person asked for is being rendered (HTTP 202)
└── RenderInterrupted           the same, for a render a durable command owes (the signed PDF
                                of an accepted signature): retried with delays
"""

from __future__ import annotations

from hub.domain.errors import (
    DomainError,
    HubError,
    IllegalTransition,
    InvalidInput,
    NotAssigned,
    NotFound,
    StaleReport,
    TamperedReport,
)


class ConcurrencyConflict(HubError):
    """Another writer changed the row first (optimistic lock)."""


class AdapterError(HubError):
    """An external system failed."""


class TransientAdapterError(AdapterError):
    """Worth retrying later: timeouts, 5xx, connection errors."""


class PermanentAdapterError(AdapterError):
    """Retrying will not help: the other side refused the request."""


class ResourceRefused(PermanentAdapterError):
    """The resource inventory refused a change; `code` says why (e.g. `fiber_taken`).

    The on-site flows record it as the change's outcome and tell the technician; nothing changed.
    """

    def __init__(self, code: str, reason: str) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason


class UnknownRemoteRecord(PermanentAdapterError, NotFound):
    """The external system does not know the record; as a NotFound it is retried briefly,
    since a message that creates it may still be on its way."""


class InvalidMessage(HubError):
    """A message that cannot be decoded or validated."""


class ReportRenderFailed(HubError):
    """The report renderer crashed or exceeded its time limit (the worker was killed)."""


class ReportPreparing(HubError):
    """The report a person asked for is being rendered by a worker; ask again shortly."""

    retry_after_s = 2


class RenderInterrupted(HubError):
    """A render that must happen (an accepted signature's PDF) crashed or timed out: retry it."""


PERMANENT_ERRORS: tuple[type[Exception], ...] = (
    DomainError,
    NotFound,
    PermanentAdapterError,
    InvalidMessage,
    ReportRenderFailed,
)
TRANSIENT_ERRORS: tuple[type[Exception], ...] = (
    TransientAdapterError,
    ConcurrencyConflict,
    RenderInterrupted,
)


__all__ = [
    "PERMANENT_ERRORS",
    "TRANSIENT_ERRORS",
    "AdapterError",
    "ConcurrencyConflict",
    "DomainError",
    "HubError",
    "IllegalTransition",
    "InvalidInput",
    "InvalidMessage",
    "NotAssigned",
    "NotFound",
    "PermanentAdapterError",
    "RenderInterrupted",
    "ReportPreparing",
    "ReportRenderFailed",
    "ResourceRefused",
    "StaleReport",
    "TamperedReport",
    "TransientAdapterError",
    "UnknownRemoteRecord",
]
