"""The `hub` command lists every command and command group."""

from __future__ import annotations

from typer.testing import CliRunner

from hub.cli.main import app

COMMANDS = ("up", "worker", "web", "demo", "docs", "db", "dlq", "timers")


def test_help_lists_every_command() -> None:
    result = CliRunner().invoke(app, ["--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    for command in COMMANDS:
        assert f" {command} " in result.output


def test_each_group_lists_its_subcommands() -> None:
    runner = CliRunner()
    for group, subcommands in {
        "db": ("upgrade",),
        "dlq": ("list", "replay", "purge"),
        "timers": ("list", "move", "cancel"),
    }.items():
        result = runner.invoke(app, [group, "--help"], env={"COLUMNS": "200"})
        assert result.exit_code == 0, result.output
        for sub in subcommands:
            assert f" {sub} " in result.output


def test_timers_move_needs_exactly_one_of_at_or_in() -> None:
    result = CliRunner().invoke(app, ["timers", "move", "abc"])
    assert result.exit_code == 2
    assert "exactly one of --at or --in" in result.output


def test_purge_refuses_without_yes() -> None:
    result = CliRunner().invoke(app, ["dlq", "purge"])
    assert result.exit_code == 1
    assert "--yes" in result.output
