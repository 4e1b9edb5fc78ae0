"""`hub db …`: the database schema."""

from __future__ import annotations

import typer
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection, make_url

from hub.cli.console import load_or_exit, out, run
from hub.config import Settings
from hub.db.engine import Database
from hub.db.migrate import alembic_config, upgrade

db_app = typer.Typer(help="Database schema.", no_args_is_help=True)


@db_app.command("upgrade")
def upgrade_command() -> None:
    """Apply the migrations to the configured database and print its revision."""
    settings = load_or_exit()
    before, after = run(_upgrade(settings))
    change = "already at" if before == after else f"upgraded from {before} to"
    out.print(f"database {display_url(settings)}: {change} revision [bold]{after}[/bold]")


async def migrate(settings: Settings) -> str:
    """Bring the configured database to head; returns the revision it is at."""
    _, after = await _upgrade(settings)
    return after


async def _upgrade(settings: Settings) -> tuple[str, str]:
    db = Database(settings.resolved_database_url)
    try:
        before = await current_revision(db)
        await upgrade(db)
        return before, await current_revision(db)
    finally:
        await db.dispose()


async def current_revision(db: Database) -> str:
    """The alembic revision the database is at (`"none"` if never migrated)."""

    def _read(conn: Connection) -> str | None:
        return MigrationContext.configure(conn).get_current_revision()

    async with db.engine.connect() as conn:
        revision = await conn.run_sync(_read)
    return revision or "none"


def head_revision() -> str:
    """The newest revision this code knows."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    return head or "none"


def display_url(settings: Settings) -> str:
    """The database URL without its password."""
    return make_url(settings.resolved_database_url).render_as_string(hide_password=True)
