"""Data shipped with gate (checklists/, examples/, templates/): found in a wheel and in a source checkout.

In a wheel the folders are package data under gate/_shipped/ (pyproject.toml maps `gate._shipped.NAME` to
the top-level folder NAME). In a source checkout or an editable install they are the top-level folders next
to the gate package. Read-only: callers copy what they need; never writes.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from gate.errors import GateError

SHIPPED = ("checklists", "examples", "templates")
"""The folders pyproject.toml ships as package data (a new one goes in both places)."""


def shipped_path(name: str) -> Path:
    """The folder (or a file under it, e.g. `examples/rl-project`) shipped with gate, as a real path.

    Raises GateError when the installation lacks it (a broken or partial install).
    """
    parts = Path(name).parts
    if not parts or parts[0] not in SHIPPED or ".." in parts or Path(name).is_absolute():
        raise GateError(f"'{name}' is not shipped with gate (shipped folders: {', '.join(SHIPPED)})")
    package = Path(str(resources.files("gate")))
    bases = [package / "_shipped"]
    if (package.parent / "pyproject.toml").is_file():  # a source checkout, or an editable install of one
        bases.append(package.parent)
    for base in bases:
        candidate = base.joinpath(*parts)
        if candidate.exists():
            return candidate
    raise GateError(
        f"'{name}' is missing from this installation of gate (looked in {package / '_shipped'})",
        hint="reinstall gate: the wheel ships checklists/, examples/ and templates/ as package data",
    )
