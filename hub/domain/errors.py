"""The domain's errors: a step the business rules forbid, or a thing that does not exist.

HubError                        base of every error the hub raises on purpose
├── DomainError                 an illegal step; permanent (parked, or HTTP 409)
│   ├── IllegalTransition
│   ├── NotAssigned
│   ├── StaleReport             a signature for a report version that is not the latest
│   ├── TamperedReport          a stored report whose bytes no longer match their hash
│   └── InvalidInput            a value no rule can accept (e.g. a time far from now); 422
└── NotFound                    an unknown order or resource; permanent (parked, or HTTP 404)

The rest of the tree (adapter, persistence and message errors) is in `hub.errors`.
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


class StaleReport(DomainError):
    """The report version is not the order's latest; only the latest can be signed."""


class TamperedReport(DomainError):
    """A stored report's bytes do not match the SHA-256 recorded for it."""


class InvalidInput(DomainError):
    """A value in the request that the rules cannot accept, whatever the order's state."""


class NotFound(HubError):
    """The thing asked for does not exist."""
