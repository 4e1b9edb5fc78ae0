"""The handler tier: the real use cases over in-memory fakes; no database, broker or browser."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.handlers.harness import FakeHub, fake_hub


@pytest.fixture
def hub(tmp_path: Path) -> FakeHub:
    return fake_hub(tmp_path)
