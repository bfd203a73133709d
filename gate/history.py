"""history.yaml: a git history described in YAML, built into a real repository.

Used by `gate demo` (examples/rl-project) and by self-test fixtures. Every author, committer and date is
fixed by the file, and git runs isolated from the user's configuration, so the same file always builds
the same commit shas. Never prints; raises GateError (ProblemsError with file:line:col) on bad input.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Mapping
from datetime import datetime, timedelta
from pathlib import Path
from typing import Annotated, Self

from pydantic import BeforeValidator, Field, StrictStr, ValidationError, model_validator

from gate import loader
from gate.errors import GateError, Location, Problem, ProblemsError
from gate.model import Model, RelPath, _one_or_many

SLUG = r"^[a-z0-9][a-z0-9._-]*$"


class Person(Model):
    """Someone who authors or commits."""

    name: StrictStr = Field(min_length=1)
    email: StrictStr = Field(pattern=r"^[^<>\s]+@[^<>\s]+$")


class Commit(Model):
    """One commit (or, with `merge:`, one merge commit) on a branch."""

    id: Annotated[StrictStr, Field(pattern=SLUG)] | None = None
    """A label later steps may name (`from:`, `merge:`, `reset:`), also across builds (`build(labels=...)`)."""
    branch: Annotated[StrictStr, Field(pattern=SLUG)] = "main"
    """The branch the commit goes on; created from `from` (default: main's tip) when new."""
    from_: StrictStr | None = Field(default=None, alias="from")
    """For a new branch: the commit id or branch it starts from."""
    author: StrictStr | None = None
    """A key of `people`; required unless the step only resets."""
    committer: StrictStr | None = None
    """A key of `people` (default: the author)."""
    date: StrictStr | None = None
    """ISO 8601 with a zone; default one hour after the previous commit."""
    message: Annotated[StrictStr, Field(min_length=1)] | None = None
    """The commit message; required unless the step only resets."""
    trailers: Annotated[list[StrictStr], BeforeValidator(_one_or_many)] = Field(default_factory=list)
    """Lines like 'Reviewed-by: Bob <bob@lab.example>', appended as the trailer block."""
    co_authors: Annotated[list[StrictStr], BeforeValidator(_one_or_many)] = Field(default_factory=list)
    """Keys of `people`, added as Co-authored-by trailers."""
    add: Annotated[list[RelPath], BeforeValidator(_one_or_many)] = Field(default_factory=list)
    """Paths copied from the fixture's repo/ folder (a folder adds every file under it)."""
    write: dict[RelPath, StrictStr] = Field(default_factory=dict)
    """Paths written with inline content."""
    delete: Annotated[list[RelPath], BeforeValidator(_one_or_many)] = Field(default_factory=list)
    """Paths removed."""
    reset: StrictStr | None = None
    """Before this step, hard-reset `branch` to this commit id, tag or ref (rewriting a release branch)."""
    merge: StrictStr | None = None
    """A branch merged into `branch` with a merge commit (no fast-forward)."""
    tag: StrictStr | None = None
    """A tag created on this commit."""
    tag_message: StrictStr | None = None
    """Makes the tag annotated."""

    @model_validator(mode="after")
    def _something(self) -> Self:
        if self.merge is None and self.reset is None and not (self.add or self.write or self.delete):
            raise ValueError("a commit needs add, write or delete (or merge: for a merge commit, reset: to rewind)")
        if not self.reset_only:
            missing = [name for name in ("author", "message") if getattr(self, name) is None]
            if missing:
                raise ValueError(f"a commit needs {' and '.join(missing)}")
        elif self.tag is not None:
            raise ValueError("a step that only resets makes no commit to tag")
        return self

    @property
    def reset_only(self) -> bool:
        """A step that only moves the branch (`reset:` with nothing to commit)."""
        return self.reset is not None and self.merge is None and not (self.add or self.write or self.delete)


class History(Model):
    """A repository's history: people and commits in order."""

    people: dict[Annotated[StrictStr, Field(pattern=SLUG)], Person]
    start: StrictStr = "2026-03-02T09:00:00+00:00"
    """The first commit's date when it gives none."""
    mailmap: StrictStr | None = None
    """Content of a .mailmap written in the first commit."""
    commits: Annotated[list[Commit], Field(min_length=1)]

    @model_validator(mode="after")
    def _people_known(self) -> Self:
        for i, c in enumerate(self.commits):
            for who in [c.author, c.committer, *c.co_authors]:
                if who is not None and who not in self.people:
                    raise ValueError(f"commits[{i}]: unknown person '{who}'")
        return self


def load_history(path: Path) -> History:
    """Parse and validate a history.yaml with file:line:col problems."""
    shown = loader.display_path(path)
    data, pos = loader.parse_yaml(loader.read_text(path, shown, what="history file"), shown)
    if not isinstance(data, dict):
        raise ProblemsError([Problem(Location(shown, 1, 1), "a history file is a mapping with people and commits")])
    try:
        return History.model_validate(data)
    except ValidationError as exc:
        raise ProblemsError(loader.validation_problems(exc, data, pos)) from None


def _parse_date(text: str) -> datetime:
    try:
        when = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise GateError(f"invalid date '{text}' (ISO 8601 with a zone, e.g. 2026-03-02T09:00:00+00:00)") from None
    if when.tzinfo is None:
        raise GateError(f"date '{text}' has no time zone")
    return when


def isolated_git_env(home: Path) -> dict[str, str]:
    """git with no user or system config, fixed locale and zone: builds are reproducible anywhere."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env.update(
        {
            "HOME": str(home),
            "GIT_CONFIG_NOSYSTEM": "1",
            "GIT_CONFIG_GLOBAL": os.devnull,
            "LC_ALL": "C",
            "TZ": "UTC",
            "GIT_TERMINAL_PROMPT": "0",
        }
    )
    return env


def build(
    history: History,
    fixture: Path,
    target: Path,
    *,
    on_top: bool = False,
    labels: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """Build the history into a new repository at target (or, with on_top, onto the repository there).

    `labels` are commit ids from an earlier build (its return value) that steps may name in `from:`,
    `merge:` and `reset:`. Returns commit id -> sha for those and for the steps here that have an `id`.
    """
    if on_top:
        if not (target / ".git").exists():
            raise GateError(f"{target} is not a git repository")
    elif target.exists() and any(target.iterdir()):
        raise GateError(f"{target} exists and is not empty")
    target.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="gate-git-home-") as home:
        return _build(history, fixture, target, isolated_git_env(Path(home)), on_top, dict(labels or {}))


def _build(
    history: History, fixture: Path, target: Path, env: dict[str, str], on_top: bool, labels: dict[str, str]
) -> dict[str, str]:

    def git(*args: str, extra: dict[str, str] | None = None) -> str:
        try:
            proc = subprocess.run(
                ["git", "-C", str(target), *args],
                capture_output=True,
                text=True,
                env={**env, **(extra or {})},
                check=False,
            )
        except FileNotFoundError:
            raise GateError("git is not installed (or not on PATH); building a history needs it") from None
        if proc.returncode != 0:
            raise GateError(f"git {' '.join(args[:2])} failed while building the history: {proc.stderr.strip()}")
        return proc.stdout.strip()

    if not on_top:
        git("init", "--quiet", "--initial-branch=main")
        git("config", "commit.gpgsign", "false")
        git("config", "tag.gpgsign", "false")
        git("config", "core.autocrlf", "false")
    clock = _parse_date(history.start) - timedelta(hours=1)
    current = git("rev-parse", "--abbrev-ref", "HEAD") if on_top else "main"
    known_branches = set(git("for-each-ref", "--format=%(refname:short)", "refs/heads").split()) if on_top else {"main"}
    repo_src = fixture / "repo"
    for i, step in enumerate(history.commits):
        clock = _parse_date(step.date) if step.date else clock + timedelta(hours=1)
        stamp = f"{int(clock.timestamp())} {clock.strftime('%z') or '+0000'}"
        if step.branch != current:
            if step.branch in known_branches:
                git("checkout", "--quiet", step.branch)
            else:
                start = labels.get(step.from_ or "", step.from_ or "main")
                git("checkout", "--quiet", "-b", step.branch, start)
                known_branches.add(step.branch)
            current = step.branch
        if step.reset is not None:
            git("reset", "--quiet", "--hard", labels.get(step.reset, step.reset))
            if step.reset_only:
                continue
        assert step.author is not None and step.message is not None  # Commit validates this
        author = history.people[step.author]
        committer = history.people[step.committer or step.author]
        extra = {
            "GIT_AUTHOR_NAME": author.name,
            "GIT_AUTHOR_EMAIL": author.email,
            "GIT_AUTHOR_DATE": stamp,
            "GIT_COMMITTER_NAME": committer.name,
            "GIT_COMMITTER_EMAIL": committer.email,
            "GIT_COMMITTER_DATE": stamp,
        }
        if i == 0 and history.mailmap and not on_top:
            (target / ".mailmap").write_text(history.mailmap, encoding="utf-8")
            git("add", ".mailmap")
        for rel in step.add:
            src = repo_src / rel
            if not src.exists():
                raise GateError(f"commits[{i}].add: {rel} not found under {repo_src}")
            sources = [p for p in sorted(src.rglob("*")) if p.is_file()] if src.is_dir() else [src]
            for s in sources:
                dest = target / s.relative_to(repo_src)
                dest.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(s, dest)
                git("add", "--", s.relative_to(repo_src).as_posix())
        for rel, content in step.write.items():
            dest = target / rel
            dest.parent.mkdir(parents=True, exist_ok=True)
            dest.write_text(content, encoding="utf-8")
            git("add", "--", rel)
        for rel in step.delete:
            git("rm", "--quiet", "-r", "--", rel)
        message = step.message.rstrip() + "\n"
        trailers = list(step.trailers) + [
            f"Co-authored-by: {history.people[c].name} <{history.people[c].email}>" for c in step.co_authors
        ]
        if trailers:
            message += "\n" + "\n".join(trailers) + "\n"
        if step.merge is not None:
            git(
                "merge",
                "--quiet",
                "--no-ff",
                "--no-edit",
                "-m",
                message,
                labels.get(step.merge, step.merge),
                extra=extra,
            )
            if step.add or step.write or step.delete:
                git("commit", "--quiet", "--amend", "--no-edit", extra=extra)
        else:
            git("commit", "--quiet", "--allow-empty-message", "-m", message, extra=extra)
        sha = git("rev-parse", "HEAD")
        if step.id:
            labels[step.id] = sha
        if step.tag:
            if step.tag_message:
                git("tag", "-a", step.tag, "-m", step.tag_message, extra=extra)
            else:
                git("tag", step.tag)
    if current != "main":
        git("checkout", "--quiet", "main")
    return labels
