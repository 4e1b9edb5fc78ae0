"""Peak memory of the report render workers while a command runs.

Runs the command, and every 0.5 s reads /proc/<pid>/status of each `hub.reports.worker`
process it started (at any depth): the largest VmRSS sampled, and the largest VmHWM (the
kernel's own high-water mark, which also catches peaks between samples).

.venv/bin/python bench/worker_rss.py [--every 0.5] -- .venv/bin/python bench/reports.py ...
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

WORKER = b"hub.reports.worker"


def descendants(root: int) -> list[int]:
    """Every process below `root` (from each process's parent id in /proc/<pid>/stat)."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    below, pending = [], [root]
    while pending:
        pid = pending.pop()
        children = [c for c, parent in parents.items() if parent == pid]
        below += children
        pending += children
    return below


def status_mb(pid: int) -> dict[str, int]:
    values = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, rest = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            values[key] = int(rest.split()[0]) // 1024
    return values


class WorkerPeaks:
    """The largest VmRSS and VmHWM seen so far of each render worker below `root`."""

    def __init__(self, root: int) -> None:
        self.root = root
        self.peaks: dict[int, dict[str, int]] = {}

    def take(self) -> None:
        for pid in descendants(self.root):
            try:
                if WORKER not in Path(f"/proc/{pid}/cmdline").read_bytes():
                    continue
                now = status_mb(pid)
            except (OSError, ValueError):
                continue  # it ended between listing and reading
            seen = self.peaks.setdefault(pid, {"VmRSS": 0, "VmHWM": 0})
            for key, value in now.items():
                seen[key] = max(seen[key], value)

    def summary(self) -> dict[str, Any]:
        return {
            "workers": len(self.peaks),
            "peak_rss_mb": max((p["VmRSS"] for p in self.peaks.values()), default=0),
            "peak_hwm_mb": max((p["VmHWM"] for p in self.peaks.values()), default=0),
            "per_worker": {str(pid): p for pid, p in sorted(self.peaks.items())},
        }


def sample_while(stop: threading.Event, peaks: WorkerPeaks, every_s: float) -> None:
    """Sample until `stop` is set (run it in a thread)."""
    while not stop.is_set():
        peaks.take()
        stop.wait(every_s)


def sample(command: list[str], every_s: float) -> dict[str, Any]:
    """Run `command` to its end; the render workers' peaks, per process and overall."""
    child = subprocess.Popen(command)
    peaks = WorkerPeaks(child.pid)
    while child.poll() is None:
        peaks.take()
        time.sleep(every_s)
    return {"exit_code": child.returncode, **peaks.summary()}


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--every", type=float, default=0.5, help="seconds between samples")
    parser.add_argument("command", nargs=argparse.REMAINDER, help="-- the command to run")
    args = parser.parse_args()
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    result = sample(command, args.every)
    print(json.dumps(result, indent=2), file=sys.stderr)
    sys.exit(result["exit_code"])
