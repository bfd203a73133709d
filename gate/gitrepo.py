"""Git, read in bulk: one `git` process per question, never one per file or commit.

Owns repository discovery, the release commit (DESIGN "Where evidence is read"), the tree at a commit,
which files are dirty or untracked, and the bulk history readers of the git.* collectors (one `git log` per
range with a NUL-separated format, one `check-mailmap --stdin` for every identity, tags in one `for-each-ref`).
Runs git with a fixed environment (no pager, no prompts, C locale, no pathspec overrides) so output does not
depend on the user's settings. Raises EvidenceUnavailable or GateError.
"""

from __future__ import annotations

import os
import re
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
    # GIT_*_PATHSPECS would change what pathspec magic like `:(glob)` / `:(exclude)` means (GIT_LITERAL_PATHSPECS
    # turns it off, so a log would silently select nothing): evidence must not depend on them.
    pathspec_vars = ("GIT_LITERAL_PATHSPECS", "GIT_GLOB_PATHSPECS", "GIT_NOGLOB_PATHSPECS", "GIT_ICASE_PATHSPECS")
    for name in ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", *pathspec_vars):
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


# ---------------------------------------------------------------------------------------------------------------
# Bulk readers for the git.* collectors: one process per question, whatever the number of commits.

_SETTINGS = (
    # Pin what user or repository config could change, so evidence is identical across clones (DESIGN "Digests").
    "-c",
    "core.quotepath=true",
    "-c",
    "core.commentChar=#",
    "-c",
    "diff.renames=false",
    "-c",
    "i18n.logOutputEncoding=UTF-8",
    "-c",
    "log.follow=false",
    "-c",
    "log.showSignature=false",
    "-c",
    "mailmap.blob=",
    "-c",
    "mailmap.file=",
    "-c",
    "trailer.separators=:",
)
"""Only the work tree's .mailmap counts (the collector checks it is committed); never one from user config."""

_LOG_FIELDS = ("%H", "%P", "%an", "%ae", "%aN", "%aE", "%cn", "%ce", "%cN", "%cE")
_SIGNATURE_FIELDS = ("%G?", "%GF")
# git's trailer parser (the final paragraph only, continuation lines unfolded) prints each trailer as one
# `Key:value` token. A key is letters, digits and '-' (git's trailer grammar), so the first ':' splits it.
_TRAILERS = "%(trailers:only,unfold,separator=%x00,key_value_separator=:)"
_TRAILER_TOKEN = re.compile(rb"^[A-Za-z0-9-]+:")
_SHA = re.compile(rb"^[0-9a-f]{40}(?:[0-9a-f]{24})?$")


@dataclass(frozen=True)
class Ident:
    """A name and email as git prints them (not lower-cased)."""

    name: str
    email: str


@dataclass(frozen=True)
class LogCommit:
    """One commit as `log` reads it. `*_mapped` are after the repository's .mailmap."""

    sha: str
    parents: tuple[str, ...]
    author: Ident
    author_mapped: Ident
    committer: Ident
    committer_mapped: Ident
    subject: str
    trailers: tuple[tuple[str, str], ...]
    """(key as written, value) in order, as git's own trailer parser finds them."""
    paths: tuple[str, ...]
    """Paths the commit changes inside the pathspec (a merge: against its first parent)."""
    signature: str = ""
    """git's %G? (G = good signature by an allowed key) when signatures were checked, else ''."""
    signing_key: str = ""
    """git's %GF: the signing key's fingerprint, when there is a signature."""

    @property
    def is_merge(self) -> bool:
        return len(self.parents) > 1


def log(
    root: Path,
    *,
    include: Sequence[str],
    exclude: Sequence[str] = (),
    pathspecs: Sequence[str] = (),
    first_parent: bool = False,
    no_merges: bool = False,
    allowed_signers: Path | None = None,
) -> list[LogCommit]:
    """Every commit reachable from `include` but not from `exclude` that changes `pathspecs`: ONE git process.

    History is not simplified (`--full-history`), so no commit on a side branch is hidden; merges are listed
    when they differ from a parent, with the paths they change against their first parent. With
    `allowed_signers`, each commit's signature is verified against that file (SSH format) and reported in
    `signature`. Output layout (no -z, so paths are C-quoted one per line): a header line whose fields are
    NUL-separated (commit content cannot contain NUL), then the changed paths, one per line.
    """
    fields = list(_LOG_FIELDS) + (list(_SIGNATURE_FIELDS) if allowed_signers else ["", ""]) + ["%s", _TRAILERS]
    args = list(_SETTINGS)
    if allowed_signers is not None:
        args += ["-c", "gpg.format=ssh", "-c", f"gpg.ssh.allowedSignersFile={allowed_signers}"]
    args += [
        "log",
        "--no-color",
        "--no-renames",
        "--full-history",
        "--diff-merges=first-parent",
        "--name-only",
        "--format=" + "%x00".join(fields) + "%x00",
    ]
    if first_parent:
        args.append("--first-parent")
    if no_merges:
        args.append("--no-merges")
    args += ["--end-of-options", *include, *(f"^{rev}" for rev in exclude), "--", *pathspecs]
    return _parse_log(run(root, args))


def _parse_log(out: bytes) -> list[LogCommit]:
    commits: list[LogCommit] = []
    header: list[bytes] | None = None
    paths: list[str] = []

    def flush() -> None:
        if header is not None:
            commits.append(_log_commit(header, paths))

    for line in out.split(b"\n"):
        if b"\0" in line:
            flush()
            header, paths = line.split(b"\0"), []
        elif line:
            if header is None:
                raise GitError("unexpected `git log` output: a path before any commit")
            paths.append(unquote_path(line))
    flush()
    return commits


def _log_commit(parts: list[bytes], paths: list[str]) -> LogCommit:
    fixed = len(_LOG_FIELDS) + len(_SIGNATURE_FIELDS) + 1
    # parts: fixed fields, the trailers (one token each), and the empty string after the final NUL.
    if len(parts) < fixed + 2 or parts[-1] != b"" or not _SHA.match(parts[0]):
        raise GitError("unexpected `git log` output: a malformed commit header")
    trailers: list[tuple[str, str]] = []
    for token in parts[fixed:-1]:
        if not token:
            continue
        if not _TRAILER_TOKEN.match(token):
            raise GitError(f"unexpected `git log` output: trailer {token[:40]!r} of {parts[0][:12].decode()}")
        key, _, value = token.decode("utf-8", "replace").partition(":")
        trailers.append((key, value.strip()))
    text = [p.decode("utf-8", "replace") for p in parts[:fixed]]
    return LogCommit(
        sha=text[0],
        parents=tuple(text[1].split()),
        author=Ident(text[2], text[3]),
        author_mapped=Ident(text[4], text[5]),
        committer=Ident(text[6], text[7]),
        committer_mapped=Ident(text[8], text[9]),
        signature=text[10],
        signing_key=text[11],
        subject=text[12],
        trailers=tuple(trailers),
        paths=tuple(paths),
    )


_ESCAPES = {ord("a"): 7, ord("b"): 8, ord("t"): 9, ord("n"): 10, ord("v"): 11, ord("f"): 12, ord("r"): 13}


def unquote_path(raw: bytes) -> str:
    """A path as git prints it without -z: C-quoted ("...", backslash escapes, octal bytes) when unusual."""
    if not (len(raw) >= 2 and raw.startswith(b'"') and raw.endswith(b'"')):
        return raw.decode("utf-8", "surrogateescape")
    body, out, i = raw[1:-1], bytearray(), 0
    while i < len(body):
        c = body[i]
        if c != ord("\\") or i + 1 >= len(body):
            out.append(c)
            i += 1
            continue
        nxt = body[i + 1]
        if ord("0") <= nxt <= ord("7"):
            out.append(int(body[i + 1 : i + 4], 8))
            i += 4
        else:
            out.append(_ESCAPES.get(nxt, nxt))
            i += 2
    return bytes(out).decode("utf-8", "surrogateescape")


def check_mailmap(root: Path, contacts: Sequence[Ident]) -> list[str]:
    """Each contact's email after the work tree's .mailmap (git's own matching), in order: ONE git process."""
    if not contacts:
        return []
    lines = []
    for who in contacts:
        name = re.sub(r"[<>\r\n]", "", who.name).strip()
        email = re.sub(r"[<>\s]", "", who.email)
        lines.append(f"{name} <{email}>" if name else f"<{email}>")
    out = run(root, [*_SETTINGS, "check-mailmap", "--stdin"], input_="".join(f"{x}\n" for x in lines).encode())
    mapped = []
    for line in out.decode("utf-8", "replace").splitlines():
        found = re.search(r"<([^<>]*)>\s*$", line)
        mapped.append(found.group(1) if found else "")
    if len(mapped) != len(lines):
        raise GitError(f"git check-mailmap answered {len(mapped)} lines for {len(lines)} contacts")
    return mapped


@dataclass(frozen=True)
class TagRef:
    """A tag: its name, the object it points at (a tag object when annotated), and the commit it names."""

    name: str
    object_type: str
    object_sha: str
    commit: str | None
    """The commit the tag names (peeled through tag objects); None when it names a tree or blob."""

    @property
    def annotated(self) -> bool:
        return self.object_type == "tag"


_TAG_FORMAT = "%(refname)%00%(objecttype)%00%(objectname)%00%(*objecttype)%00%(*objectname)"


def _tag_refs(root: Path, out: bytes) -> list[TagRef]:
    rows = [line.split("\0") for line in out.decode("utf-8", "replace").splitlines() if line]
    refs: list[TagRef] = []
    nested: list[int] = []
    for row in rows:
        refname, kind, sha, peeled_kind, peeled = row
        commit = sha if kind == "commit" else peeled if peeled_kind == "commit" else None
        if kind == "tag" and peeled_kind == "tag":
            nested.append(len(refs))
        refs.append(TagRef(refname.removeprefix("refs/tags/"), kind, sha, commit))
    if nested:  # a tag of a tag (rare): peel all of them in one process
        names = [f"refs/tags/{refs[i].name}^{{commit}}" for i in nested]
        peeled_shas = run(root, ["rev-parse", "--end-of-options", *names], check=False).decode().split()
        for i, sha in zip(nested, peeled_shas, strict=False):
            refs[i] = TagRef(refs[i].name, refs[i].object_type, refs[i].object_sha, sha)
    return refs


def tags_merged(root: Path, pattern: str, commit: str) -> list[TagRef]:
    """Tags matching a glob (as `git describe --match` does) reachable from commit, newest first."""
    out = run(
        root,
        ["tag", "--list", f"--merged={commit}", "--sort=-creatordate", f"--format={_TAG_FORMAT}", "--", pattern],
    )
    return _tag_refs(root, out)


def tag(root: Path, name: str) -> TagRef | None:
    """The tag called `name` exactly, or None."""
    out = run(root, ["for-each-ref", f"--format={_TAG_FORMAT}", "--", f"refs/tags/{name}"])
    return next((t for t in _tag_refs(root, out) if t.name == name), None)


def verify_tag(root: Path, name: str, allowed_signers: Path) -> tuple[bool, str]:
    """Whether the tag carries a good SSH signature by a key in allowed_signers, and git's last message line."""
    signers = ["-c", "gpg.format=ssh", "-c", f"gpg.ssh.allowedSignersFile={allowed_signers}"]
    code, stderr = _run_status(root, [*signers, "verify-tag", "--end-of-options", f"refs/tags/{name}"])
    lines = [line.strip() for line in stderr.decode("utf-8", "replace").splitlines() if line.strip()]
    return code == 0, lines[-1] if lines else f"exit {code}"


def _run_status(root: Path, args: Sequence[str]) -> tuple[int, bytes]:
    """Run git and return (exit code, stderr) for commands whose exit code is the answer."""
    try:
        proc = subprocess.run(["git", "-C", str(root), *args], capture_output=True, env=git_env(), check=False)
    except FileNotFoundError:
        raise GitError("git is not installed or not on PATH", hint="install git (https://git-scm.com)") from None
    return proc.returncode, proc.stderr


def tracked_changes(root: Path) -> list[str]:
    """Tracked paths with staged or unstaged changes in the work tree (`git status`, untracked files ignored)."""
    out = run(root, ["status", "--porcelain=v1", "-z", "--untracked-files=no", "--no-renames"])
    return sorted({entry[3:].decode("utf-8", "surrogateescape") for entry in out.split(b"\0") if len(entry) > 3})


def tree_entry(root: Path, commit: str, path: str) -> TreeEntry | None:
    """What is at `path` in the tree of `commit` (mode 100644/100755 file, 120000 symlink, 040000 folder,
    160000 submodule), or None."""
    out = run(root, ["--literal-pathspecs", "ls-tree", "-z", "--full-tree", commit, "--", path])
    for record in out.split(b"\0"):
        meta, _, name = record.partition(b"\t")
        if name.decode("utf-8", "surrogateescape") == path:
            mode, _kind, sha = meta.decode().split(" ")
            return TreeEntry(mode, sha)
    return None


def is_ancestor(root: Path, ancestor: str, commit: str) -> bool:
    """Whether `ancestor` is in the history of `commit` (a commit is its own ancestor)."""
    code, stderr = _run_status(root, ["merge-base", "--is-ancestor", "--end-of-options", ancestor, commit])
    if code not in (0, 1):
        message = stderr.decode("utf-8", "replace").strip().splitlines()
        raise GitError(f"git merge-base failed: {message[-1] if message else 'exit ' + str(code)}")
    return code == 0


def release_commit_at(root: Path, ref: str) -> str:
    """The newest commit at or before `ref` that touches anything outside .gate/signoffs/ (else ref's commit)."""
    sha = resolve_commit(root, ref)
    out = run(root, ["log", "-1", "--format=%H", sha, "--", ".", f":(exclude){SIGNOFF_DIR}"]).decode().strip()
    return out or sha


def read_blob(root: Path, commit: str, path: str, *, max_bytes: int = 16 * 1024 * 1024) -> bytes | None:
    """A file's bytes as of a commit (not the work tree); None when the commit has no file there."""
    entry = tree_entry(root, commit, path)
    if entry is None or entry.mode not in ("100644", "100755"):
        return None
    data = run(root, ["cat-file", "blob", entry.sha])
    if len(data) > max_bytes:
        raise GitError(f"{path} at {commit[:12]} is over the {max_bytes}-byte limit")
    return data
