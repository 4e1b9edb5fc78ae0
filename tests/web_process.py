"""The hub's web app in its own process, on a real uvicorn server, for tests of the HTTP surface.

`python -m tests.web_process PORT` serves a quiet hub (SQLite, no broker) the way `hub web`
does: `listen`, `uvicorn_config` and the hub's logging. `WebProcess` starts it from a test,
reads its RSS and its log file. With `HUB_TEST_FAILING_ROUTE=1` the app also has
`GET /test/fail`, which raises with big locals and secrets in its message and locals.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING

import httpx
import uvicorn
from fastapi import APIRouter

if TYPE_CHECKING:
    from hub.identity.client import TokensByCaller
    from hub.identity.roles import Role

SECRET_TOKEN = "Zr3kq0v9X1uY7Hn2bL4mPq8sT6wE5aC0dF3gJ9hK1lM"
SECRET_CODE = "493817"
SECRET_PHONE = "+8613912344726"
ROOT = Path(__file__).resolve().parents[1]


# 5 MiB of pointers, made once: the route's cost is its error path, not a fresh allocation.
BALLAST = [SECRET_TOKEN] * 655_360


def failing_router() -> APIRouter:
    """`GET /test/fail`: an unexpected error with a 5 MB list and secrets among its locals."""
    router = APIRouter()

    @router.get("/test/fail")
    async def fail() -> None:
        ballast = BALLAST  # what a traceback renderer that shows locals walks through
        link = f"/s/{SECRET_TOKEN}"
        message = f"boom for {SECRET_PHONE}: 验证码 {SECRET_CODE} on {link}"
        raise RuntimeError(f"{message} ({len(ballast)} items)")

    return router


async def serve(port: int) -> None:
    """Migrate the database, then serve the app until killed."""
    from hub.bootstrap import bootstrap
    from hub.bootstrap.web import web_services
    from hub.cli.web_app import listen, uvicorn_config
    from hub.config import load_settings
    from hub.db.engine import Database
    from hub.db.migrate import upgrade
    from hub.logging import configure_logging
    from hub.web.app import create_app

    settings = load_settings()
    configure_logging(settings)
    db = Database(settings.resolved_database_url)
    await upgrade(db)
    await db.dispose()
    hub = bootstrap(settings, consumers=False)
    routers = (failing_router(),) if os.environ.get("HUB_TEST_FAILING_ROUTE") else ()
    app = create_app(web_services(hub), extra_routers=routers)
    sock = listen("127.0.0.1", port)
    config = uvicorn_config(
        app, host="127.0.0.1", port=port, forwarded_allow_ips=settings.forwarded_allow_ips
    )
    # What `hub web`'s runtime does besides serving: the signing pages' read-side audit lines
    # are written in batches by a background task.
    flushing = asyncio.create_task(hub.signing.audit_buffer.run(asyncio.Event()))
    try:
        await uvicorn.Server(config).serve(sockets=[sock])
    finally:
        flushing.cancel()


class WebProcess:
    """A started `tests.web_process` server; use as a context manager."""

    def __init__(self, port: int, data_dir: Path, **env: str) -> None:
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self.log_path = data_dir / "web.log"
        self.database_url = f"sqlite+aiosqlite:///{data_dir / 'hub.sqlite3'}"
        self._env = {
            **os.environ,
            "HUB_DATA_DIR": str(data_dir),
            "HUB_DATABASE_URL": self.database_url,
            "HUB_LOG_LEVEL": "INFO",
            **env,
        }
        self._proc: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> WebProcess:
        log = self.log_path.open("wb")
        self._proc = subprocess.Popen(
            [sys.executable, "-m", "tests.web_process", str(self.port)],
            cwd=ROOT,
            env=self._env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()
        self._wait_until_up()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        assert self._proc is not None
        self._proc.terminate()
        try:
            self._proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._proc.kill()
            self._proc.wait()

    @property
    def pid(self) -> int:
        assert self._proc is not None
        return self._proc.pid

    def rss_kib(self) -> int:
        """The server's resident memory (`VmRSS` of /proc/<pid>/status), in KiB."""
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
        raise AssertionError("no VmRSS line")

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def callers(self) -> TokensByCaller:
        """Sign requests in as their paths' owners, with tokens issued into this server's
        database (as `hub users add` would)."""
        from hub.db.engine import Database
        from hub.db.users import DbUserStore
        from hub.identity.client import TokensByCaller
        from hub.identity.issue import issue_token
        from tests.helpers import ROLES_BY_PREFIX

        async def issue(role: Role, technician_id: str | None) -> str:
            db = Database(self.database_url, pool_size=1)
            try:
                name = f"test-{technician_id or role.value}".lower().replace("_", "-")
                return await issue_token(
                    DbUserStore(db), name, role, technician_id=technician_id, replace=True
                )
            finally:
                await db.dispose()

        return TokensByCaller(issue, ROLES_BY_PREFIX)

    def _wait_until_up(self) -> None:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            assert self._proc is not None
            if self._proc.poll() is not None:
                raise AssertionError(f"web process exited:\n{self.log()[-3000:]}")
            try:
                if httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        raise AssertionError(f"web process did not answer within 30 s:\n{self.log()[-3000:]}")


if __name__ == "__main__":
    asyncio.run(serve(int(sys.argv[1])))
