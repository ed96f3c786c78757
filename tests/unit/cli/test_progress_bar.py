"""A command's progress bar draws on a terminal and writes nothing anywhere else.

Rich ends a bar on a console that is no terminal with a blank line, so ``import > out.txt``
wrote one, and a cron job's mail got one for every command with a bar.
"""

from __future__ import annotations

import io

from rich.console import Console

from persona360.cli.state import progress_bar


def _drawn(terminal: bool, *, hidden: bool = False, transient: bool = True) -> str:
    drawn = io.StringIO()
    console = Console(file=drawn, force_terminal=terminal, force_interactive=terminal, width=80)
    with progress_bar(shown_on=console, hidden=hidden, transient=transient) as bar:
        task = bar.add_task("Importing customers.csv", total=2)
        bar.update(task, completed=2)
    return drawn.getvalue()


def test_a_bar_draws_on_a_terminal() -> None:
    assert "Importing customers.csv" in _drawn(terminal=True)


def test_a_bar_writes_nothing_to_a_file_or_pipe_kept_or_not() -> None:
    assert _drawn(terminal=False) == ""
    assert _drawn(terminal=False, transient=False) == ""  # the demo's bars stay on a terminal


def test_a_hidden_bar_writes_nothing_even_on_a_terminal() -> None:
    assert _drawn(terminal=True, hidden=True) == ""  # --json: the document alone
