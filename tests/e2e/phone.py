"""A phone-sized headless Chromium: the browser settings the customer-page tests share (the
served hub they open is in `conftest.py`)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS_ROOT = Path(__file__).resolve().parents[2] / "test-artifacts"
PHONE: dict[str, Any] = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 3,
    "is_mobile": True,
    "has_touch": True,
    "locale": "zh-CN",
    "user_agent": "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Chrome/126.0 Mobile Safari/537.36",
}
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]


def artifacts(name: str) -> Path:
    """Where a test's screenshots go (`test-artifacts/<name>/`), after checking Chromium."""
    if not CHROMIUM.exists():
        pytest.fail("Chromium is missing: run scripts/setup.sh (Debian package chromium)")
    path = ARTIFACTS_ROOT / name
    path.mkdir(parents=True, exist_ok=True)
    return path
