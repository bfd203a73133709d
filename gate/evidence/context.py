"""What collectors may read, and the rules for reading it (DESIGN "Where evidence is read").

`Context` hands collectors three roots: the repository at the release commit (tracked, unmodified files
only), the artifacts folder (verified against gate-artifacts.json), and the subject files. Every read
goes through here, so no collector can escape a root, follow a symlink out, read a FIFO, or use a stale
artifact. Problems raise EvidenceUnavailable, which the engine turns into ERROR.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import stat
import threading
from collections.abc import Callable, Hashable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Any, Literal, TypeVar

import pathspec

from gate import gitrepo
from gate.errors import EvidenceUnavailable, GateError

T = TypeVar("T")
MANIFEST_NAME = "gate-artifacts.json"
MANIFEST_SCHEMA_VERSION = 1
CHUNK = 1 << 20
MAX_SMALL_FILE = 64 * 1024 * 1024
"""Files read whole (configs, JSON documents, source) are capped; logs and XML are streamed instead."""


def compile_globs(globs: Iterable[str]) -> pathspec.GitIgnoreSpec:
    """Gitignore-style globs: a pattern without '/' matches at any depth, '**' spans folders, '!' excludes.

    pathspec's "simple" backend (Python regular expressions): its "best" one is hyperscan when installed (it is,
    for canary), and compiling a hyperscan database costs ~4 ms per spec, more than matching thousands of paths
    with the few patterns a glob list has (a demo check compiles 25 specs)."""
    return pathspec.GitIgnoreSpec.from_lines(list(globs), backend="simple")


def _glob_text(globs: Iterable[str]) -> str:
    return ", ".join(f"'{g}'" for g in globs)


_NONE, _SOME, _ALL = 0, 1, 2
"""How much of what is below a folder a glob selects: nothing, some paths, everything."""


def _segment_regex(segment: str) -> re.Pattern[str]:
    """A gitignore glob for one path component (*, ?, [...], backslash escapes) as a regular expression."""
    out: list[str] = []
    i = 0
    while i < len(segment):
        c = segment[i]
        if c == "*":
            while i + 1 < len(segment) and segment[i + 1] == "*":
                i += 1
            out.append("[^/]*")
        elif c == "?":
            out.append("[^/]")
        elif c == "\\" and i + 1 < len(segment):
            i += 1
            out.append(re.escape(segment[i]))
        elif c == "[" and (end := segment.find("]", i + 2)) > 0:
            body = segment[i + 1 : end]
            if body[:1] in ("!", "^"):
                body = "^" + body[1:]
            out.append("[" + body.replace("\\", "\\\\") + "]")
            i = end
        else:
            out.append(re.escape(c))
        i += 1
    try:
        return re.compile("".join(out))
    except re.error:  # a malformed class: assume it may match (a submodule check errs on the side of ERROR)
        return re.compile(".*")


def _reach(pattern: list[str], folder: list[str]) -> int:
    """How much below `folder` (its components) one gitignore pattern (its components, '**' for any number of
    folders) selects: everything when it matches the folder or a folder above it, some paths when it can match
    a path below it, else nothing."""
    memo: dict[tuple[int, int], int] = {}

    def reach(i: int, j: int) -> int:
        key = (i, j)
        if key not in memo:
            if j == len(folder):
                memo[key] = _ALL if all(p == "**" for p in pattern[i:]) else _SOME
            elif i == len(pattern):
                memo[key] = _ALL  # the pattern matched a folder above: everything inside it
            elif pattern[i] == "**":
                memo[key] = max(reach(i + 1, j), reach(i, j + 1))
            elif _segment_regex(pattern[i]).fullmatch(folder[j]):
                memo[key] = reach(i + 1, j + 1)
            else:
                memo[key] = _NONE
        return memo[key]

    return reach(0, 0)


def globs_reach_into(globs: Iterable[str], folder: str) -> bool:
    """Whether gitignore-style globs (as compile_globs reads them, the last match winning) could select a path
    inside `folder`, e.g. the files of a submodule, which are in no tree of the repository."""
    state = _NONE
    target = folder.split("/")
    for line in globs:
        if not line.strip() or line.startswith("#"):
            continue
        negated = line.startswith("!")
        body = line[1:] if negated else line
        if body.startswith(("\\!", "\\#")):
            body = body[1:]
        body = body.rstrip(" ")
        anchored = "/" in body.rstrip("/")
        parts = [p for p in body.strip("/").split("/") if p]
        if not parts:
            continue
        if not anchored:
            parts = ["**", *parts]
        reach = _reach(parts, target)
        if not negated:
            state = max(state, reach)
        elif reach == _ALL:
            state = _NONE
        elif reach == _SOME and state == _ALL:
            state = _SOME
    return state != _NONE


def _regular_inside(root: Path, rel: str, label: str, real_dirs: dict[str, str] | None = None) -> str:
    """root/rel (as a str path) if it is a regular file inside root (a symlink may point inside only).

    `real_dirs` caches the real path of each folder for one view (one check), so a tree of thousands of
    files costs one realpath per folder rather than two per file; a folder that is a symlink leading out
    is still caught, because the folder's real path is what is compared with the root's. Plain os calls on
    str paths: this runs once per file read, thousands of times in a check (issue 10).
    """
    if rel.startswith("/") or ".." in rel.split("/"):
        raise EvidenceUnavailable(f"path '{rel}' escapes the {label} root", where=rel)
    cache = real_dirs if real_dirs is not None else {}
    base = os.fspath(root)

    def real(folder: str) -> str:
        found = cache.get(folder)
        if found is None:
            found = cache[folder] = os.path.realpath(os.path.join(base, folder) if folder else base)  # noqa: PTH118
        return found

    real_root = real("")
    path = os.path.join(base, rel)  # noqa: PTH118 - str paths, see above
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        raise EvidenceUnavailable(f"{rel} does not exist", where=rel) from None
    except OSError as exc:
        raise EvidenceUnavailable(f"cannot read {rel}: {exc.strerror}", where=rel) from None
    if stat.S_ISLNK(st.st_mode):
        target = os.path.realpath(path)
        if not _inside(target, real_root):
            raise EvidenceUnavailable(f"{rel} is a symlink leading out of the {label} root", where=rel)
        try:
            st = os.stat(target)  # noqa: PTH116
        except OSError:
            raise EvidenceUnavailable(f"{rel} is a broken symlink", where=rel) from None
    if not stat.S_ISREG(st.st_mode):
        raise EvidenceUnavailable(f"{rel} is not a regular file; refusing to read it", where=rel)
    # A folder on the way may itself be a symlink leading out.
    if not _inside(real(rel.rpartition("/")[0]), real_root):
        raise EvidenceUnavailable(f"{rel} leads out of the {label} root through a symlink", where=rel)
    return path


def _inside(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip(os.sep) + os.sep)


class HashingReader(io.RawIOBase):
    """A binary stream that hashes what passes through; `finish()` reads the rest and checks the digest."""

    def __init__(self, path: str | Path, rel: str, expected: str | None, what: str) -> None:
        super().__init__()
        self._fh = open(path, "rb", buffering=0)  # noqa: SIM115 - closed in close()
        self._hash = hashlib.sha256()
        self._rel = rel
        self._expected = expected
        self._what = what
        self.size = 0
        self.sha256: str | None = None

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        n = self._fh.readinto(buffer)
        if n:
            self._hash.update(memoryview(buffer)[:n])
            self.size += n
        return n or 0

    def finish(self) -> str:
        """Hash to the end of the file; ERROR (stale) when the digest differs from the manifest."""
        if self.sha256 is None:
            while chunk := self._fh.read(CHUNK):
                self._hash.update(chunk)
                self.size += len(chunk)
            self.sha256 = self._hash.hexdigest()
        if self._expected is not None and self.sha256 != self._expected:
            raise EvidenceUnavailable(
                f"stale artifact: {self._rel} has sha256 {self.sha256[:12]}, {MANIFEST_NAME} recorded "
                f"{self._expected[:12]}",
                where=self._rel,
            )
        return self.sha256

    def close(self) -> None:
        self._fh.close()
        super().close()

    def __enter__(self) -> HashingReader:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        try:
            if kind is None:
                self.finish()
        finally:
            self.close()


class RepoView:
    """The repository at the release commit: tracked files only, unmodified in the work tree."""

    def __init__(self, root: Path, commit: str) -> None:
        self.root = root
        self.commit = commit
        # Three independent git questions, asked at once (each walks the whole tree of a big repository).
        with ThreadPoolExecutor(max_workers=3, thread_name_prefix="gate-view") as pool:
            tree = pool.submit(gitrepo.tree_and_gitlinks, root, commit)
            changed = pool.submit(gitrepo.changed_since, root, commit)
            files = pool.submit(gitrepo.work_tree_files, root)
            self.tree, self.gitlinks = tree.result()
            self.changed = changed.result()
            self.untracked, self.unwatched = files.result()
            """Files git is told not to look at in the work tree (assume-unchanged, skip-worktree): `git diff`
            does not see their changes, so their bytes are always read and checked against the blob."""
        self._real_dirs: dict[str, str] = {}
        self._asked: dict[tuple[Any, ...], Future[Any]] = {}
        self._asked_lock = threading.Lock()

    def ask(self, question: Callable[..., T], *args: Hashable) -> T:
        """`question(root, *args)`, a git query about this repository, asked once per check: collectors running
        at once on the same history (git.trailers and git.authors_disjoint) share the answer, or the error."""
        key = (question, *args)
        with self._asked_lock:
            future = self._asked.get(key)
            mine = future is None
            if future is None:
                future = self._asked[key] = Future()
        if mine:
            try:
                future.set_result(question(self.root, *args))
            except BaseException as exc:  # noqa: BLE001 - handed to every asker, raised there
                future.set_exception(exc)
        result: T = future.result()
        return result

    def match(self, globs: list[str], *, include_gate: bool = False) -> list[str]:
        """Tracked files at the release commit matching the globs, sorted; an untracked match is ERROR, and so is
        a submodule the globs reach into (its files are in another repository, which gate does not read)."""
        spec = compile_globs(globs)
        for link in sorted(self.gitlinks):
            if (include_gate or not link.startswith(".gate/")) and globs_reach_into(globs, link):
                raise EvidenceUnavailable(
                    f"{link} is a git submodule: gate does not read inside submodules; check the submodule's own "
                    "repository",
                    where=link,
                    hint=f"check the submodule's files in its own repository, or leave it out with '!{link}'",
                )
        stray = sorted(p for p in self.untracked if spec.match_file(p) and not p.startswith(".gate/"))
        if stray:
            raise EvidenceUnavailable(
                f"{stray[0]} matches {_glob_text(globs)} but is not committed; only committed files are evidence",
                where=stray[0],
            )
        return sorted(p for p in self.tree if spec.match_file(p) and (include_gate or not p.startswith(".gate/")))

    def check_readable(self, rel: str) -> Path:
        """The path of a tracked, unmodified, regular file inside the repository. A tracked symlink's target must
        be tracked and unmodified too: the link is committed, but what it reads is the target's content."""
        return Path(self._checked(rel))

    def content_id(self, rel: str) -> str | None:
        """Git's object id of a tracked, unmodified regular file (checked as check_readable checks it): the
        content address of its bytes at the release commit, known without reading them, so a parse-product
        cache can be looked up by it (gate.cache). None for a symlink, whose blob is the link, not the content.

        The work tree's copy is the commit's because git says so (`git diff` against the commit, as
        `git status` decides it); read_bytes checks the bytes against this id whenever they are read. Nothing
        is opened here: that diff lstat-ed every tracked file, and a file turned into a symlink, a FIFO or a
        folder, or reached through a folder turned into a symlink, is in `changed` (tests show each)."""
        entry = self.tree.get(rel)
        if entry is None or rel in self.changed or entry.mode == "120000" or rel in self.unwatched:
            self._checked(rel)  # the error for a missing or changed file; the target checks for a symlink
            return None  # the caller reads the file (read_bytes compares its bytes with the blob)
        return entry.sha

    def _checked(self, rel: str) -> str:
        if rel not in self.tree:
            if rel in self.untracked:
                raise EvidenceUnavailable(f"{rel} is not committed; only committed files are evidence", where=rel)
            raise EvidenceUnavailable(f"{rel} is not in the release commit {self.commit[:12]}", where=rel)
        if rel in self.changed:
            raise EvidenceUnavailable(
                f"{rel} differs from the release commit {self.commit[:12]} (modified, staged or deleted)",
                where=rel,
            )
        path = _regular_inside(self.root, rel, "repository", self._real_dirs)
        if self.tree[rel].mode == "120000":
            self._check_target(rel, Path(path))
        return path

    def _check_target(self, rel: str, path: Path) -> None:
        """ERROR unless the file a tracked symlink leads to is tracked at the release commit and unmodified."""
        target = path.resolve().relative_to(self.root.resolve()).as_posix()
        entry = self.tree.get(target)
        if target in self.changed:
            problem = f"differs from the release commit {self.commit[:12]} (modified, staged or deleted)"
        elif target in self.untracked:
            problem = "is not committed"
        elif entry is None:
            problem = f"is not in the release commit {self.commit[:12]} (untracked, gitignored or outside git)"
        else:
            return
        raise EvidenceUnavailable(
            f"{rel} is a symlink to {target}, which {problem}; only committed, unmodified files are evidence",
            where=rel,
            hint=f"commit {target} (or point {rel} at a committed file), then check again",
        )

    def read_bytes(self, rel: str, *, max_bytes: int = MAX_SMALL_FILE) -> tuple[bytes, str]:
        """A small file's bytes and sha256. The bytes of a regular file must be the blob the release commit
        records (git's object id recomputed), so a change git did not see is ERROR, never evidence."""
        data, sha = _read_small(self._checked(rel), rel, max_bytes)
        entry = self.tree[rel]
        if entry.mode != "120000" and git_object_id(data, len(entry.sha)) != entry.sha and not self._filtered(rel):
            raise EvidenceUnavailable(
                f"{rel} differs from the release commit {self.commit[:12]} (its bytes are not the committed blob)",
                where=rel,
                hint="commit or restore the file, then check again",
            )
        return data, sha

    def open(self, rel: str) -> HashingReader:
        """Stream a repository file (hash available after finish())."""
        return HashingReader(self.check_readable(rel), rel, None, "repository file")

    def _filtered(self, rel: str) -> bool:
        """Whether git, applying the path's filters (end-of-line conversion, LFS), makes the blob the commit
        records of the work-tree file: checked-out bytes may differ from the blob's when .gitattributes says so."""
        try:
            out = gitrepo.run(self.root, ["hash-object", f"--path={rel}", "--", rel])
        except GateError:
            return False
        return out.decode().strip() == self.tree[rel].sha


def git_object_id(data: bytes, hex_length: int = 40) -> str:
    """The id git gives a blob of these bytes: sha1 (40 hex digits) or, in a sha256 repository, sha256."""
    digest = hashlib.sha1(usedforsecurity=False) if hex_length == 40 else hashlib.sha256()
    digest.update(b"blob %d\0" % len(data))
    digest.update(data)
    return digest.hexdigest()


def _read_small(path: str | Path, rel: str, max_bytes: int) -> tuple[bytes, str]:
    try:
        with open(path, "rb") as fh:
            data = fh.read(min(max_bytes + 1, os.fstat(fh.fileno()).st_size + 1))
    except OSError as exc:
        raise EvidenceUnavailable(f"cannot read {rel}: {exc.strerror}", where=rel) from None
    if len(data) > max_bytes:
        raise EvidenceUnavailable(f"{rel} is over the {max_bytes}-byte limit for this kind", where=rel)
    return data, hashlib.sha256(data).hexdigest()


@dataclass(frozen=True)
class Manifest:
    """gate-artifacts.json: the artifacts CI built, their sha256, and the commit they were built from."""

    commit: str
    artifacts: dict[str, str]

    @classmethod
    def parse(cls, data: bytes, shown: str) -> Manifest:
        try:
            doc = json.loads(data)
        except (ValueError, UnicodeDecodeError) as exc:
            raise EvidenceUnavailable(f"{shown} is not valid JSON: {exc}", where=shown) from None
        if not isinstance(doc, dict) or doc.get("schema_version") != MANIFEST_SCHEMA_VERSION:
            raise EvidenceUnavailable(f"{shown}: unknown format (schema_version must be 1)", where=shown)
        commit, artifacts = doc.get("commit"), doc.get("artifacts")
        if not isinstance(commit, str) or not isinstance(artifacts, dict):
            raise EvidenceUnavailable(f"{shown}: needs 'commit' and 'artifacts'", where=shown)
        out: dict[str, str] = {}
        for rel, entry in artifacts.items():
            sha = entry.get("sha256") if isinstance(entry, dict) else None
            if not isinstance(sha, str) or len(sha) != 64:
                raise EvidenceUnavailable(f"{shown}: artifacts['{rel}'] has no valid sha256", where=shown)
            out[rel] = sha
        return cls(commit=commit, artifacts=out)


class ArtifactsView:
    """The --artifacts folder, each file checked against gate-artifacts.json (unless --no-manifest)."""

    def __init__(self, root: Path | None, *, release_commit: str | None, use_manifest: bool = True) -> None:
        self.root = root
        self.release_commit = release_commit
        self.use_manifest = use_manifest
        self._manifest: Manifest | None = None
        self._files: list[str] | None = None
        self._real_dirs: dict[str, str] = {}

    def _require_root(self) -> Path:
        if self.root is None:
            raise EvidenceUnavailable(
                "no artifacts folder given; pass --artifacts DIR (the CI outputs for the release commit)"
            )
        if not self.root.is_dir():
            raise EvidenceUnavailable(f"artifacts folder {self.root} does not exist")
        return self.root

    def manifest(self) -> Manifest | None:
        """The manifest, checked against the release commit; None with --no-manifest."""
        root = self._require_root()
        if not self.use_manifest:
            return None
        if self._manifest is None:
            path = root / MANIFEST_NAME
            if not path.is_file() or path.is_symlink():
                raise EvidenceUnavailable(
                    f"no {MANIFEST_NAME} in the artifacts folder; run `gate artifacts record --artifacts DIR` in CI "
                    "after building them, or pass --no-manifest to skip the check",
                    where=MANIFEST_NAME,
                )
            data, _ = _read_small(path, MANIFEST_NAME, MAX_SMALL_FILE)
            manifest = Manifest.parse(data, MANIFEST_NAME)
            if self.release_commit is None:
                raise EvidenceUnavailable(
                    f"cannot tell whether the artifacts are stale: no release commit to compare {MANIFEST_NAME} with "
                    "(pass --repo, or --no-manifest to skip the check)",
                    where=MANIFEST_NAME,
                )
            if manifest.commit != self.release_commit:
                raise EvidenceUnavailable(
                    f"stale artifacts: {MANIFEST_NAME} records commit {manifest.commit[:12]}, the release commit is "
                    f"{self.release_commit[:12]}; use the artifacts built from the release commit",
                    where=MANIFEST_NAME,
                )
            self._manifest = manifest
        return self._manifest

    def files(self) -> list[str]:
        """Every file (and symlink) under the root, relative POSIX paths, without the manifest."""
        root = self._require_root()
        if self._files is None:
            found: list[str] = []
            for folder, dirs, names in os.walk(root, followlinks=False):
                base = Path(folder).relative_to(root)
                for name in names + [d for d in dirs if (Path(folder) / d).is_symlink()]:
                    rel = (base / name).as_posix()
                    if rel != MANIFEST_NAME:
                        found.append(rel)
            self._files = sorted(found)
        return self._files

    def match(self, globs: list[str]) -> list[str]:
        """Artifacts matching gitignore-style globs, sorted. With the manifest, an artifact it records that the
        globs match but the folder lacks is ERROR (incomplete artifacts): the check would judge fewer files than
        CI built."""
        spec = compile_globs(globs)
        found = [p for p in self.files() if spec.match_file(p)]
        manifest = self.manifest() if self.use_manifest else None
        if manifest is not None:
            present = set(self.files())
            missing = sorted(p for p in manifest.artifacts if p not in present and spec.match_file(p))
            if missing:
                more = f" (and {len(missing) - 1} more)" if len(missing) > 1 else ""
                raise EvidenceUnavailable(
                    f"incomplete artifacts: {missing[0]} is recorded in {MANIFEST_NAME} but missing{more}",
                    where=missing[0],
                    hint="download every artifact of the recorded CI run into the artifacts folder",
                )
        return found

    def open(self, rel: str) -> HashingReader:
        """Stream an artifact; on finish its sha256 must equal the manifest's."""
        root = self._require_root()
        manifest = self.manifest()
        path = _regular_inside(root, rel, "artifacts", self._real_dirs)
        expected = None
        if manifest is not None:
            expected = manifest.artifacts.get(rel)
            if expected is None:
                raise EvidenceUnavailable(
                    f"{rel} is not recorded in {MANIFEST_NAME}; it was not built by the recorded CI run", where=rel
                )
        return HashingReader(path, rel, expected, "artifact")

    def read_bytes(self, rel: str, *, max_bytes: int = MAX_SMALL_FILE) -> tuple[bytes, str]:
        """A small artifact's bytes and verified sha256."""
        with self.open(rel) as fh:
            parts: list[bytes] = []
            size = 0
            # Read in chunks: a raw read(max_bytes) would reserve the whole cap for a tiny file.
            while size <= max_bytes and (chunk := fh.read(CHUNK)):
                parts.append(chunk)
                size += len(chunk)
            data = b"".join(parts)
            if len(data) > max_bytes:
                raise EvidenceUnavailable(f"{rel} is over the {max_bytes}-byte limit for this kind", where=rel)
            sha = fh.finish()
        return data, sha


class SubjectsView:
    """The --subject files (model weights). A spec names one by a path suffix, e.g. `model.safetensors`."""

    def __init__(self, paths: list[Path]) -> None:
        self.paths = paths

    def find(self, name: str) -> tuple[Path, str]:
        """The one subject whose path ends with `name` (whole components), and its shown name."""
        want = tuple(name.split("/"))
        hits = [p for p in self.paths if tuple(p.as_posix().split("/"))[-len(want) :] == want]
        if not hits:
            given = ", ".join(p.name for p in self.paths) or "none"
            raise EvidenceUnavailable(f"no --subject file named '{name}' (given: {given})", where=name)
        if len(hits) > 1:
            raise EvidenceUnavailable(f"several --subject files end with '{name}'", where=name)
        path = hits[0]
        if not path.exists():
            raise EvidenceUnavailable(f"subject '{name}' ({path.name}) does not exist", where=name)
        st = path.stat()
        if not stat.S_ISREG(st.st_mode):
            raise EvidenceUnavailable(f"subject '{name}' ({path.name}) is not a regular file", where=name)
        return path, name

    def open(self, name: str) -> HashingReader:
        path, shown = self.find(name)
        return HashingReader(path, shown, None, "subject")


@dataclass
class Context:
    """Everything a collector may read. Built once per check; shared read-only by collector threads."""

    repo: RepoView | None
    artifacts: ArtifactsView
    subjects: SubjectsView = field(default_factory=lambda: SubjectsView([]))
    release: str | None = None
    allow_commands: bool = False
    now: datetime = field(default_factory=lambda: datetime.now(UTC))
    repo_problem: str | None = None
    """Why there is no repository view (not a git work tree, no commit), shown as the ERROR."""

    def need_repo(self) -> RepoView:
        """The repository view, or ERROR saying why there is none."""
        if self.repo is None:
            raise EvidenceUnavailable(self.repo_problem or "no repository")
        return self.repo


Root = Literal["repo", "artifacts", "subject"]


def build_context(
    *,
    repo: Path | None,
    artifacts: Path | None,
    subjects: list[Path] | None = None,
    release_ref: str | None = None,
    release: str | None = None,
    use_manifest: bool = True,
    allow_commands: bool = False,
    now: datetime | None = None,
) -> Context:
    """Build the context for a check. A repository that cannot be read leaves repo evidence ERROR."""
    view: RepoView | None = None
    problem: str | None = None
    if repo is not None:
        try:
            top = gitrepo.toplevel(repo)
            commit = gitrepo.release_commit(top, release_ref)
            view = RepoView(top, commit)
        except GateError as exc:
            if release_ref:
                raise  # an explicit --release-ref that does not resolve is a usage error
            problem = exc.message
    else:
        problem = "no repository given (--repo)"
    return Context(
        repo=view,
        artifacts=ArtifactsView(artifacts, release_commit=view.commit if view else None, use_manifest=use_manifest),
        subjects=SubjectsView(subjects or []),
        release=release,
        allow_commands=allow_commands,
        now=now or datetime.now(UTC),
        repo_problem=problem,
    )
