"""Value types shared by commands and events."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

OrderId = Annotated[
    str,
    StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$"),
    Field(description="Work-order number assigned by the customer-support system (客保)"),
]
TechnicianId = Annotated[
    str,
    StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$"),
    Field(description="Staff id of the field technician (装维人员)"),
]
Phone = Annotated[
    str,
    StringConstraints(pattern=r"^\+[1-9][0-9]{6,14}$"),
    Field(description="Phone number in E.164 form, e.g. +8613800138000"),
]
ShortText = Annotated[str, StringConstraints(min_length=1, max_length=200, strip_whitespace=True)]


class Contract(BaseModel):
    """Base of every wire model: unknown fields are an error, values are immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Coordinates(Contract):
    """A WGS-84 position."""

    lat: float = Field(ge=-90, le=90, description="Latitude in decimal degrees")
    lon: float = Field(ge=-180, le=180, description="Longitude in decimal degrees")


class InstallAddress(Contract):
    """Where the line is installed."""

    text: ShortText = Field(description="Postal address as written on the order")
    coordinates: Coordinates = Field(description="Geocoded position of the address")


class Contact(Contract):
    """The customer's on-site contact person."""

    name: ShortText = Field(description="Contact person's name")
    phone: Phone
    email: str | None = Field(
        default=None,
        pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$",
        max_length=254,
        description="Contact's e-mail for a copy of the signed report, if known",
    )


class AccountManager(Contract):
    """The telecom account manager (客户经理) responsible for the customer."""

    name: ShortText = Field(description="Account manager's name")
    phone: Phone | None = Field(default=None, description="Account manager's phone, if known")
    email: str | None = Field(
        default=None,
        pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$",
        max_length=254,
        description="Account manager's e-mail, if known",
    )


class Technician(Contract):
    """The field technician an order is dispatched to."""

    id: TechnicianId
    name: ShortText = Field(description="Technician's name")
    phone: Phone
