"""The `hub` command: processes, the demo, and the ops command groups."""

from __future__ import annotations

import typer

from hub.cli.db import db_app
from hub.cli.dlq import dlq_app
from hub.cli.docs import docs_command
from hub.cli.plugins import PluginGroup
from hub.cli.processes import web_command, worker_command
from hub.cli.timers import timers_app
from hub.cli.up import up_command
from hub.cli.users import users_app
from hub.process_memory import limit_arenas

app = typer.Typer(
    name="hub",
    help="Delivery hub: an async integration hub for on-site delivery of enterprise lines.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,  # locals may hold credentials
    add_completion=False,
    cls=PluginGroup,  # adds `hub demo` (the simulation package's) without importing it here
)


@app.callback()
def _process() -> None:
    """Runs before every command, before any thread starts (`hub.process_memory`)."""
    limit_arenas()


app.command("up")(up_command)
app.command("worker")(worker_command)
app.command("web")(web_command)
app.command("docs")(docs_command)
app.add_typer(db_app, name="db")
app.add_typer(dlq_app, name="dlq")
app.add_typer(timers_app, name="timers")
app.add_typer(users_app, name="users")
