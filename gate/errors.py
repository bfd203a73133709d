"""The error types every layer raises. No I/O here: only `cli` prints and maps them to exit codes."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Location:
    """A place in a file: path as shown to the user, 1-based line and column (0 when unknown)."""

    path: str
    line: int = 0
    col: int = 0

    def __str__(self) -> str:
        if self.line and self.col:
            return f"{self.path}:{self.line}:{self.col}"
        if self.line:
            return f"{self.path}:{self.line}"
        return self.path


@dataclass(frozen=True)
class Problem:
    """One problem in an input file: where, which dotted field, what is wrong, how to fix it."""

    where: Location
    message: str
    field: str = ""
    hints: tuple[str, ...] = ()

    def __str__(self) -> str:
        head = f"{self.where}: "
        if self.field:
            head += f"{self.field}: "
        return head + self.message


class GateError(Exception):
    """Base of every error gate reports to a person. `where` and `hint` are optional."""

    exit_code = 2

    def __init__(self, message: str, *, where: Location | str | None = None, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.where = where
        self.hint = hint

    def __str__(self) -> str:
        if self.where:
            return f"{self.where}: {self.message}"
        return self.message


class ProblemsError(GateError):
    """One or more problems found in input files (a checklist and its includes)."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(str(problems[0]) if problems else "invalid input")
        self.problems = problems

    def __str__(self) -> str:
        return "\n".join(str(p) for p in self.problems)


class ChecklistError(GateError):
    """A checklist could not be loaded (usage or file-level error)."""


class UsageError(GateError):
    """The command line was used wrongly."""


class EvidenceUnavailable(GateError):  # noqa: N818 - an expected condition, named for it (STYLE)
    """A collector could not look at its evidence source; the item becomes ERROR (fail closed)."""
