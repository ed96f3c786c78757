"""Every command's --help shows its whole text: nothing read as Rich markup or left as reST.

Typer renders help with Rich markup on, so an unescaped ``[columns]`` or ``[default: X]``
in a help text vanished ("TOML file with a  table."). The texts are read from the click
command tree, so a command added later is checked too.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import click
import pytest
import typer
from typer.testing import CliRunner

from persona360.cli import app

_FRAME = re.compile(r"[\s│╭╮╰╯─]+")


def _commands(command: click.Command, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], click.Command]]:
    yield path, command
    commands: dict[str, click.Command] = getattr(command, "commands", {})  # typer's groups are no click.Group
    for name, sub in sorted(commands.items()):
        yield from _commands(sub, (*path, name))


COMMANDS = list(_commands(typer.main.get_command(app)))


def _texts(command: click.Command) -> list[str]:
    params = [getattr(param, "help", None) for param in command.params]
    return [text.replace("\\[", "[") for text in [command.help, *params] if text]


@pytest.mark.parametrize(("path", "command"), COMMANDS, ids=[" ".join(p) or "persona360" for p, _ in COMMANDS])
def test_help_keeps_every_bracket_and_shows_no_rest_markup(path: tuple[str, ...], command: click.Command) -> None:
    shown = CliRunner().invoke(app, [*path, "--help"], env={"COLUMNS": "100"})
    assert shown.exit_code == 0, shown.output
    squashed = _FRAME.sub("", shown.output)
    for text in _texts(command):
        for bracketed in re.findall(r"\[[^\]]*\]", text):
            assert _FRAME.sub("", bracketed) in squashed, f"{bracketed!r} missing from {' '.join(path)} --help"
    assert "``" not in shown.output


def test_the_walk_reaches_subcommands_and_bracketed_texts() -> None:
    paths = {" ".join(path) for path, _ in COMMANDS}
    assert {"import", "segments deliveries", "personas build"} <= paths
    assert sum("[" in text for _, command in COMMANDS for text in _texts(command)) >= 8


def test_import_help_lists_every_column_role() -> None:
    squashed = _FRAME.sub("", CliRunner().invoke(app, ["import", "--help"], env={"COLUMNS": "100"}).output)
    for role in ("anonymous_id", "consent:PURPOSE[:CHANNEL]", "[columns]", "[default:FILE.rejects.csv]"):
        assert role in squashed
