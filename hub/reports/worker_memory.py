"""What a render worker's memory peaked at, and giving back what a render left behind.

WeasyPrint leaves most of a render in reference cycles (Pango and HarfBuzz objects behind
cffi handles, each CJK face holding a copy and a mapping of its whole 19 MB font collection),
so without a full collection they live on into the next renders; glibc then keeps the freed
heap. Measured (`docs/benchmarks.md`): without this a worker held 166-250 MB between one-page
reports and peaked at 318-361 MB in `bench/reports.py`; with it, 85-105 MB and 176-178 MB.
"""

from __future__ import annotations

import contextlib
import gc
import resource
from pathlib import Path

from hub.process_memory import trim

_STATUS = Path("/proc/self/status")
_CLEAR_REFS = Path("/proc/self/clear_refs")
_RESET_PEAK = "5"  # clear_refs: reset VmHWM to the current RSS (Linux 4.0+)


def settle() -> None:
    """Call once after the warm-up: what is alive now (modules, caches) is kept for good,
    so later collections only walk what renders create."""
    gc.collect()
    gc.freeze()


def release() -> None:
    """Collect the last render's cycles and hand freed heap pages back to the system."""
    gc.collect()
    trim()


def reset_peak() -> None:
    """Start a new high-water mark, so `peak_mb` is this render's (kept if not possible)."""
    with contextlib.suppress(OSError):
        _CLEAR_REFS.write_text(_RESET_PEAK)


def peak_mb() -> int:
    """The most resident memory since `reset_peak` (else since the process started), in MB."""
    try:
        for line in _STATUS.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) // 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024  # KB on Linux
