"""The security tier: each finding of the attack review replayed as an attack that must fail,
and the checks that held (CSRF, code lockout, revocation, PDF injection) kept held."""

from __future__ import annotations

import pytest

from tests.integration.signing_support import clock, quiet_hub  # noqa: F401  (fixtures)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/security/" in str(item.fspath):
            item.add_marker(pytest.mark.security)
