"""Files stored by their SHA-256 under the data dir: `<root>/<sha[:2]>/<sha><suffix>`.

Writing the same bytes twice is one file; a file never changes once written (a changed file is
detected by re-hashing it, see `read_verified`).
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import tempfile
from pathlib import Path

from hub.errors import TamperedReport


class ContentStore:
    """A directory of content-addressed files with one suffix (e.g. `.pdf`)."""

    def __init__(self, root: Path, *, suffix: str) -> None:
        self.root = root
        self.suffix = suffix

    def path_for(self, sha256: str) -> Path:
        if len(sha256) != 64 or not all(c in "0123456789abcdef" for c in sha256):
            raise ValueError("not a SHA-256 hex digest")
        return self.root / sha256[:2] / f"{sha256}{self.suffix}"

    async def put(self, data: bytes) -> tuple[str, Path]:
        """Store `data`; returns its SHA-256 and path (atomic: readers never see half a file)."""
        return await asyncio.to_thread(self._put, data)

    async def read(self, sha256: str) -> bytes:
        return await asyncio.to_thread(self.path_for(sha256).read_bytes)

    async def read_verified(self, sha256: str) -> bytes:
        """The file's bytes, or `TamperedReport` if they no longer hash to `sha256`."""
        data = await self.read(sha256)
        if hashlib.sha256(data).hexdigest() != sha256:
            raise TamperedReport(f"stored file {sha256[:12]}… does not match its SHA-256")
        return data

    def exists(self, sha256: str) -> bool:
        return self.path_for(sha256).is_file()

    def _put(self, data: bytes) -> tuple[str, Path]:
        sha256 = hashlib.sha256(data).hexdigest()
        path = self.path_for(sha256)
        if path.is_file() and path.stat().st_size == len(data):
            return sha256, path
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(data)
                out.flush()
                os.fsync(out.fileno())
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return sha256, path
