"""Errors in a segment definition, with where they are and what would fix them."""

from __future__ import annotations

from persona360.errors import Persona360Error


class ConditionError(ValueError, Persona360Error):
    """A condition that does not parse or does not fit the workspace.

    Attributes:
        line, column: 1-based position in the text (0 when it came as a JSON tree).
    """

    def __init__(self, message: str, line: int = 0, column: int = 0) -> None:
        where = f"line {line}, column {column}: " if line else ""
        super().__init__(where + message)
        self.reason = message
        self.line = line
        self.column = column
