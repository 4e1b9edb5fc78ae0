"""The hub's exception tree.

HubError
├── DomainError                 an illegal step; permanent (parked, or HTTP 409)
│   ├── IllegalTransition
│   └── NotAssigned
├── NotFound                    an unknown order or resource; permanent (parked, or HTTP 404)
├── ConcurrencyConflict         optimistic lock lost; transient (retried at once)
├── AdapterError                an external system failed
│   ├── TransientAdapterError   timeouts, 5xx, connection refused: retried with delays
│   └── PermanentAdapterError   4xx, refused by the other side: parked at once
└── InvalidMessage              a message that cannot be decoded or validated; parked
"""

from __future__ import annotations


class HubError(Exception):
    """Base of every error the hub raises on purpose."""


class DomainError(HubError):
    """A business rule forbids this step."""


class IllegalTransition(DomainError):
    """The work order is not in a state that allows this step."""


class NotAssigned(DomainError):
    """The technician is not the one this order is dispatched to."""


class NotFound(HubError):
    """The thing asked for does not exist."""


class ConcurrencyConflict(HubError):
    """Another writer changed the row first (optimistic lock)."""


class AdapterError(HubError):
    """An external system failed."""


class TransientAdapterError(AdapterError):
    """Worth retrying later: timeouts, 5xx, connection errors."""


class PermanentAdapterError(AdapterError):
    """Retrying will not help: the other side refused the request."""


class UnknownRemoteRecord(PermanentAdapterError, NotFound):
    """The external system does not know the record; as a NotFound it is retried briefly,
    since a message that creates it may still be on its way."""


class InvalidMessage(HubError):
    """A message that cannot be decoded or validated."""


PERMANENT_ERRORS: tuple[type[Exception], ...] = (
    DomainError,
    NotFound,
    PermanentAdapterError,
    InvalidMessage,
)
TRANSIENT_ERRORS: tuple[type[Exception], ...] = (TransientAdapterError, ConcurrencyConflict)
