"""Collectors for git evidence: `git.trailers`, `git.authors_disjoint`, `git.ref`, `git.file`, `git.codeowners`.

History is read only through gate.gitrepo, in bulk (one `git log` per range, never one process per commit);
repository files only through ctx.need_repo(), artifacts only through ctx.artifacts. Never prints; raises
EvidenceUnavailable when history or a source cannot be read (shallow clone, no tag, missing file), which the
engine turns into ERROR.
"""

from __future__ import annotations

import functools
import itertools
import json
import operator
import re
import shutil
import tempfile
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

import pathspec

from gate import gitrepo
from gate.errors import EvidenceUnavailable
from gate.evidence.context import Context, RepoView, compile_globs
from gate.gitrepo import GitError, Ident, LogCommit, People
from gate.model import GitAuthorsDisjointSpec, GitCodeownersSpec, GitFileSpec, GitRefSpec, GitTrailersSpec
from gate.results import Evidence, Observation, Read, Status, evidence

SHALLOW = "shallow clone: the history is incomplete; fetch full history (actions/checkout with fetch-depth: 0)"
MAILMAP = ".mailmap"
CO_AUTHOR = "co-authored-by"
_EMAIL = re.compile(r"^[^\s<>@]+@[^\s<>@]+$")
_BRACKETED = re.compile(r"<([^<>]*)>(?!.*<)")


# --- ranges and history -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Range:
    base: str
    end: str
    shown: str
    """How the summary names it: `v1.2..1a2b3c4d5e6f` (the end as a sha, so a moving HEAD never shows)."""


def _range(view: RepoView, since: str | None, range_: str | None) -> _Range:
    """The commits to read, as base..end; ERROR when history is incomplete or an endpoint does not resolve."""
    root = view.root
    _require_full_history(view)
    if since is not None:
        tags = [t for t in gitrepo.tags_merged(root, since, view.commit) if t.commit]
        # A tag on the release commit itself (the release's own tag) would make the range empty: skip it.
        earlier = [t for t in tags if t.commit != view.commit]
        if not earlier:
            hint = "tag the previous release (e.g. `git tag v1.2 <commit>`), or give `range: A..B`"
            if tags:
                hint = f"tag '{tags[0].name}' is on the release commit itself and does not count; " + hint
            raise EvidenceUnavailable(
                f"no tag matching '{since}' is reachable from the release commit; give range: or create the tag",
                hint=hint,
            )
        tag = earlier[0]
        assert tag.commit is not None
        return _Range(tag.commit, view.commit, f"{tag.name}..{view.commit[:12]}")
    assert range_ is not None  # the model requires since or range
    if "..." in range_:
        raise EvidenceUnavailable(f"range '{range_}': a symmetric range (A...B) is not supported; give A..B")
    first, sep, last = range_.partition("..")
    if not sep or not first:
        raise EvidenceUnavailable(f"range '{range_}' is not of the form A..B (e.g. 'v1.2..HEAD')")
    base = _resolve(root, first, range_)
    tip = _resolve(root, last or "HEAD", range_)
    if not gitrepo.is_ancestor(root, base, tip):
        # A reversed or diverged range would silently select the wrong commits (or none): fail closed.
        raise EvidenceUnavailable(
            f"range '{range_}': '{first}' is not in the history of '{last or 'HEAD'}'",
            hint=f"start the range at a commit the end descends from, e.g. `git merge-base {first} {last or 'HEAD'}`",
        )
    # A range ending at HEAD ends, in effect, at the newest commit touching anything outside .gate/signoffs/:
    # committing sign-offs must not change the evidence (DESIGN "Where evidence is read").
    end = gitrepo.release_commit_at(root, tip)
    return _Range(base, end, f"{first}..{end[:12]}")


def _require_full_history(view: RepoView) -> None:
    if view.ask(gitrepo.is_shallow):
        raise EvidenceUnavailable(
            SHALLOW, hint="run `git fetch --unshallow`, or check out with full history (fetch-depth: 0)"
        )


def _resolve(root: Path, ref: str, range_: str) -> str:
    try:
        return gitrepo.resolve_commit(root, ref)
    except GitError:
        raise EvidenceUnavailable(
            f"range '{range_}': '{ref}' does not name a commit in this clone",
            hint="fetch the tags and full history (`git fetch --tags --unshallow`), or fix the range",
        ) from None


def _git_pathspecs(globs: list[str]) -> list[str]:
    """Git pathspecs (`:(glob)` magic) covering at least what the gitignore-style globs match.

    git selects the commits with these; the exact gitignore semantics (a pattern without '/' matches at any
    depth, a folder matches what is inside, '!' excludes, the last match wins) are applied in Python with
    pathspec, the same matcher RepoView.match uses, so `paths` means the same thing for every kind.
    """
    out: list[str] = []
    for glob in globs:
        if glob.startswith("!"):
            continue  # exclusions narrow the Python filter; the git pathspec may stay wider
        anchored = glob.startswith("/") or "/" in glob.strip("/")
        body = glob.removeprefix("/").rstrip("/")
        if not body:
            return [":(top)."]
        if not anchored:
            body = "**/" + body
        out += [f":(top,glob){body}", f":(top,glob){body}/**"]
    return out or [":(top)."]


def _touching(commits: list[LogCommit], globs: list[str]) -> list[tuple[LogCommit, str]]:
    """The commits whose changed paths match the globs, each with the first matching path."""
    spec = compile_globs(globs)
    out: list[tuple[LogCommit, str]] = []
    for commit in commits:
        first = next((p for p in commit.paths if spec.match_file(p)), None)
        if first is not None:
            out.append((commit, first))
    return out


_WILDCARDS = re.compile(r"[*?\[\]\\]")


def _exact_pathspecs(globs: list[str]) -> list[str] | None:
    """Literal git pathspecs selecting exactly the paths the globs match, when every glob is a folder and all
    below it (`rl/reward/**`); None otherwise (then `_git_pathspecs` selects more and Python filters).

    git matches a literal folder as fast as the log without paths (a `:(glob)` pathspec costs a third more), and
    with exact pathspecs the log needs no paths to tell which commits touch them (issue 10)."""
    out = []
    for glob in globs:
        body = glob.removeprefix("/")
        folder = body.removesuffix("/**")
        parts = folder.split("/")
        if (
            glob.startswith("!")
            or folder == body
            or _WILDCARDS.search(folder)
            or any(part in ("", ".", "..") for part in parts)
        ):
            return None
        out.append(f":(top,literal){folder}/")
    return out or None


@dataclass(frozen=True)
class _Log:
    """The commits `git log` listed for a range, and a Read of each, made while git's output is parsed."""

    commits: list[LogCommit]
    reads: dict[str, Read]
    merges: list[LogCommit]


class _Touched:
    """The commits of a range that change paths matching the globs, and the first such path of each (git's
    order), which is read only for the commits that need one when the log was read without paths."""

    def __init__(self, view: RepoView, globs: list[str], log: _Log, exact: list[str] | None) -> None:
        self.view = view
        self.spec = compile_globs(globs)
        self.exact = exact
        self._first: dict[str, str] = {}
        self._reads = log.reads
        commits = log.commits
        if exact is None:
            pairs = _touching(commits, globs)
            self.commits = [c for c, _ in pairs]
            self._first.update({c.sha: p for c, p in pairs})
            return
        # A merge is listed when it differs from any parent; it touches the paths only if its diff against its
        # first parent does, as with paths listed.
        merges = log.merges
        if not merges:
            self.commits = commits
            return
        paths = gitrepo.changed_paths(view.root, [c.sha for c in merges], exact)
        firsts = {c.sha: self._match(c.sha, paths[c.sha]) for c in merges}
        self.commits = [c for c in commits if not c.is_merge or firsts[c.sha] is not None]
        self._first.update({sha: p for sha, p in firsts.items() if p is not None})

    def reads(self) -> list[Read]:
        """A Read of each of the commits."""
        return [self._reads[c.sha] for c in self.commits]

    def _match(self, sha: str, paths: tuple[str, ...]) -> str | None:
        return next((p for p in paths if self.spec.match_file(p)), None)

    def paths(self, commits: list[LogCommit]) -> dict[str, str]:
        """The first matching path of each of these commits (one git process for those not known yet)."""
        missing = [c.sha for c in commits if c.sha not in self._first]
        if missing:
            assert self.exact is not None
            for sha, paths in gitrepo.changed_paths(self.view.root, missing, self.exact).items():
                first = self._match(sha, paths)
                if first is None:
                    raise GitError(f"commit {sha[:12]} is listed as touching the paths but changes none of them")
                self._first[sha] = first
        return self._first


def _history(
    view: RepoView,
    since: str | None,
    range_: str | None,
    globs: list[str],
    *,
    first_parent: bool = False,
    no_merges: bool = False,
    each: Callable[[list[LogCommit]], None] | None = None,
) -> tuple[_Range, Callable[[], _Touched]]:
    """The range, and a function giving the commits in it touching the globs (one `git log`, which may already
    have been read: see _range_and_log). Errors of the log are raised by that function, after the caller's own
    checks, in the order they always came. `each` is handed the commits of the log as they are read (all of
    them, touching the globs or not), for the caller's work that can go with the reading."""
    exact = _exact_pathspecs(globs)

    def read_log(base: str, end: str) -> _Log:
        reads: dict[str, Read] = {}
        merges: list[LogCommit] = []

        def on_commits(commits: list[LogCommit]) -> None:
            # Every commit read is bound into the evidence digest; a Read costs a few microseconds (a pydantic
            # model), so they are made while git is still writing (issue 10).
            for commit in commits:
                reads[commit.sha] = Read(commit=commit.sha)
                if len(commit.parents) > 1:
                    merges.append(commit)
            if each is not None:
                each(commits)

        commits = gitrepo.log(
            view.root,
            include=[end],
            exclude=[base],
            pathspecs=exact or _git_pathspecs(globs),
            first_parent=first_parent,
            no_merges=no_merges,
            names=exact is None,
            each=on_commits,
        )
        return _Log(commits, reads, merges)

    rng, commits = _range_and_log(view, since, range_, read_log)
    return rng, lambda: _Touched(view, globs, commits(), exact)


def _range_and_log(
    view: RepoView, since: str | None, range_: str | None, read_log: Callable[[str, str], _Log]
) -> tuple[_Range, Callable[[], _Log]]:
    """_range, and a function giving its log.

    Finding which `since` tags are reachable from the release commit walks the history below the newest one
    (`git tag --merged`): a second walk of the whole range, half as much CPU again as the log (issue 10). So the
    log is read first, from the newest matching tag (not on the release commit), and the log itself proves that
    tag reachable when it is in the history of a parent of one of the oldest commits listed (those parents are
    in the release commit's history): a short walk, of what is newer than the tag below them. Only when that does
    not show it (no commit listed, or they all come from branches that forked before the tag) does _range walk,
    and the log is read again if _range then picks another tag. The result is _range's in every case. Errors of
    the log are raised by the returned function, after the caller's own checks, in the order they always came.
    """
    guess = None
    if since is not None:
        tags = view.ask(gitrepo.tags_matching, since)
        guess = next((t for t in tags if t.commit and t.commit != view.commit), None)
    if guess is None or guess.commit is None:
        rng = _range(view, since, range_)
        return rng, lambda: read_log(rng.base, rng.end)
    _require_full_history(view)
    log = _Log([], {}, [])
    failure: GitError | None = None
    try:
        log = read_log(guess.commit, view.commit)
    except GitError as exc:
        failure = exc
    if failure is None and _in_history_of_listed(view.root, guess.commit, log.commits):
        return _Range(guess.commit, view.commit, f"{guess.name}..{view.commit[:12]}"), lambda: log
    rng = _range(view, since, range_)
    if (rng.base, rng.end) != (guess.commit, view.commit):
        return rng, lambda: read_log(rng.base, rng.end)
    if failure is not None:
        error = failure

        def fail() -> _Log:
            raise error

        return rng, fail
    return rng, lambda: log


_OLDEST = 16
"""How many of the oldest commits a log lists are used to show its base tag reachable (_in_history_of_listed)."""


def _in_history_of_listed(root: Path, tag_commit: str, commits: list[LogCommit]) -> bool:
    """Whether the tag's commit is in the history of a parent of one of the oldest listed commits (the log lists
    them newest first). Each listed commit is in the release commit's history, so then the tag is too. A parent
    near the tag makes the walk short (`git rev-list` stops once the tag is reached); False proves nothing."""
    tips = list(dict.fromkeys(p for c in commits[-_OLDEST:] for p in c.parents))
    return bool(tips) and gitrepo.in_history_of(root, tag_commit, tips)


def _require_paths(view: RepoView, rng: _Range, globs: list[str]) -> None:
    """ERROR when `paths` match no file (nor submodule) at the range's end nor at its base: a typo (`rewards` for
    `reward`) would select no commit and pass. Paths that exist only between the two ends are not looked for."""
    folders = _exact_pathspecs(globs)
    matches: Callable[[str], bool]
    if folders is not None:  # `folder/**` globs: a prefix test is exact, and fast on a large tree
        prefixes = tuple(f.removeprefix(":(top,literal)") for f in folders)
        matches = operator.methodcaller("startswith", prefixes)
    else:
        matches = compile_globs(globs).match_file
    for commit in dict.fromkeys((rng.end, rng.base)):
        if commit == view.commit:
            files, links = view.tree, view.gitlinks
        else:
            files, links = gitrepo.tree_and_gitlinks(view.root, commit)
        if any(map(matches, itertools.chain(files, links))):
            return
    shown = ", ".join(f"'{g}'" for g in globs)
    raise EvidenceUnavailable(
        f"paths {shown} match no file at {rng.end[:12]} or {rng.base[:12]}: a typo would make this check vacuous",
        where=globs[0],
        hint="fix `paths:` so that it names the files the check is about (gitignore-style globs)",
    )


def _bind_mailmap(view: RepoView) -> list[Read]:
    """git maps identities through the work tree's .mailmap: it must be committed and unmodified, and is bound."""
    path = view.root / MAILMAP
    if MAILMAP in view.tree or path.exists() or path.is_symlink():
        _, sha = view.read_bytes(MAILMAP)
        return [Read(path=MAILMAP, root="repo", sha256=sha)]
    return []


@functools.lru_cache(maxsize=4096)  # a pure function of the text; trailers repeat (thousands of commits, few people)
def _email_of(value: str) -> tuple[str, str] | None:
    """(name, email) of a trailer value `Name <email>` (or a bare `email`); None without an email."""
    found = _BRACKETED.search(value)
    if found:
        email = found.group(1).strip()
        name = value[: found.start()].strip()
    else:
        email, name = value.strip(), ""
    return (name, email) if _EMAIL.match(email) else None


def _mapper(view: RepoView, contacts: list[Ident], use_mailmap: bool) -> dict[Ident, str]:
    """Each contact -> its lower-cased email after .mailmap (one `git check-mailmap` for all of them)."""
    unique = sorted(set(contacts), key=lambda c: (c.email, c.name))
    if not use_mailmap or not unique or MAILMAP not in view.tree:
        return {c: c.email.lower() for c in unique}
    mapped = gitrepo.check_mailmap(view.root, unique)
    return {c: (m or c.email).lower() for c, m in zip(unique, mapped, strict=True)}


@contextmanager
def _signers_file(view: RepoView, rel: str | None, read: list[Read]) -> Iterator[Path | None]:
    """A private copy of the allowed_signers file (read through the repo view, so it is committed and bound)."""
    if rel is None:
        yield None
        return
    if shutil.which("ssh-keygen") is None:
        raise EvidenceUnavailable(
            "ssh-keygen (OpenSSH) is not installed; git needs it to verify SSH signatures",
            hint="install the OpenSSH client",
        )
    data, sha = view.read_bytes(rel, max_bytes=1 << 20)
    read.append(Read(path=rel, root="repo", sha256=sha))
    with tempfile.TemporaryDirectory(prefix="gate-signers-") as folder:
        copy = Path(folder) / "allowed_signers"
        copy.write_bytes(data)
        yield copy


def _subject(commit: LogCommit) -> str:
    text = commit.subject.strip()
    return text if len(text) <= 80 else text[:79] + "…"


def _paths_text(globs: list[str]) -> str:
    return ", ".join(globs)


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


# --- git.trailers ---------------------------------------------------------------------------------------------

_SIGNATURE_PROBLEMS = {
    "N": "not signed",
    "B": "bad signature",
    "U": "signed by a key that is not in {signers}",
    "E": "signature cannot be checked (not an SSH signature, or its key is not in {signers})",
    "X": "good signature that has expired",
    "Y": "good signature by a key that has expired",
    "R": "signed by a revoked key",
}


def collect_trailers(spec: GitTrailersSpec, ctx: Context) -> Evidence:
    """Commits touching `paths` in the range carry the required trailers, from someone other than the author.

    Trailers are git's own (`%(trailers)`: the final paragraph only, keys compared case-insensitively); a
    trailer counts for `not_author` when its `<email>` (lower-cased, through .mailmap) differs from the
    author's. Merge commits touch the paths when their diff against the first parent does.
    """
    view = ctx.need_repo()
    judge = _TrailerJudge(view, spec)
    rng, history_of = _history(
        view,
        spec.since,
        spec.range,
        spec.paths,
        first_parent=spec.merges == "first-parent",
        no_merges=spec.merges == "skip",
        each=judge.see,
    )
    _require_paths(view, rng, spec.paths)
    read = _bind_mailmap(view)
    signers_rel = spec.allowed_signers if spec.signed else None
    with _signers_file(view, signers_rel, read) as signers:
        history = history_of()
        touched = history.commits
        commit_reads = history.reads()
        if signers is not None:
            checked = gitrepo.signatures(view.root, [c.sha for c in touched], signers)
            touched = [c._replace(signature=checked[c.sha][0], signing_key=checked[c.sha][1]) for c in touched]
    where = f"{_paths_text(spec.paths)} in {rng.shown}"
    counted = f"{_plural(len(touched), 'commit')} touched {where}"
    if len(touched) < spec.min_commits:
        raise EvidenceUnavailable(
            f"only {counted}; min_commits is {spec.min_commits}",
            hint="check the range and paths (an empty range proves nothing), or lower min_commits",
        )

    verdicts = judge.verdicts(touched)
    counts = Counter(id(c.people) for c in touched)
    emails: set[str] = set().union(*(verdicts[key].emails for key in counts))
    n_bots = sum(n for key, n in counts.items() if verdicts[key].is_bot)
    n_trailers = sum(n for key, n in counts.items() if verdicts[key].problems and not verdicts[key].is_bot)
    bot_emails = {verdicts[key].author for key in counts if verdicts[key].is_bot}

    # Only the commits that are listed need a look of their own (all of them when signatures count).
    flagged = {key for key in counts if verdicts[key].is_bot or verdicts[key].problems}
    listed = touched if signers_rel is not None else [c for c in touched if id(c.people) in flagged]
    findings: list[tuple[LogCommit, str, list[str]]] = []
    n_signatures = 0
    for commit in listed:
        author, is_bot, problems, _ = verdicts[id(commit.people)]
        if signers_rel is not None and commit.signature != "G":
            text = _SIGNATURE_PROBLEMS.get(commit.signature, "no good signature")
            if commit.signing_key and commit.signature != "N":
                text += f" (key {commit.signing_key})"
            problems = [*problems, text.format(signers=signers_rel)]
            n_signatures += 1
        if problems or is_bot:
            findings.append((commit, author, problems))
    paths = history.paths([commit for commit, *_ in findings])
    observations: list[Observation] = []
    for commit, author, problems in findings:
        head = f"commit {commit.sha[:12]} '{_subject(commit)}' by {author}"
        message = f"{head}: {'; '.join(problems)}" if problems else f"{head}: a bot, exempt from the trailer rule"
        observations.append(
            Observation(
                message=message,
                path=paths[commit.sha],
                root="repo",
                commit=commit.sha,
                author=author,
                failing=bool(problems),
            )
        )

    keys = " and ".join(spec.require)
    need = f"an independent {keys}" if spec.not_author else keys
    summary = counted
    if n_bots:
        summary += f" ({n_bots} by exempt bots: {', '.join(sorted(bot_emails))})"
    failed, fixes = [], []
    if n_trailers:
        failed.append(f"{n_trailers} without {need}")
        fixes.append(
            f"have someone other than the author review each listed commit and record it as a '{spec.require[0]}: "
            "Name <email>' trailer in the commit message (before it is merged)"
        )
    if n_signatures:
        failed.append(f"{n_signatures} without a good signature by a key in {signers_rel}")
        fixes.append(f"sign the listed commits with a key in {signers_rel} (git commit -S with gpg.format=ssh)")
    passed = []
    if len(touched) > n_bots:
        passed.append(f"all have {need}")
    if touched and signers_rel is not None:
        passed.append(f"all are signed by a key in {signers_rel}")
    if failed:
        summary += ": " + ", ".join(failed)
    elif passed:
        summary += ": " + ", ".join(passed)
    return evidence(
        spec.kind,
        Status.FAIL if failed else Status.PASS,
        summary,
        observations,
        label=spec.label,
        fix="; ".join(fixes) + ", or get a waiver" if fixes else None,
        read=read + commit_reads,
        emails=sorted(emails),
    )


class _Verdict(NamedTuple):
    """What collect_trailers makes of a People."""

    author: str
    """The author's email, lower-cased, through .mailmap."""
    is_bot: bool
    problems: list[str]
    """What the trailers lack (none for a bot)."""
    emails: set[str]
    """The identity emails of the commit (_identity_emails)."""


class _Lowered(dict[Ident, str]):
    """The mapping of contacts to emails when no .mailmap applies: the email, lower-cased."""

    def __missing__(self, key: Ident) -> str:
        return key.email.lower()


class _TrailerJudge:
    """collect_trailers' verdict on each People, the signature aside: a commit's People (shared by the commits of
    the same people with the same trailers) decides it, so it is worked out once per People, a few thousand on a
    history of tens of thousands. Without a .mailmap it is worked out as git's output is read (issue 10)."""

    def __init__(self, view: RepoView, spec: GitTrailersSpec) -> None:
        self.view = view
        self.spec = spec
        self.bots = {b.lower() for b in spec.bots}
        self.wanted = [k.lower() for k in spec.require]
        # With a .mailmap, git maps the trailers' emails (one `git check-mailmap` for all, once the log is read).
        self.mapped: dict[Ident, str] | None = None if MAILMAP in view.tree else _Lowered()
        self._verdicts: dict[int, _Verdict] = {}
        """By id(People)."""
        self._judged: list[People] = []
        """Each People judged, kept so that its id stays its own."""

    def see(self, commits: list[LogCommit]) -> None:
        """Judge the People of these commits now, when no .mailmap needs asking."""
        if self.mapped is not None:
            self._judge(commits, self.mapped)

    def verdicts(self, touched: list[LogCommit]) -> dict[int, _Verdict]:
        """The verdict on the People of each of these commits (which `see` was shown, unless a .mailmap applies),
        by id(People)."""
        if self.mapped is None:
            people = {id(c.people): c.people for c in touched}.values()
            contacts = [Ident(*parsed) for who in people for _, v in who.trailers if (parsed := _email_of(v))]
            self.mapped = _mapper(self.view, contacts, use_mailmap=True)
            self._judge(touched, self.mapped)
        return self._verdicts

    def _judge(self, commits: list[LogCommit], mapped: dict[Ident, str]) -> None:
        spec, verdicts = self.spec, self._verdicts
        for commit in commits:
            who = commit.people
            if id(who) in verdicts:
                continue
            author = who.author_mapped.email.lower()
            is_bot = who.author.email.lower() in self.bots or author in self.bots
            problems = (
                [] if is_bot else _trailer_problems(who, spec.require, self.wanted, spec.not_author, author, mapped)
            )
            verdicts[id(who)] = _Verdict(author, is_bot, problems, _identity_emails(who, mapped))
            self._judged.append(who)


def _identity_emails(who: People, mapped: dict[Ident, str], use_mailmap: bool = True) -> set[str]:
    """Author, committer and co-author emails, as recorded and through .mailmap (for independence checks)."""
    found = {who.author.email, who.committer.email}
    if use_mailmap:
        found.update({who.author_mapped.email, who.committer_mapped.email})
    for key, value in who.trailers:
        parsed = _email_of(value)
        if key.lower() == CO_AUTHOR and parsed:
            found.update({parsed[1], mapped[Ident(*parsed)]})
    return {e.lower() for e in found if e}


def _trailer_problems(
    who: People, require: list[str], wanted: list[str], not_author: bool, author: str, mapped: dict[Ident, str]
) -> list[str]:
    problems: list[str] = []
    for key, low in zip(require, wanted, strict=True):
        values = [v for k, v in who.trailers if k.lower() == low]
        if not values:
            problems.append(f"no {key} trailer")
            continue
        if not not_author:
            continue
        reasons: list[str] = []
        for value in values:
            parsed = _email_of(value)
            if parsed is None:
                reasons.append(f"{key} '{value}' has no email address, so it does not count")
            elif mapped[Ident(*parsed)] == author:
                reasons.append(f"{key} is the author ({author})")
            else:
                break
        else:
            problems.append("; ".join(dict.fromkeys(reasons)))
    return problems


# --- git.authors_disjoint -------------------------------------------------------------------------------------


def _group(data: bytes, rel: str) -> list[str]:
    """Emails in a group file: one per line (`Name <email>` or `email`), `#` starts a comment."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise EvidenceUnavailable(f"{rel} is not UTF-8 text", where=rel) from None
    emails: list[str] = []
    for number, line in enumerate(text.splitlines(), start=1):
        entry = line.split("#", 1)[0].strip()
        if not entry:
            continue
        parsed = _email_of(entry)
        if parsed is None:
            raise EvidenceUnavailable(
                f"{rel}:{number}: '{entry}' is not an email address", where=rel, hint="list one email per line"
            )
        emails.append(parsed[1].lower())
    if not emails:
        raise EvidenceUnavailable(
            f"{rel} lists no emails; an empty group proves nothing",
            where=rel,
            hint="list the group's emails, one per line (every address each member commits with)",
        )
    return emails


def collect_authors_disjoint(spec: GitAuthorsDisjointSpec, ctx: Context) -> Evidence:
    """No author or co-author (Co-authored-by) of the commits touching `paths` in the range is in the group."""
    view = ctx.need_repo()
    data, sha = view.read_bytes(spec.group_file, max_bytes=1 << 20)
    group = _group(data, spec.group_file)
    read = [Read(path=spec.group_file, root="repo", sha256=sha)]
    rng, history_of = _history(view, spec.since, spec.range, spec.paths)
    _require_paths(view, rng, spec.paths)
    if spec.mailmap:
        read += _bind_mailmap(view)
    history = history_of()
    touched = history.commits
    commit_reads = history.reads()

    # As in collect_trailers: what depends only on a commit's People is worked out once per People.
    people = {id(c.people): c.people for c in touched}
    co_authors = {
        key: [Ident(*parsed) for k, v in who.trailers if k.lower() == CO_AUTHOR and (parsed := _email_of(v))]
        for key, who in people.items()
    }
    group_idents = [Ident("", e) for e in group]
    mapped = _mapper(view, group_idents + [i for idents in co_authors.values() for i in idents], spec.mailmap)
    members = set(group) | {mapped[i] for i in group_idents}

    judged: dict[int, tuple[str, list[str]]] = {}
    emails: set[str] = set()
    for key, who in people.items():
        emails.update(_identity_emails(who, mapped, spec.mailmap))
        author = (who.author_mapped if spec.mailmap else who.author).email.lower()
        roles = [("author", {who.author.email.lower(), author})]
        roles += [("co-author", {i.email.lower(), mapped[i]}) for i in co_authors[key]]
        hits = [
            f"{role} {sorted(names & members)[0]} is in {spec.group_file}" for role, names in roles if names & members
        ]
        judged[key] = (author, hits)
    findings: list[tuple[LogCommit, str, list[str]]] = []
    for commit in touched:
        author, hits = judged[id(commit.people)]
        if hits:
            findings.append((commit, author, hits))
    offending = len(findings)
    paths = history.paths([commit for commit, _, _ in findings])
    observations = [
        Observation(
            message=f"commit {commit.sha[:12]} '{_subject(commit)}' by {author}: " + "; ".join(dict.fromkeys(hits)),
            path=paths[commit.sha],
            root="repo",
            commit=commit.sha,
            author=author,
        )
        for commit, author, hits in findings
    ]
    counted = f"{_plural(len(touched), 'commit')} touched {_paths_text(spec.paths)} in {rng.shown}"
    group_text = f"{_plural(len(set(group)), 'email')} in {spec.group_file}"
    if offending:
        summary = f"{counted}: {offending} by members of {spec.group_file}"
        status = Status.FAIL
    else:
        summary = f"{counted}; none by the {group_text}"
        status = Status.PASS
    return evidence(
        spec.kind,
        status,
        summary,
        observations,
        label=spec.label,
        fix=f"have these changes made by someone outside {spec.group_file} (revert and redo them), or get a waiver",
        read=read + commit_reads,
        emails=sorted(emails),
    )


# --- git.ref -----------------------------------------------------------------------------------------------------


def collect_ref(spec: GitRefSpec, ctx: Context) -> Evidence:
    """The tag exists (annotated, signed, at the release commit as asked) and the work tree is clean."""
    view = ctx.need_repo()
    name = spec.tag
    if "{release}" in name:
        if not ctx.release:
            raise EvidenceUnavailable(
                f"tag '{spec.tag}' uses {{release}} but no release id was given", hint="pass --release ID"
            )
        name = name.replace("{release}", ctx.release)
    read: list[Read] = []
    observations: list[Observation] = []
    facts: list[str] = []
    problems: list[str] = []

    def problem(message: str) -> None:
        problems.append(message)
        observations.append(Observation(message=message))

    signers_rel = spec.allowed_signers if spec.signed else None
    with _signers_file(view, signers_rel, read) as signers:
        info = gitrepo.tag(view.root, name)
        if info is None:
            problem(f"tag '{name}' does not exist")
        else:
            target = f"commit {info.commit[:12]}" if info.commit else f"a {info.object_type}"
            if info.commit:
                read.append(Read(commit=info.commit))
            if info.annotated:
                described = f"annotated tag '{name}' (tag object {info.object_sha[:12]}) names {target}"
            else:
                described = f"lightweight tag '{name}' names {target}"
            observations.append(Observation(message=described, commit=info.commit, failing=False))
            facts.append("exists")
            if spec.annotated:
                if info.annotated:
                    facts.append("is annotated")
                else:
                    problem(f"tag '{name}' is lightweight, not annotated")
            if signers is not None:
                if not info.annotated:
                    problem(f"tag '{name}' is not signed (a lightweight tag cannot carry a signature)")
                else:
                    good, said = gitrepo.verify_tag(view.root, name, signers)
                    if good:
                        facts.append(f"is signed by a key in {signers_rel}")
                    else:
                        said = said.replace(str(signers), str(signers_rel))
                        problem(f"tag '{name}' has no good signature by a key in {signers_rel} (git: {said})")
            if spec.at_release_commit:
                if info.commit == view.commit:
                    facts.append(f"is at the release commit {view.commit[:12]}")
                else:
                    problem(f"tag '{name}' names {target}, not the release commit {view.commit[:12]}")
    summary = f"tag '{name}' " + ", ".join(facts)
    if spec.clean:
        dirty = [p for p in gitrepo.tracked_changes(view.root) if not p.startswith(gitrepo.SIGNOFF_DIR + "/")]
        if dirty:
            problems.append(f"{_plural(len(dirty), 'tracked file')} changed in the work tree")
            observations += [
                Observation(message="changed in the work tree, not committed", path=p, root="repo") for p in dirty
            ]
        else:
            summary += "; the work tree is clean"
    return evidence(
        spec.kind,
        Status.FAIL if problems else Status.PASS,
        "; ".join(problems) if problems else summary,
        observations,
        label=spec.label,
        fix=f"tag the release commit as required (git tag -a{' -s' if spec.signed else ''} {name} <release commit>"
        + (f", signing with a key in {signers_rel} and gpg.format=ssh" if spec.signed else "")
        + ")"
        + (" and commit or revert the listed changes" if spec.clean else ""),
        read=read,
    )


# --- git.file ----------------------------------------------------------------------------------------------------

_MODES = {"100644": "a file", "100755": "a file", "120000": "a symlink", "040000": "a folder", "160000": "a submodule"}


def collect_file(spec: GitFileSpec, ctx: Context) -> Evidence:
    """The path is a file (exists) or nothing at all (absent) in the tree at the ref (the release commit)."""
    view = ctx.need_repo()
    if spec.ref is None:
        sha, at = view.commit, f"the release commit {view.commit[:12]}"
    else:
        try:
            sha = gitrepo.resolve_commit(view.root, spec.ref)
        except GitError:
            raise EvidenceUnavailable(
                f"ref '{spec.ref}' does not name a commit in this clone",
                hint="fetch the ref (git fetch --tags), or fix `ref:`",
            ) from None
        at = f"'{spec.ref}' ({sha[:12]})"
    entry = gitrepo.tree_entry(view.root, sha, spec.path)
    what = None if entry is None else _MODES.get(entry.mode, f"an entry of mode {entry.mode}")
    if spec.state == "exists":
        ok = what == "a file"
        summary = f"{spec.path} is {what or 'absent'} at {at}" + ("" if ok or what is None else ", not a file")
        fix = f"commit {spec.path} as a regular file"
    else:
        ok = entry is None
        summary = f"{spec.path} is absent at {at}" if ok else f"{spec.path} is {what} at {at}; it must be absent"
        fix = f"remove {spec.path} (git rm) and commit"
    observation = Observation(message=summary, path=spec.path, root="repo", commit=sha, failing=not ok)
    return evidence(
        spec.kind,
        Status.PASS if ok else Status.FAIL,
        summary,
        [observation],
        label=spec.label,
        fix=fix,
        read=[Read(commit=sha)],
    )


# --- git.codeowners ----------------------------------------------------------------------------------------------

CODEOWNERS_PLACES = (".github/CODEOWNERS", "CODEOWNERS", "docs/CODEOWNERS")
"""Where GitHub looks for CODEOWNERS, in its order."""
_TOKEN = re.compile(r"(?:\\.|\S)+")
_OWNER = re.compile(r"^@[A-Za-z0-9][\w.-]*(?:/[\w.-]+)?$|^[^\s@<>]+@[^\s@<>]+$")
_REVIEW_STATES = {"APPROVED", "CHANGES_REQUESTED", "DISMISSED"}


@dataclass(frozen=True)
class _Rule:
    line: int
    pattern: str
    owners: tuple[str, ...]
    regex: re.Pattern[str]
    direct_only: bool
    """GitHub: a trailing `/*` (as in `docs/*`) owns the files directly in that folder, not deeper ones."""

    def matches(self, path: str) -> bool:
        if self.direct_only:
            return self.regex.fullmatch(path) is not None
        return self.regex.match(path) is not None


def _codeowners(text: str, rel: str) -> list[_Rule]:
    """Parse CODEOWNERS (https://docs.github.com/en/repositories/managing-your-repositorys-settings-and-features/
    customizing-your-repository/about-code-owners): gitignore-like patterns, no `!` and no `[ ]`; a malformed
    line is ERROR, since GitHub would skip it and ownership would differ from what the file seems to say."""
    rules: list[_Rule] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        tokens = _TOKEN.findall(line)
        pattern, owners = tokens[0], []
        for token in tokens[1:]:
            if token.startswith("#"):
                break
            if not _OWNER.match(token):
                raise EvidenceUnavailable(
                    f"{rel}:{number}: '{token}' is not an owner (@user, @org/team or an email)", where=rel
                )
            owners.append(token)
        if pattern.startswith("!") or re.search(r"(?<!\\)\[", pattern):
            raise EvidenceUnavailable(
                f"{rel}:{number}: '{pattern}' uses syntax CODEOWNERS does not support ('!' negation or '[ ]' ranges)",
                where=rel,
            )
        compiled = pathspec.GitIgnoreSpec.from_lines([pattern]).patterns
        regex = getattr(compiled[0], "regex", None) if compiled else None
        if not isinstance(regex, re.Pattern):
            raise EvidenceUnavailable(f"{rel}:{number}: cannot read pattern '{pattern}'", where=rel)
        segments = pattern.split("/")
        rules.append(_Rule(number, pattern, tuple(owners), regex, len(segments) > 1 and segments[-1] == "*"))
    return rules


def _approvals(data: bytes, rel: str) -> tuple[set[str], dict[str, set[str]] | None]:
    """Approvers (lower-case logins) and optional team members from the approvals artifact.

    Format: GitHub's `GET /repos/{owner}/{repo}/pulls/{n}/reviews` output, a JSON list of reviews with
    `user.login` and `state`, or `{"reviews": [...], "teams": {"org/team": ["login", ...]}}`. Reviews are in
    the order submitted; a user's last APPROVED / CHANGES_REQUESTED / DISMISSED review decides (COMMENTED does not).
    """
    try:
        doc = json.loads(data)
    except (ValueError, UnicodeDecodeError) as exc:
        raise EvidenceUnavailable(f"{rel} is not valid JSON: {exc}", where=rel) from None
    teams: dict[str, set[str]] | None = None
    if isinstance(doc, dict):
        reviews, raw_teams = doc.get("reviews"), doc.get("teams")
        if raw_teams is not None:
            if not isinstance(raw_teams, dict) or not all(
                isinstance(m, list) and all(isinstance(x, str) for x in m) for m in raw_teams.values()
            ):
                raise EvidenceUnavailable(f"{rel}: 'teams' must map 'org/team' to a list of logins", where=rel)
            teams = {str(k).lstrip("@").lower(): {x.lstrip("@").lower() for x in m} for k, m in raw_teams.items()}
    else:
        reviews = doc
    if not isinstance(reviews, list):
        raise EvidenceUnavailable(
            f'{rel}: expected a list of reviews (GitHub\'s pull request reviews API) or {{"reviews": [...]}}',
            where=rel,
        )
    latest: dict[str, str] = {}
    for index, review in enumerate(reviews):
        user = review.get("user") if isinstance(review, dict) else None
        login = user.get("login") if isinstance(user, dict) else None
        state = review.get("state") if isinstance(review, dict) else None
        if not isinstance(login, str) or not isinstance(state, str):
            raise EvidenceUnavailable(f"{rel}: reviews[{index}] needs 'user.login' and 'state'", where=rel)
        if state.upper() in _REVIEW_STATES:
            latest[login.lower()] = state.upper()
    return {login for login, state in latest.items() if state == "APPROVED"}, teams


def collect_codeowners(spec: GitCodeownersSpec, ctx: Context) -> Evidence:
    """Every tracked file matching `paths` has an owner under CODEOWNERS (last matching line wins), one of
    `owners` when given, and (with `approvals`) one of its owners approved."""
    view = ctx.need_repo()
    if spec.codeowners_file:
        rel = spec.codeowners_file
    else:
        found = [p for p in CODEOWNERS_PLACES if p in view.tree]
        if not found:
            raise EvidenceUnavailable(
                f"no CODEOWNERS file at the release commit (looked for {', '.join(CODEOWNERS_PLACES)})",
                hint="commit a CODEOWNERS file, or name it with codeowners_file:",
            )
        rel = found[0]
    data, sha = view.read_bytes(rel, max_bytes=3 << 20)  # GitHub ignores CODEOWNERS files over 3 MB
    try:
        rules = _codeowners(data.decode("utf-8"), rel)
    except UnicodeDecodeError:
        raise EvidenceUnavailable(f"{rel} is not UTF-8 text", where=rel) from None
    read = [Read(path=rel, root="repo", sha256=sha)]
    files = view.match(spec.paths)
    if not files:
        raise EvidenceUnavailable(
            f"{_paths_text(spec.paths)} matched no tracked file at the release commit {view.commit[:12]}",
            where=spec.paths[0],
        )
    read += [Read(path=f, root="repo") for f in files]  # the set of files is the evidence, not their content
    approvers: set[str] | None = None
    teams: dict[str, set[str]] | None = None
    if spec.approvals:
        approval_data, approval_sha = ctx.artifacts.read_bytes(spec.approvals)
        approvers, teams = _approvals(approval_data, spec.approvals)
        read.append(Read(path=spec.approvals, root="artifacts", sha256=approval_sha))
    allowed = {o.lower() for o in spec.owners}

    observations: list[Observation] = []
    unowned = wrong_owner = unapproved = 0
    for path in files:
        rule = next((r for r in reversed(rules) if r.matches(path)), None)
        if rule is None or not rule.owners:
            unowned += 1
            because = f" ({rel}:{rule.line} '{rule.pattern}' has no owners)" if rule else ""
            observations.append(Observation(message=f"no owner in {rel}{because}", path=path, root="repo"))
            continue
        owners_text = " ".join(rule.owners)
        if allowed and not any(o.lower() in allowed for o in rule.owners):
            wrong_owner += 1
            observations.append(
                Observation(
                    message=f"owned by {owners_text} ({rel}:{rule.line}), not by any of {', '.join(spec.owners)}",
                    path=path,
                    root="repo",
                )
            )
            continue
        if approvers is not None and not _approved(rule, path, approvers, teams, spec.approvals or ""):
            unapproved += 1
            who = ", ".join(f"@{a}" for a in sorted(approvers)) or "nobody"
            observations.append(
                Observation(
                    message=f"no owner approved: owners {owners_text} ({rel}:{rule.line}); approved by {who}",
                    path=path,
                    root="repo",
                )
            )

    counted = f"{_plural(len(files), 'file')} matching {_paths_text(spec.paths)}"
    failing = unowned + wrong_owner + unapproved
    if failing:
        parts = []
        if unowned:
            parts.append(f"{unowned} without an owner")
        if wrong_owner:
            parts.append(f"{wrong_owner} not owned by {', '.join(spec.owners)}")
        if unapproved:
            parts.append(f"{unapproved} without an owner's approval")
        summary = f"{failing} of {counted} fail {rel}: " + ", ".join(parts)
    else:
        summary = f"all {counted} have an owner in {rel}"
        if allowed:
            summary += f" among {', '.join(spec.owners)}"
        if approvers is not None:
            summary += f", and an owner approved each ({spec.approvals})"
    return evidence(
        spec.kind,
        Status.FAIL if failing else Status.PASS,
        summary,
        observations,
        label=spec.label,
        fix=f"add owners for the listed files to {rel} (the last matching line wins) and get an owner's approval",
        read=read,
    )


def _approved(rule: _Rule, path: str, approvers: set[str], teams: dict[str, set[str]] | None, rel: str) -> bool:
    unresolved: list[str] = []
    for owner in rule.owners:
        if not owner.startswith("@"):
            unresolved.append(owner)  # an email: GitHub maps it to an account; offline we cannot
        elif "/" in owner:
            members = (teams or {}).get(owner[1:].lower())
            if members is None:
                unresolved.append(owner)
            elif members & approvers:
                return True
        elif owner[1:].lower() in approvers:
            return True
    if unresolved:
        raise EvidenceUnavailable(
            f"cannot tell whether {unresolved[0]} (an owner of {path}) approved: team membership and email owners "
            f"cannot be resolved offline",
            where=rel,
            hint='export approvals as {"reviews": [...], "teams": {"org/team": ["login", ...]}} '
            "(members from GET /orgs/{org}/teams/{team}/members), or list @user owners",
        )
    return False
