"""The roles a caller can have, and the identity every authenticated request carries."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Literal


class Role(StrEnum):
    """What a caller is to the hub; each endpoint names the roles it serves."""

    TECHNICIAN = "technician"  # the field app, for the orders assigned to this technician
    DISPATCHER = "dispatcher"  # opens, dispatches and archives orders; calls customers
    SUPPORT_SYSTEM = "support_system"  # the work-order system (客保) feeding intake
    ACCOUNT_MANAGER = "account_manager"  # reads orders of their customers, verifies reports
    SUPERVISOR = "supervisor"  # resolves exceptions, keeps the exception directory
    OPS = "ops"  # runs the hub: /ops, /metrics
    BILLING_SYSTEM = "billing_system"  # verifies signed reports before it bills


Source = Literal["api_token", "oidc"]


@dataclass(frozen=True, slots=True)
class Identity:
    """An authenticated caller. A technician's id comes from here, never from a URL."""

    subject: str
    role: Role
    technician_id: str | None = None
    display_name: str = ""
    source: Source = "api_token"
