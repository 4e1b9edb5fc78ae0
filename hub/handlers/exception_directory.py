"""The exception directory as a supervisor keeps it: list, set, remove, and the demo's seed."""

from __future__ import annotations

from hub.domain.exception_directory import ANY, DirectoryEntry
from hub.errors import ConcurrencyConflict, NotFound
from hub.ports import UnitOfWorkFactory
from schemas.v1 import ExceptionType, ResponsibleParty, ResponsibleRole

_RESOURCES = (ResponsibleRole.RESOURCE_TEAM, "资源中心值班", "+8613900001001")
_ACCOUNTS = (ResponsibleRole.ACCOUNT_MANAGER, "客户经理", "+8613900001002")
_MAINTENANCE = (ResponsibleRole.MAINTENANCE, "维护值班", "+8613900001003")
DEMO_DIRECTORY: tuple[tuple[str, str, ResponsibleRole, str, str], ...] = (
    (ExceptionType.FIBER_FAULT, ANY, *_RESOURCES),
    (ExceptionType.BOX_FAULT, ANY, *_RESOURCES),
    (ExceptionType.NO_RESOURCE, ANY, *_RESOURCES),
    (ExceptionType.CUSTOMER_ABSENT, ANY, *_ACCOUNTS),
    (ExceptionType.ACCESS_DENIED, ANY, *_ACCOUNTS),
    (ExceptionType.POWER_OUTAGE, ANY, *_MAINTENANCE),
    (ExceptionType.EQUIPMENT_FAULT, ANY, *_MAINTENANCE),
    (ANY, ANY, ResponsibleRole.DISPATCHER, "调度值班", "+8613900001000"),
    (ANY, "黄浦区", ResponsibleRole.DISPATCHER, "黄浦调度", "+8613900001010"),
)
"""Who the embedded demo texts: one duty phone per team (`hub up`, `hub demo` seed it)."""


class DirectoryService:
    """Reads and edits of the directory; every change records who made it."""

    def __init__(self, uow: UnitOfWorkFactory) -> None:
        self._uow = uow

    async def entries(self) -> list[DirectoryEntry]:
        async with self._uow.read() as uow:
            return await uow.directory.entries()

    async def put(
        self, exception_type: str, district: str, responsible: ResponsibleParty, *, by: str
    ) -> DirectoryEntry:
        """Set who is responsible for the type in the district (`*`: any)."""
        async with self._uow() as uow:
            entry = DirectoryEntry(exception_type, district, responsible, by, uow.now)
            await uow.directory.put(entry)
            await uow.commit()
        return entry

    async def remove(self, exception_type: str, district: str) -> None:
        async with self._uow() as uow:
            if not await uow.directory.remove(exception_type, district):
                raise NotFound(f"no directory entry for {exception_type} in {district}")
            await uow.commit()

    async def seed_if_empty(self) -> int:
        """Fill an empty directory with the demo's duty phones; how many entries were added."""
        try:
            async with self._uow() as uow:
                if await uow.directory.entries():
                    return 0
                for kind, district, role, name, phone in DEMO_DIRECTORY:
                    party = ResponsibleParty(role=role, name=name, phone=phone)
                    entry = DirectoryEntry(str(kind), district, party, "demo-seed", uow.now)
                    await uow.directory.put(entry)
                await uow.commit()
        except ConcurrencyConflict:  # another process seeded it at the same moment
            return 0
        return len(DEMO_DIRECTORY)
