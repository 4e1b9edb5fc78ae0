"""How the hub's processes use the C heap (glibc): fewer arenas, freed pages given back.

glibc gives a thread that allocates while another holds the heap lock an arena of its own (up
to 8 per core) and seldom returns an arena's freed pages. `hub web` rasterizes report pages in
threads (PDFium bitmaps, PNG encoding: about 6 MB a page), and `bench/history.py` saw the web
process at 397–443 MB, past the 300 MB every hub process must stay under. Rasterizing 64
two-page reports, 16 at once, in one process: peak 335 MB, 234 MB kept after; trimming after
each report's pages: 151 / 47 MB; with two arenas as well: 147 / 39 MB. Elsewhere than glibc
both calls do nothing."""

from __future__ import annotations

import ctypes
import ctypes.util
from typing import Any

M_ARENA_MAX = -8  # mallopt's parameter number (malloc.h)
ARENAS = 2


def _libc() -> Any:
    name = ctypes.util.find_library("c")
    try:
        return ctypes.CDLL(name) if name else None
    except OSError:  # pragma: no cover - no loadable C library
        return None


_LIBC = _libc()


def limit_arenas(count: int = ARENAS) -> bool:
    """At most `count` heap arenas from now on (call before threads start); True if set."""
    mallopt = getattr(_LIBC, "mallopt", None)
    return bool(mallopt and mallopt(M_ARENA_MAX, count) == 1)


def trim() -> None:
    """Hand the heap's free pages back to the system (after a large, passing allocation)."""
    malloc_trim = getattr(_LIBC, "malloc_trim", None)
    if malloc_trim is not None:
        malloc_trim(0)
