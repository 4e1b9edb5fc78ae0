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
└── ReportRenderFailed          a report render crashed or ran past its time limit; parked
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


PERMANENT_ERRORS: tuple[type[Exception], ...] = (
    DomainError,
    NotFound,
    PermanentAdapterError,
    InvalidMessage,
    ReportRenderFailed,
)
TRANSIENT_ERRORS: tuple[type[Exception], ...] = (TransientAdapterError, ConcurrencyConflict)


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
    "ReportRenderFailed",
    "ResourceRefused",
    "StaleReport",
    "TamperedReport",
    "TransientAdapterError",
    "UnknownRemoteRecord",
]
