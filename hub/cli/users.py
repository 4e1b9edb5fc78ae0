"""`hub users …`: the embedded user store's API tokens (add, list, revoke, demo)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Annotated, TypeVar

import typer
from rich.table import Table

from hub.cli.console import err, fail, load_or_exit, out, run
from hub.cli.db import migrate
from hub.config import Settings
from hub.db.engine import Database
from hub.db.users import DbUserStore
from hub.identity.errors import InvalidUser
from hub.identity.issue import issue_demo_tokens, issue_token
from hub.identity.roles import Role

users_app = typer.Typer(help="API tokens of the embedded user store.", no_args_is_help=True)
T = TypeVar("T")


@users_app.command("add")
def add_command(
    name: Annotated[str, typer.Argument(help="A login name: a-z 0-9 . _ @ -")],
    role: Annotated[Role, typer.Option(help="What the user is to the hub.")],
    technician_id: Annotated[
        str | None, typer.Option(help="For a technician: their id in work orders.")
    ] = None,
    days: Annotated[int, typer.Option(min=1, max=3650, help="Days until it expires.")] = 90,
    replace: Annotated[bool, typer.Option(help="Replace a user of that name.")] = False,
) -> None:
    """Create a user and print their token: it is shown this once and stored only hashed."""

    async def add(users: DbUserStore) -> str:
        return await issue_token(
            users,
            name,
            role,
            technician_id=technician_id,
            valid_for=timedelta(days=days),
            replace=replace,
        )

    token = run(_with_store(load_or_exit(), add))
    err.print(f"[bold]{name}[/bold] ({role.value}) — keep this token, it is not stored:")
    print(token)


@users_app.command("list")
def list_command() -> None:
    """Users with their role, technician id and token dates (never the token)."""

    async def listed(users: DbUserStore) -> list[tuple[str, ...]]:
        now = datetime.now(UTC)
        rows: list[tuple[str, ...]] = []
        for u in await users.list():
            state = "revoked" if u.revoked_at else "expired" if u.expires_at <= now else "active"
            rows.append(
                (
                    u.name,
                    u.role.value,
                    u.technician_id or "-",
                    _day(u.created_at),
                    _day(u.expires_at),
                    state,
                    _day(u.last_used_at),
                )
            )
        return rows

    rows = run(_with_store(load_or_exit(), listed))
    table = Table("name", "role", "technician", "created", "expires", "state", "last used")
    for row in rows:
        table.add_row(*row)
    out.print(table)
    out.print(f"{len(rows)} user(s)")


@users_app.command("revoke")
def revoke_command(name: Annotated[str, typer.Argument(help="The user to revoke.")]) -> None:
    """Revoke the user's token at once; their requests and browser sessions stop working."""

    async def revoke(users: DbUserStore) -> int:
        return await users.revoke(name, at=datetime.now(UTC))

    if run(_with_store(load_or_exit(), revoke)) == 0:
        fail(f"no active user named {name!r}")
    out.print(f"revoked {name}")


@users_app.command("demo")
def demo_command() -> None:
    """Fresh 24-hour demo tokens, one per role (what `hub up` prints on loopback)."""
    settings = load_or_exit()
    tokens = run(_with_store(settings, issue_demo_tokens))
    print_tokens(tokens, url=f"http://{settings.web_host}:{settings.web_port}")


def print_tokens(tokens: dict[str, tuple[Role, str]], *, url: str) -> None:
    """The demo tokens as a table, with a line to try one."""
    table = Table("user", "role", "token", title="Demo tokens (24 h; `hub users demo` renews)")
    for name, (role, token) in tokens.items():
        table.add_row(name, role.value, token)
    out.print(table, soft_wrap=True)
    ops = next((t for r, t in tokens.values() if r is Role.OPS), None)
    if ops:
        out.print(f"try: curl -H 'Authorization: Bearer {ops}' {url}/ops/summary.json")
        out.print(f"browser: {url}/login, paste a token; then {url}/ops and {url}/docs")


async def _with_store(settings: Settings, work: Callable[[DbUserStore], Awaitable[T]]) -> T:
    await migrate(settings)
    db = Database(settings.resolved_database_url, pool_size=2)
    try:
        return await work(DbUserStore(db))
    except InvalidUser as exc:
        fail(str(exc))
    finally:
        await db.dispose()


def _day(at: datetime | None) -> str:
    return "-" if at is None else at.astimezone(UTC).strftime("%Y-%m-%d %H:%M")
