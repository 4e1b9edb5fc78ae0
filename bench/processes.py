"""CPU and resident memory of process trees, read from /proc: the hub's processes in the benches.

`ProcessSampler(root)` samples a tree every half second and names each process by its command
line (supervisor, worker, web, render); `ProcessSampler(root, role="postgres")` names the whole
tree one thing (a server that is not the hub's). `server_root(comm)` finds such a server's
top process (the PostgreSQL postmaster, RabbitMQ's beam) by its command name.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
from pathlib import Path

RENDER = "render"


class ProcessSampler:
    """CPU and resident memory of a process tree, sampled every half second (from /proc)."""

    def __init__(self, root: int, *, role: str | None = None) -> None:
        self.root = root
        self._fixed_role = role
        self._cpu_start: dict[int, float] = {}
        self._cpu_last: dict[int, float] = {}
        self._rss_peak: dict[int, float] = {}
        self._role: dict[int, str] = {}
        self.sample()
        self._cpu_start = dict(self._cpu_last)

    async def run(self) -> None:
        while True:
            await asyncio.sleep(0.5)
            self.sample()

    def sample(self) -> None:
        tick = os.sysconf("SC_CLK_TCK")
        for pid in _tree(self.root):
            # A process may end between the listing and the reads; a zombie has no VmRSS line.
            with contextlib.suppress(OSError, IndexError, ValueError, AttributeError):
                # Its role first: a process that ends before that is not recorded at all.
                self._role.setdefault(pid, self._fixed_role or _role(pid))
                stat = Path(f"/proc/{pid}/stat").read_text().rsplit(") ", 1)[1].split()
                self._cpu_last[pid] = (int(stat[11]) + int(stat[12])) / tick
                status = Path(f"/proc/{pid}/status").read_text()
                rss_kb = int(re.search(r"VmRSS:\s+(\d+)", status).group(1))  # type: ignore[union-attr]
                self._rss_peak[pid] = max(self._rss_peak.get(pid, 0.0), rss_kb / 1024)

    def cpu_s(self) -> float:
        """CPU seconds of the whole tree since the sampler started (processes that ended
        count up to their last sample)."""
        return sum(self.cpu_by_role().values())

    def cpu_by_role(self) -> dict[str, float]:
        self.sample()
        cpu: dict[str, float] = {}
        for pid, now in self._cpu_last.items():
            role = self._role.get(pid, "other")
            cpu[role] = cpu.get(role, 0.0) + now - self._cpu_start.get(pid, 0.0)
        return cpu

    def peak_rss_mb(self) -> dict[str, float]:
        """Role → the highest resident set any one process of that role reached."""
        peaks: dict[str, float] = {}
        for pid, rss in self._rss_peak.items():
            role = self._role[pid]
            peaks[role] = max(peaks.get(role, 0.0), rss)
        return peaks

    def processes(self) -> list[tuple[int, str, float]]:
        """(pid, role, peak RSS MB) of every process seen, the largest first."""
        seen = [(pid, self._role[pid], rss) for pid, rss in self._rss_peak.items()]
        return sorted(seen, key=lambda row: -row[2])


def server_root(comm: str) -> int | None:
    """The top process named `comm` (whose parent has another name), e.g. the postmaster."""
    names: dict[int, tuple[str, int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError, IndexError, ValueError):
                stat = (entry / "stat").read_text()
                name = stat.split("(", 1)[1].rsplit(")", 1)[0]
                names[int(entry.name)] = (name, int(stat.rsplit(") ", 1)[1].split()[1]))
    tops = [
        pid
        for pid, (name, parent) in names.items()
        if name == comm and names.get(parent, ("", 0))[0] != comm
    ]
    return min(tops, default=None)


def _tree(root: int) -> list[int]:
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        with contextlib.suppress(OSError):
            for task in Path(f"/proc/{pid}/task").iterdir():
                todo.extend(int(c) for c in (task / "children").read_text().split())
    return found


def _role(pid: int) -> str:
    """What a hub process is: a supervisor, a worker, a web process, or a render process."""
    cmdline = (
        Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    )
    if "hub.reports.worker" in cmdline:
        return RENDER
    if "--processes" in cmdline or "--workers" in cmdline:
        return "supervisor"
    for role in ("worker", "web"):
        if f"hub {role}" in cmdline:
            return role
    return "other child"
