"""The exception directory (who is texted about which problem where), kept by a supervisor."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Path, Response, status
from pydantic import BaseModel, Field

from hub.domain.exception_directory import DirectoryEntry
from hub.web.auth import DIRECTORY_EDITORS, EXCEPTION_DESK, IdentityDep, allow
from hub.web.deps import DirectoryDep, PageQuery
from hub.web.models import problem_response
from schemas.v1 import ExceptionType, ResponsibleParty

router = APIRouter(
    prefix="/api/v1/exception-directory", tags=["on-site"], dependencies=[allow(*EXCEPTION_DESK)]
)

TYPES = "|".join([*(t.value for t in ExceptionType), r"\*"])
TypePath = Annotated[
    str, Path(pattern=f"^({TYPES})$", description="An exception type, or `*` for any")
]
DistrictPath = Annotated[
    str,
    Path(
        pattern=r"^(\*|[\u4e00-\u9fff]{1,5}(新区|区|县))$",
        description="A district (区/县) as it appears in addresses, e.g. 黄浦区, or `*` for any",
    ),
]


class DirectoryView(BaseModel):
    """Who is texted about an exception of `exception_type` in `district` (`*`: any)."""

    exception_type: str
    district: str
    responsible: ResponsibleParty
    updated_by: str
    updated_at: datetime

    @classmethod
    def of(cls, entry: DirectoryEntry) -> DirectoryView:
        return cls(
            exception_type=entry.exception_type,
            district=entry.district,
            responsible=entry.responsible,
            updated_by=entry.updated_by,
            updated_at=entry.updated_at,
        )


class DirectoryRequest(BaseModel):
    """The person to text for this type and district."""

    responsible: ResponsibleParty = Field(description="Their role, name and phone")


@router.get("", summary="Who is texted about which exception, where")
async def list_entries(directory: DirectoryDep, page: PageQuery) -> list[DirectoryView]:
    """Every entry by type and district; the most specific one is used (`*` is the fallback)."""
    entries = await directory.entries()
    return [DirectoryView.of(e) for e in entries[page.offset : page.offset + page.limit]]


@router.put(
    "/{exception_type}/{district}",
    summary="Set who is texted for a type and district",
    dependencies=[allow(*DIRECTORY_EDITORS)],
)
async def put_entry(
    directory: DirectoryDep,
    exception_type: TypePath,
    district: DistrictPath,
    body: DirectoryRequest,
    identity: IdentityDep,
) -> DirectoryView:
    """Replaces the entry for this type and district; the change is recorded with its author."""
    entry = await directory.put(exception_type, district, body.responsible, by=identity.subject)
    return DirectoryView.of(entry)


@router.delete(
    "/{exception_type}/{district}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Remove an entry",
    responses=problem_response(404, "No such entry"),
    dependencies=[allow(*DIRECTORY_EDITORS)],
)
async def remove_entry(
    directory: DirectoryDep, exception_type: TypePath, district: DistrictPath
) -> Response:
    """The next more general entry (`*`) takes over."""
    await directory.remove(exception_type, district)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
