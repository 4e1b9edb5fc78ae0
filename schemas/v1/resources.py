"""Resource values shared by orders and the on-site flows: what a line runs on in the inventory."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, StringConstraints

from schemas.v1.common import Contract

ResourceId = Annotated[
    str,
    StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,39}$"),
    Field(description="Id of a cable, fiber or optical box in the resource inventory (综资)"),
]
FiberNo = Annotated[
    int, Field(ge=1, le=1000, description="Number of the fiber (纤芯号) within its cable")
]
PortNo = Annotated[int, Field(ge=1, le=288, description="Port number on the optical box")]


class ResourceAssignment(Contract):
    """The resources an order's line runs on, as the inventory (综资) records them."""

    cable_id: ResourceId = Field(description="Optical cable (光缆) the fiber belongs to")
    fiber_id: ResourceId = Field(description="Fiber (纤芯) id, unique across the inventory")
    fiber_no: FiberNo
    box_id: ResourceId = Field(description="Optical box (光交箱/分纤箱) the drop ends in")
    port: PortNo = Field(description="Port on that optical box")
