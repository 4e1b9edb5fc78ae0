"""Who must act on an exception found on site: a directory by exception type and district.

The technician never names the person (or the phone) an SMS goes to: the hub looks the type
and the order's district up here. A `*` entry is the fallback for a type (any district) or for
every type. A supervisor keeps the directory (`/api/v1/exception-directory`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from schemas.v1 import ExceptionType, ResponsibleParty

ANY = "*"
_PROVINCE = re.compile(r"^[\u4e00-\u9fff]{1,7}?省")
_CITY = re.compile(r"^[\u4e00-\u9fff]{1,7}?市")
_DISTRICT = re.compile(r"^([\u4e00-\u9fff]{1,5}?(?:新区|区|县))")


@dataclass(frozen=True, slots=True)
class DirectoryEntry:
    """The person responsible for one exception type in one district (`*`: any)."""

    exception_type: str  # an ExceptionType value, or "*"
    district: str  # e.g. 黄浦区, or "*"
    responsible: ResponsibleParty
    updated_by: str
    updated_at: datetime


def district_of(address: str) -> str:
    """The district (区/县) named in a Chinese address, or `*` if none is found."""
    rest = _CITY.sub("", _PROVINCE.sub("", address.strip()))
    found = _DISTRICT.match(rest)
    return found.group(1) if found else ANY


def lookups(exception_type: ExceptionType, district: str) -> list[tuple[str, str]]:
    """The (type, district) keys to try, most specific first."""
    keys = [(exception_type.value, district), (exception_type.value, ANY)]
    keys += [(ANY, district), (ANY, ANY)]
    return list(dict.fromkeys(keys))


def pick(
    entries: Iterable[DirectoryEntry], exception_type: ExceptionType, district: str
) -> DirectoryEntry | None:
    """The most specific entry for the type and district, if any."""
    by_key = {(e.exception_type, e.district): e for e in entries}
    for key in lookups(exception_type, district):
        if key in by_key:
            return by_key[key]
    return None
