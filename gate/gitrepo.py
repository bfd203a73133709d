"""Git, read in bulk: one `git` process per question, never one per file or commit.

Owns repository discovery, the release commit (DESIGN "Where evidence is read"), the tree at a commit,
and which files are dirty or untracked. Runs git with a fixed environment (no pager, no prompts,
C locale) so output does not depend on the user's settings. Raises EvidenceUnavailable or GateError.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from gate.errors import GateError

SIGNOFF_DIR = ".gate/signoffs"


class GitError(GateError):
    """A git command failed or git is missing."""


def git_env() -> dict[str, str]:
    """The environment git runs with: no prompts, no pager, C locale, no replace objects."""
    env = dict(os.environ)
    env.update(
        {
            "GIT_TERMINAL_PROMPT": "0",
            "GIT_PAGER": "cat",
            "PAGER": "cat",
            "LC_ALL": "C",
            "LANG": "C",
            "GIT_NO_REPLACE_OBJECTS": "1",
            "GIT_OPTIONAL_LOCKS": "0",
        }
    )
    for name in ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE"):
        env.pop(name, None)
    return env


def run(root: Path, args: Sequence[str], *, check: bool = True, input_: bytes | None = None) -> bytes:
    """Run `git -C root ARGS` and return stdout; a failure raises GitError with git's message."""
    try:
        proc = subprocess.run(
            ["git", "-C", str(root), *args],
            input=input_,
            capture_output=True,
            env=git_env(),
            check=False,
        )
    except FileNotFoundError:
        raise GitError("git is not installed or not on PATH", hint="install git (https://git-scm.com)") from None
    if check and proc.returncode != 0:
        message = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        raise GitError(f"git {' '.join(args[:2])} failed: {message[-1] if message else 'exit ' + str(proc.returncode)}")
    return proc.stdout


def toplevel(path: Path) -> Path:
    """The work tree that contains path; GitError when there is none."""
    out = run(path, ["rev-parse", "--show-toplevel"], check=False).decode().strip()
    if not out:
        raise GitError(f"{path} is not inside a git work tree", hint="pass --repo DIR pointing at the repository")
    return Path(out)


def resolve_commit(root: Path, ref: str) -> str:
    """A ref -> the full commit sha; GitError when it does not name a commit."""
    out = run(root, ["rev-parse", "--verify", "--quiet", "--end-of-options", f"{ref}^{{commit}}"], check=False)
    sha = out.decode().strip()
    if not sha:
        raise GitError(f"'{ref}' does not name a commit in {root}")
    return sha


def default_release_commit(root: Path) -> str:
    """The newest commit at or before HEAD that touches anything outside .gate/signoffs/."""
    resolve_commit(root, "HEAD")
    out = run(root, ["log", "-1", "--format=%H", "HEAD", "--", ".", f":(exclude){SIGNOFF_DIR}"]).decode().strip()
    if not out:
        raise GitError("no commit at or before HEAD touches anything outside .gate/signoffs/")
    return out


@dataclass(frozen=True)
class TreeEntry:
    mode: str
    sha: str


def tree(root: Path, commit: str) -> dict[str, TreeEntry]:
    """Every file at a commit: repo-relative POSIX path -> mode and blob sha."""
    out = run(root, ["ls-tree", "-r", "-z", "--full-tree", commit])
    entries: dict[str, TreeEntry] = {}
    for record in out.split(b"\0"):
        if not record:
            continue
        meta, _, path = record.partition(b"\t")
        mode, kind, sha = meta.decode().split(" ")
        if kind == "blob":
            entries[path.decode("utf-8", "surrogateescape")] = TreeEntry(mode, sha)
    return entries


def changed_since(root: Path, commit: str) -> set[str]:
    """Tracked paths whose work-tree or index content differs from the commit (modified, deleted, added)."""
    out = run(root, ["diff", "--no-renames", "--name-only", "-z", commit, "--"])
    return {p.decode("utf-8", "surrogateescape") for p in out.split(b"\0") if p}


def untracked(root: Path) -> set[str]:
    """Files git does not track and does not ignore."""
    out = run(root, ["ls-files", "--others", "--exclude-standard", "-z"])
    return {p.decode("utf-8", "surrogateescape") for p in out.split(b"\0") if p}


def is_shallow(root: Path) -> bool:
    return run(root, ["rev-parse", "--is-shallow-repository"]).decode().strip() == "true"
