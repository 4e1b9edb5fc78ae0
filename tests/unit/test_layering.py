"""The domain does no I/O: it imports none of the I/O libraries or outer layers."""

from __future__ import annotations

import ast
from pathlib import Path

FORBIDDEN = {
    "faststream",
    "aio_pika",
    "aiormq",
    "sqlalchemy",
    "httpx",
    "twilio",
    "weasyprint",
    "aiosmtplib",
    "fastapi",
    "asyncpg",
    "aiosqlite",
    "adapters",
    "consumers",
}
DOMAIN = Path(__file__).resolve().parents[2] / "hub" / "domain"


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module.split(".")[0])
            if node.module.startswith("hub.") and not node.module.startswith(
                ("hub.domain", "hub.errors")
            ):
                names.add(node.module)
    return names


def test_domain_modules_import_no_io_library_or_outer_layer() -> None:
    modules = sorted(DOMAIN.glob("*.py"))
    assert modules, "no domain modules found"
    offenders = {
        path.name: sorted(bad)
        for path in modules
        if (bad := {n for n in _imports(path) if n in FORBIDDEN or n.startswith("hub.")})
    }
    assert offenders == {}
