"""Value types shared by commands and events."""

from __future__ import annotations

import unicodedata
from datetime import UTC, datetime
from typing import Annotated

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints

EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
LATEST = datetime(2100, 1, 1, tzinfo=UTC)
_LINE_BREAKS = "\n\r\t"


def _visible(value: str, *, multiline: bool) -> str:
    """Refuse control and format characters (bidi overrides, zero-width, NUL, ...).

    They make a name or an address display differently from what it is (`\u202e` reverses the
    text after it) or forge lines in logs and SMS; only a note may carry tabs and newlines.
    """
    for ch in value:
        if multiline and ch in _LINE_BREAKS:
            continue
        if unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp"):
            kind = "line break" if ch in _LINE_BREAKS else "invisible or control character"
            raise ValueError(f"contains a {kind} (U+{ord(ch):04X}); remove it")
    return value


def single_line(value: str) -> str:
    return _visible(value, multiline=False)


def multi_line(value: str) -> str:
    return _visible(value, multiline=True)


def plausible_moment(value: datetime) -> datetime:
    """Nothing before 2000 or from 2100 on: such a time is a broken clock or a typo."""
    if not EARLIEST <= value < LATEST:
        raise ValueError("must lie between 2000-01-01 and 2100-01-01")
    return value


Moment = Annotated[AwareDatetime, AfterValidator(plausible_moment)]
"""A point in time with its UTC offset, between 2000 and 2100."""

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
ShortText = Annotated[
    str,
    StringConstraints(min_length=1, max_length=200, strip_whitespace=True),
    AfterValidator(single_line),
]
"""One line of visible text (a name, an address): no control or bidi characters."""


NoteText = Annotated[str, StringConstraints(max_length=2000), AfterValidator(multi_line)]
"""Free text of up to 2,000 characters: lines allowed, no control or bidi characters."""

ReasonText = Annotated[
    str, StringConstraints(max_length=200, strip_whitespace=True), AfterValidator(single_line)
]
"""A one-line reason of up to 200 visible characters (may be empty)."""


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
    team: ShortText | None = Field(
        default=None, description="The team (班组) the technician works in, for punctuality figures"
    )
