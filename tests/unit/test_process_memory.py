"""The C heap settings of hub processes (glibc)."""

from __future__ import annotations

import platform
import subprocess
import sys

import pytest

from hub import process_memory

pytestmark = pytest.mark.skipif(
    platform.libc_ver()[0] != "glibc", reason="mallopt and malloc_trim are glibc's"
)


def test_arenas_can_be_limited_and_the_heap_trimmed() -> None:
    assert process_memory.limit_arenas() is True
    process_memory.trim()  # returns what is free; must not fail


def test_every_hub_command_limits_the_arenas_before_it_runs() -> None:
    probe = (
        "from unittest import mock\n"
        "import hub.cli.main as m\n"
        "with mock.patch.object(m, 'limit_arenas', side_effect=SystemExit(7)):\n"
        "    m.app(['users', '--help'])\n"
    )
    ran = subprocess.run(
        [sys.executable, "-c", probe], check=False, capture_output=True, timeout=60
    )
    assert ran.returncode == 7, ran.stderr.decode()[-500:]
