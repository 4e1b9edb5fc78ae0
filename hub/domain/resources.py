"""What the resource inventory (综资) holds: cables with numbered fibers, optical boxes with ports.

The inventory is the system of record for resources and for each order's assignment; the hub
only reads it and asks it to apply changes. These are the values it answers with.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from schemas.v1 import ResourceAssignment


class ResourceState(StrEnum):
    """State of a fiber or a box port."""

    FREE = "free"
    IN_USE = "in_use"
    FAULTY = "faulty"


class RefusalCode(StrEnum):
    """Why the inventory refused a change (the `code` of `hub.errors.ResourceRefused`)."""

    NO_ASSIGNMENT = "no_assignment"
    UNKNOWN_FIBER = "unknown_fiber"
    FIBER_MISMATCH = "fiber_mismatch"
    OTHER_CABLE = "other_cable"
    SAME_FIBER = "same_fiber"
    FIBER_FAULTY = "fiber_faulty"
    FIBER_TAKEN = "fiber_taken"
    UNKNOWN_BOX = "unknown_box"
    UNKNOWN_PORT = "unknown_port"
    SAME_PORT = "same_port"
    PORT_FAULTY = "port_faulty"
    PORT_TAKEN = "port_taken"
    TARGET_EXISTS = "target_exists"
    NO_FREE_RESOURCE = "no_free_resource"
    KEY_REUSED = "key_reused"
    # Set by the hub, not the inventory: the change was applied, then undone.
    ORDER_CHANGED = "order_changed"


@dataclass(frozen=True, slots=True)
class Fiber:
    """One numbered fiber (纤芯) of a cable."""

    fiber_id: str
    cable_id: str
    fiber_no: int
    state: ResourceState


@dataclass(frozen=True, slots=True)
class Cable:
    """An optical cable (光缆) and where it runs."""

    cable_id: str
    name: str
    route: str
    fiber_count: int


@dataclass(frozen=True, slots=True)
class BoxPort:
    """One port of an optical box."""

    port: int
    state: ResourceState


@dataclass(frozen=True, slots=True)
class OpticalBox:
    """An optical box (光交箱/分纤箱) with its ports."""

    box_id: str
    name: str
    address: str
    lat: float
    lon: float
    cable_id: str
    ports: tuple[BoxPort, ...]

    @property
    def free_ports(self) -> tuple[int, ...]:
        return tuple(p.port for p in self.ports if p.state is ResourceState.FREE)


@dataclass(frozen=True, slots=True)
class AppliedChange:
    """What the inventory answers to an applied swap or box change."""

    previous: ResourceAssignment
    current: ResourceAssignment
