"""Project defaults for `gate check` and the API: `gate.toml`, or `[tool.gate]` in `pyproject.toml`, at the top.

Owns finding and validating the file (unknown keys and wrong types are errors, exit 2). Never prints, never
reads anything but that one file. Paths in it are relative to the file's folder.

```toml
# gate.toml (in pyproject.toml the same keys go under [tool.gate])
checklist = "checklists/starter.yaml"
artifacts = "ci-out"
stage = "pre-release"
```
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from gate import gitrepo
from gate.errors import GateError

CONFIG_FILE = "gate.toml"
PYPROJECT = "pyproject.toml"
KEYS = {
    "checklist": "the checklist `gate check` uses when --checklist is not given",
    "artifacts": "the CI artifacts folder `gate check` uses when --artifacts is not given",
    "stage": "the stage `gate check` selects when --stage is not given",
}
"""Every key, with its meaning: the README and docs/getting-started.md describe the same."""
MAX_BYTES = 1024 * 1024


class ConfigError(GateError):
    """gate.toml (or [tool.gate]) is unreadable or invalid: exit 2."""


@dataclass(frozen=True)
class Defaults:
    """The defaults a project set; None where it set nothing. Paths are absolute (resolved against the file)."""

    checklist: Path | None = None
    artifacts: Path | None = None
    stage: str | None = None
    source: Path | None = None
    """The file they came from, or None when the project has none."""


def find(start: Path | str | None = ".") -> Defaults:
    """The defaults of the repository containing `start` (gate.toml first, then pyproject.toml's [tool.gate]).

    Outside a git work tree, or with neither file, there are none. A file that exists but is invalid raises
    ConfigError naming it.
    """
    if start is None:
        return Defaults()
    try:
        root = gitrepo.toplevel(Path(start))
    except GateError:
        return Defaults()
    return read_root(root)


def read_root(root: Path) -> Defaults:
    """The defaults defined in `root` itself (no git lookup)."""
    own = root / CONFIG_FILE
    if own.is_file():
        return _defaults(_read(own), own, own.name)
    pyproject = root / PYPROJECT
    if pyproject.is_file():
        tool = _read(pyproject).get("tool", {})
        section = tool.get("gate") if isinstance(tool, dict) else None
        if section is not None:
            if not isinstance(section, dict):
                raise ConfigError(f"{PYPROJECT}: [tool.gate] must be a table")
            return _defaults(section, pyproject, f"{PYPROJECT} [tool.gate]")
    return Defaults()


def _read(path: Path) -> dict[str, object]:
    shown = path.name
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"cannot read {shown}: {exc.strerror}") from None
    if len(data) > MAX_BYTES:
        raise ConfigError(f"{shown} is over the {MAX_BYTES}-byte limit")
    import tomllib  # only when a gate.toml or pyproject.toml is there (start-up, issue 10)

    try:
        return tomllib.loads(data.decode("utf-8"))
    except UnicodeDecodeError:
        raise ConfigError(f"{shown} is not UTF-8 text") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{shown} is not valid TOML: {exc}") from None


def _defaults(table: dict[str, object], path: Path, shown: str) -> Defaults:
    unknown = sorted(set(table) - set(KEYS))
    if unknown:
        raise ConfigError(
            f"{shown}: unknown key{'s' if len(unknown) > 1 else ''} {', '.join(repr(k) for k in unknown)}",
            hint=f"known keys: {', '.join(KEYS)}",
        )
    values: dict[str, str] = {}
    for key, value in table.items():
        if not isinstance(value, str) or not value.strip():
            raise ConfigError(f"{shown}: {key} must be a non-empty string")
        values[key] = value
    base = path.parent
    return Defaults(
        checklist=base / values["checklist"] if "checklist" in values else None,
        artifacts=base / values["artifacts"] if "artifacts" in values else None,
        stage=values.get("stage"),
        source=path,
    )


__all__ = ["CONFIG_FILE", "KEYS", "ConfigError", "Defaults", "find", "read_root"]
