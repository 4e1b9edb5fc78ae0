"""Plugin commands (`hub.commands` entry points) are imported only when they are used."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]

# Runs `hub <args>` as `python -m hub` does, then prints which simulation modules were imported.
SCRIPT = """
import json, runpy, sys
sys.argv = ["hub", *sys.argv[1:]]
try:
    runpy.run_module("hub", run_name="__main__")
except SystemExit as exit:
    code = exit.code
modules = sorted(m for m in sys.modules if m.split(".")[0] == "simulation")
print(json.dumps({"code": code, "simulation": modules}))
"""


def _simulation_modules_after(*args: str) -> list[str]:
    """Run `hub <args>` in a fresh interpreter; it must exit 0. The simulation modules it loaded."""
    env = {**os.environ, "COLUMNS": "200"}
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO_ROOT), env.get("PYTHONPATH")) if p)
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["code"] == 0, done.stdout
    modules: list[str] = result["simulation"]
    return modules


@pytest.mark.parametrize("command", ["worker", "web", "up", "db"])
def test_a_builtin_command_does_not_import_the_simulation(command: str) -> None:
    assert _simulation_modules_after(command, "--help") == []


def test_the_demo_command_imports_the_simulation_when_it_is_used() -> None:
    assert "simulation.demo.command" in _simulation_modules_after("demo", "--help")
