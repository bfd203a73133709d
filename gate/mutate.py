"""`gate lint --mutate`: a documented mutation per evidence kind that an item's passing example must not survive.

Owns the mutations: each takes a throw-away copy of a built fixture (a `Sandbox`), breaks exactly what one
evidence entry checks, and says where the item must now report it (a `Spot`). `gate.selftest` re-records the
artifacts for the new release commit, runs the item and requires FAIL with a failing observation at the spot;
an ERROR does not count. Never prints; edits only the sandbox it is given.

Mutations per kind; the item must then FAIL with a failing observation at the place in [brackets]:

- config, json: set the value the query selects so that the assertion breaks: `not_contains X` adds X to the list
  (or string), `contains X` removes it, `equals X` changes the value, `not_equals X` sets X, `in L` sets a value
  outside L, `not_in L` sets L's first value, `matches R` sets a string R does not match, `gt`/`ge` lower and
  `lt`/`le` raise the number past the bound, `exists` deletes the key, `absent` sets it. `each: file` edits the
  first matched file (YAML and JSON before TOML), `any-file` every file, `no-file` makes the assertion hold in the
  first file. The file is re-serialised (comments are lost). [the file, at the line of the changed value]
- code.pattern: `must: not_occur` appends a line holding the pattern (for a regex, a sample string derived from
  it) to the first searched file [that file and line]; `must: occur` deletes every line holding a match [a file
  whose lines were deleted].
- code.imports: append `import <first forbidden module>` to the first source module's file [that file and line].
- git.trailers: commit a change to the first tracked file matching `paths`, by an author who is not a bot, without
  trailers or signature [that commit].
- git.authors_disjoint: commit a change to the first tracked file matching `paths`, authored by the first email
  of `group_file` [that commit].
- git.ref: delete the tag [an observation saying the tag does not exist].
- git.file: `state: exists` deletes the file, `state: absent` creates it, in a new commit [the path].
- git.codeowners: append `/<first matched file>` with no owners to the CODEOWNERS file (the last match wins)
  [that file].
- junit: add a `<failure>` to the first selected test case of the first matched report [the report, at the test
  case's line].
- sarif: add a result at `level` (the first listed rule, in a run of the first listed tool) to the first matched
  report [the result's location, `gate-mutation.py:1`].
- canary: append a line holding the first canary to the first grader log, gzip kept [the log, at that line].
- digest: flip a bit in the last byte of the subject [the subject].
- manual: not mutable (a person judges the document; the machine only checks that it is committed and non-empty).
- command: not mutable (commands do not run in a selftest).

Situational "not mutable": a config/json query that is not a plain path of fields and indexes, a git range that
ends at a fixed ref, `git.file` with `ref:`, a git.ref tag naming `{release}` in a fixture without a release id, a
regex from which no matching string can be derived. A mutation that cannot even be placed because the passing
example shows the check looks at nothing (no file matches, no selected test, an empty group), or because the
example cannot be edited, is `Unplaced`: a failure, like a mutation the item survives.
"""

from __future__ import annotations

import copy
import gzip
import json
import keyword
import math
import re
import subprocess
import tomllib
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any
from xml.parsers import expat

import yaml

from gate.errors import GateError
from gate.evidence.config import FORMATS
from gate.evidence.context import Context, compile_globs
from gate.evidence.documents import DataPath
from gate.evidence.git import CODEOWNERS_PLACES
from gate.evidence.query import Query, deep_equal, resolve, show
from gate.model import (
    CanarySpec,
    CodeImportsSpec,
    CodePatternSpec,
    ConfigSpec,
    DigestSpec,
    GitAuthorsDisjointSpec,
    GitCodeownersSpec,
    GitFileSpec,
    GitRefSpec,
    GitTrailersSpec,
    JsonSpec,
    JunitSpec,
    SarifSpec,
)
from gate.results import Observation

MUTANT_NAME = "Mutant"
MUTANT_EMAIL = "mutant@gate.invalid"
"""The author of mutation commits: listed in no bots list, no group and no signers file."""
MARK = "gate-mutation"
"""A value or name a mutation introduces, recognisable in any output."""
SARIF_PATH = "gate-mutation.py"
NOT_MUTABLE_KINDS = {
    "manual": "a person judges the document; the machine only checks that it is committed and non-empty",
    "command": "commands do not run in a selftest (allow_commands is off)",
}


@dataclass(frozen=True)
class Sandbox:
    """A private copy of a built fixture that one mutation may change."""

    repo: Path
    artifacts: Path | None
    subject_root: Path | None
    release: str | None
    ctx: Context
    """The unmutated fixture's context: which files are tracked and which artifacts exist."""
    env: Mapping[str, str]
    """The isolated git environment (no user or system config)."""


@dataclass(frozen=True)
class Spot:
    """Where the item must report the mutation: a failing observation with all the given parts."""

    path: str | None = None
    line: int | None = None
    commit: str | None = None
    mentions: str | None = None

    def matches(self, obs: Observation) -> bool:
        """Whether a failing observation is at this spot."""
        return (
            obs.failing
            and (self.path is None or obs.path == self.path)
            and (self.line is None or obs.line == self.line)
            and (self.commit is None or obs.commit == self.commit)
            and (self.mentions is None or self.mentions in obs.message)
        )

    def __str__(self) -> str:
        parts = []
        if self.path:
            parts.append(f"{self.path}:{self.line}" if self.line else self.path)
        if self.commit:
            parts.append(f"commit {self.commit[:12]}")
        if self.mentions:
            parts.append(f"'{self.mentions}'")
        return ", ".join(parts) or "anywhere"


@dataclass(frozen=True)
class Applied:
    """A mutation made: what was done, and where the item must now FAIL."""

    what: str
    spot: Spot


@dataclass(frozen=True)
class NotMutable:
    """No mutation can be derived for this entry (listed, never silently skipped)."""

    reason: str


@dataclass(frozen=True)
class Unplaced:
    """No mutation can be placed on the passing example (the check looks at nothing there, e.g. no file matches,
    or the example cannot be edited): a failure, like a mutation the item survives."""

    reason: str


Outcome = Applied | NotMutable | Unplaced


def not_mutable_reason(spec: Any) -> str | None:
    """Why an entry cannot be mutated whatever the fixture, or None."""
    kind: str = spec.kind
    if kind in NOT_MUTABLE_KINDS:
        return NOT_MUTABLE_KINDS[kind]
    if isinstance(spec, (ConfigSpec, JsonSpec)):
        query = Query(spec.query)
        if not query.exact or not query.path:
            return f"query '{spec.query}' is not a plain path of fields and indexes"
    if isinstance(spec, (GitTrailersSpec, GitAuthorsDisjointSpec)) and spec.range is not None:
        end = spec.range.partition("..")[2]
        if end not in ("", "HEAD"):
            return f"range '{spec.range}' ends at a fixed ref, so no new commit falls inside it"
    if isinstance(spec, GitFileSpec) and spec.ref is not None:
        return f"ref '{spec.ref}' names fixed history"
    if isinstance(spec, CodePatternSpec) and spec.must == "not_occur" and spec.regex:
        flags = re.IGNORECASE if spec.ignore_case else 0
        if regex_sample(spec.pattern, flags) is None:
            return f"no string matching regex '{spec.pattern}' can be derived"
    return None


def mutate(spec: Any, box: Sandbox) -> Outcome:
    """Apply the kind's mutation (see the table above) to the sandbox."""
    reason = not_mutable_reason(spec)
    if reason is not None:
        return NotMutable(reason)
    mutations: dict[type[Any], Callable[[Any, Sandbox], Outcome]] = {
        ConfigSpec: _config,
        JsonSpec: _json,
        CodePatternSpec: _pattern,
        CodeImportsSpec: _imports,
        GitTrailersSpec: _trailers,
        GitAuthorsDisjointSpec: _authors,
        GitRefSpec: _ref,
        GitFileSpec: _file,
        GitCodeownersSpec: _codeowners,
        JunitSpec: _junit,
        SarifSpec: _sarif,
        CanarySpec: _canary,
        DigestSpec: _digest,
    }
    handler = mutations.get(type(spec))
    if handler is None:
        return NotMutable(f"no mutation is defined for kind '{spec.kind}'")
    try:
        return handler(spec, box)
    except _Unsupported as exc:
        return NotMutable(f"cannot edit {exc}")
    except (OSError, ValueError, yaml.YAMLError) as exc:  # UnicodeDecodeError and JSONDecodeError are ValueErrors
        return Unplaced(f"cannot edit the passing example: {exc}")


# ---------------------------------------------------------------------------------------------
# git


def git(repo: Path, *args: str, env: Mapping[str, str], extra: Mapping[str, str] | None = None) -> str:
    """Run git in repo with the given (isolated) environment; GateError on failure."""
    try:
        proc = subprocess.run(
            ["git", "-C", str(repo), *args],
            capture_output=True,
            text=True,
            env={**env, **(extra or {})},
            check=False,
        )
    except FileNotFoundError:
        raise GateError("git is not installed (or not on PATH); the selftest needs it") from None
    if proc.returncode != 0:
        raise GateError(f"git {' '.join(args[:2])} failed: {proc.stderr.strip()}")
    return proc.stdout.strip()


def commit(box: Sandbox, message: str, *, name: str = MUTANT_NAME, email: str = MUTANT_EMAIL) -> str:
    """Commit every change in the sandbox repository, one hour after HEAD; returns the new sha."""
    git(box.repo, "add", "-A", env=box.env)
    when = int(git(box.repo, "log", "-1", "--format=%ct", env=box.env)) + 3600
    stamp = f"{when} +0000"
    ident = {
        "GIT_AUTHOR_NAME": name,
        "GIT_AUTHOR_EMAIL": email,
        "GIT_AUTHOR_DATE": stamp,
        "GIT_COMMITTER_NAME": name,
        "GIT_COMMITTER_EMAIL": email,
        "GIT_COMMITTER_DATE": stamp,
    }
    git(box.repo, "commit", "--quiet", "--allow-empty", "-m", message, env=box.env, extra=ident)
    return git(box.repo, "rev-parse", "HEAD", env=box.env)


def _tracked(box: Sandbox, globs: Sequence[str]) -> list[str]:
    view = box.ctx.repo
    if view is None:
        return []
    spec = compile_globs(globs)
    return sorted(p for p in view.tree if spec.match_file(p) and not p.startswith(".gate/"))


def _globs(globs: Sequence[str]) -> str:
    return ", ".join(f"'{g}'" for g in globs)


def _touch(box: Sandbox, rel: str) -> None:
    """Change a file's content: a line appended (a comment line in Python)."""
    path = box.repo / rel
    data = path.read_bytes()
    if data and not data.endswith(b"\n"):
        data += b"\n"
    path.write_bytes(data + b"# changed by gate lint --mutate\n")


def _trailers(spec: GitTrailersSpec, box: Sandbox) -> Outcome:
    files = _tracked(box, spec.paths)
    if not files:
        return Unplaced(f"no tracked file matches {_globs(spec.paths)}, so no commit can touch the paths")
    target = files[0]
    _touch(box, target)
    email = MUTANT_EMAIL
    bots = {b.lower() for b in spec.bots}
    while email in bots:
        email = "x" + email
    sha = commit(box, "mutation: an unreviewed change", email=email)
    needs = " or ".join(spec.require) + (" or a signature" if spec.signed else "")
    return Applied(f"added commit {sha[:12]} touching {target} without {needs}", Spot(path=target, commit=sha))


_EMAIL = re.compile(r"<([^<>\s]+@[^<>\s]+)>|^([^<>\s]+@[^<>\s]+)$")


def _authors(spec: GitAuthorsDisjointSpec, box: Sandbox) -> Outcome:
    group_path = box.repo / spec.group_file
    if not group_path.is_file():
        return Unplaced(f"{spec.group_file} does not exist")
    member = None
    for raw in group_path.read_text(encoding="utf-8", errors="replace").splitlines():
        entry = raw.split("#", 1)[0].strip()
        found = _EMAIL.search(entry) if entry else None
        if found:
            member = (found.group(1) or found.group(2)).lower()
            break
    if member is None:
        return Unplaced(f"{spec.group_file} lists no email")
    files = _tracked(box, spec.paths)
    if not files:
        return Unplaced(f"no tracked file matches {_globs(spec.paths)}, so no commit can touch the paths")
    target = files[0]
    _touch(box, target)
    sha = commit(box, "mutation: a change by a group member", name="Group Member", email=member)
    return Applied(f"added commit {sha[:12]} by {member} touching {target}", Spot(path=target, commit=sha))


def _ref(spec: GitRefSpec, box: Sandbox) -> Outcome:
    name = spec.tag
    if "{release}" in name:
        if box.release is None:
            return NotMutable(f"tag '{spec.tag}' uses {{release}} and the fixture sets no release id")
        name = name.replace("{release}", box.release)
    existing = git(box.repo, "tag", "--list", name, env=box.env)
    if not existing:
        return Unplaced(f"tag '{name}' does not exist in the passing example")
    git(box.repo, "tag", "-d", name, env=box.env)
    return Applied(f"deleted tag '{name}'", Spot(mentions=f"tag '{name}' does not exist"))


def _file(spec: GitFileSpec, box: Sandbox) -> Outcome:
    path = box.repo / spec.path
    if spec.state == "exists":
        if not path.is_file():
            return Unplaced(f"{spec.path} does not exist in the passing example")
        git(box.repo, "rm", "--quiet", "--", spec.path, env=box.env)
        commit(box, f"mutation: delete {spec.path}")
        return Applied(f"deleted {spec.path}", Spot(path=spec.path))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("created by gate lint --mutate\n", encoding="utf-8")
    commit(box, f"mutation: create {spec.path}")
    return Applied(f"created {spec.path}", Spot(path=spec.path))


def _codeowners(spec: GitCodeownersSpec, box: Sandbox) -> Outcome:
    tracked = box.ctx.repo.tree if box.ctx.repo is not None else {}
    rel = spec.codeowners_file or next((p for p in CODEOWNERS_PLACES if p in tracked), None)
    if rel is None or not (box.repo / rel).is_file():
        return Unplaced("no CODEOWNERS file in the passing example")
    files = _tracked(box, spec.paths)
    if not files:
        return Unplaced(f"no tracked file matches {_globs(spec.paths)}")
    target = files[0]
    pattern = "/" + re.sub(r"([\s#\\])", r"\\\1", target)
    path = box.repo / rel
    text = path.read_text(encoding="utf-8")
    if text and not text.endswith("\n"):
        text += "\n"
    path.write_text(text + f"{pattern}\n", encoding="utf-8")
    commit(box, "mutation: disown a file")
    return Applied(f"appended '{pattern}' without owners to {rel}", Spot(path=target))


# ---------------------------------------------------------------------------------------------
# code


def _module_files(box: Sandbox, roots: Sequence[str]) -> dict[str, str]:
    """Module name -> its file, for Python files under the roots (as code.imports names them)."""
    view = box.ctx.repo
    out: dict[str, str] = {}
    if view is None:
        return out
    for root in roots:
        prefix = root
        while prefix.startswith("./"):
            prefix = prefix[2:]
        prefix = prefix.strip("/")
        prefix = "" if prefix in ("", ".") else prefix + "/"
        for rel in sorted(view.tree):
            if not rel.startswith(prefix) or not rel.endswith(".py"):
                continue
            parts = rel[len(prefix) : -len(".py")].split("/")
            if parts[-1] == "__init__":
                parts.pop()
            if parts and all(p.isidentifier() and not keyword.iskeyword(p) for p in parts):
                out.setdefault(".".join(parts), rel)
    return out


def _within(name: str, prefixes: Sequence[str]) -> bool:
    return any(name == p or name.startswith(p + ".") for p in prefixes)


def _append_line(path: Path, line: str) -> int:
    """Append a line to a text file; returns its 1-based line number."""
    text = path.read_bytes().decode("utf-8")
    if text and not text.endswith(("\n", "\r")):
        text += "\n"
    number = len(re.findall(r"\r\n|\r|\n", text)) + 1
    path.write_bytes((text + line + "\n").encode("utf-8"))
    return number


def _imports(spec: CodeImportsSpec, box: Sandbox) -> Outcome:
    modules = _module_files(box, spec.roots)
    sources = sorted(n for n in modules if _within(n, spec.source) and not _within(n, spec.forbidden))
    if not sources:
        return Unplaced(f"no source module in {', '.join(spec.source)} has a file")
    module = sources[0]
    rel = modules[module]
    target = spec.forbidden[0]
    line = _append_line(box.repo / rel, f"import {target}  # added by gate lint --mutate")
    commit(box, f"mutation: {module} imports {target}")
    return Applied(f"added 'import {target}' to {rel} ({module})", Spot(path=rel, line=line))


def _pattern(spec: CodePatternSpec, box: Sandbox) -> Outcome:
    files = _tracked(box, spec.files)
    flags = re.MULTILINE | (re.IGNORECASE if spec.ignore_case else 0)
    if spec.must == "not_occur":
        allow = compile_globs(spec.allowlist) if spec.allowlist else None
        searched = [f for f in files if allow is None or not allow.match_file(f)]
        if not searched:
            return Unplaced(f"no file matching {_globs(spec.files)} is searched (all allowlisted, or none match)")
        sample = regex_sample(spec.pattern, flags) if spec.regex else spec.pattern
        assert sample is not None  # not_mutable_reason refused the pattern otherwise
        rel = searched[0]
        line = _append_line(box.repo / rel, sample)
        commit(box, "mutation: the pattern occurs")
        return Applied(f"added {show(sample)} to {rel}", Spot(path=rel, line=line))
    rx = re.compile(spec.pattern if spec.regex else re.escape(spec.pattern), flags)
    changed: list[str] = []
    deleted = 0
    for rel in files:
        path = box.repo / rel
        text = path.read_bytes().decode("utf-8", errors="surrogateescape")
        lines = text.splitlines(keepends=True)
        starts = [0]
        for piece in lines:
            starts.append(starts[-1] + len(piece))
        doomed: set[int] = set()
        for match in rx.finditer(text):
            first_line = _line_index(starts, match.start())
            last_line = _line_index(starts, max(match.start(), match.end() - 1))
            doomed.update(range(first_line, last_line + 1))
        if doomed:
            kept = [piece for i, piece in enumerate(lines) if i not in doomed]
            path.write_bytes("".join(kept).encode("utf-8", errors="surrogateescape"))
            deleted += len(doomed)
            changed.append(rel)
    if not changed:
        return Unplaced(f"the pattern matches nothing in {_globs(spec.files)} in the passing example")
    commit(box, "mutation: the pattern no longer occurs")
    what = f"regex '{spec.pattern}'" if spec.regex else f"'{spec.pattern}'"
    lines_text = "line" if deleted == 1 else "lines"
    place = changed[0] if len(changed) == 1 else f"{len(changed)} files (first {changed[0]})"
    return Applied(f"deleted {deleted} {lines_text} matching {what} in {place}", Spot(path=changed[0]))


def _line_index(starts: list[int], offset: int) -> int:
    low, high = 0, len(starts) - 2
    while low < high:
        mid = (low + high + 1) // 2
        if starts[mid] <= offset:
            low = mid
        else:
            high = mid - 1
    return max(low, 0)


# ---------------------------------------------------------------------------------------------
# Regex samples


class _Unsupported(Exception):  # noqa: N818 - a reason to give up, not an error of gate
    pass


def _sre() -> tuple[Any, Any]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # re._parser since 3.11; typeshed knows the old names
        import sre_constants
        import sre_parse
    return sre_parse, sre_constants


_CATEGORY_SAMPLES = {
    "CATEGORY_DIGIT": "0",
    "CATEGORY_NOT_DIGIT": "a",
    "CATEGORY_SPACE": " ",
    "CATEGORY_NOT_SPACE": "a",
    "CATEGORY_WORD": "a",
    "CATEGORY_NOT_WORD": "-",
}
_CANDIDATE_CHARS = "aQ7_ -#x"


def regex_sample(pattern: str, flags: int = 0) -> str | None:
    """A short string the regex matches (first alternative of each branch, minimal repeats), or None."""
    sre_parse, c = _sre()
    try:
        parsed = sre_parse.parse(pattern, flags & ~re.MULTILINE)
        groups: dict[int, str] = {}
        text = _generate(parsed, c, groups)
    except (_Unsupported, re.error, RecursionError, OverflowError):
        return None
    if "\n" in text or "\r" in text or re.search(pattern, text, flags | re.MULTILINE) is None:
        return None
    return text


def _generate(items: Any, c: Any, groups: dict[int, str]) -> str:
    out: list[str] = []
    for op, av in items:
        out.append(_generate_one(op, av, c, groups))
    return "".join(out)


def _generate_one(op: Any, av: Any, c: Any, groups: dict[int, str]) -> str:
    if op is c.LITERAL:
        return chr(av)
    if op is c.NOT_LITERAL:
        return "a" if av != ord("a") else "b"
    if op is c.ANY:
        return "a"
    if op is c.IN:
        return _in_sample(av, c)
    if op is c.BRANCH:
        return _generate(av[1][0], c, groups)
    if op is c.SUBPATTERN:
        group, _add, _del, sub = av
        text = _generate(sub, c, groups)
        if group is not None:
            groups[group] = text
        return text
    if op in (c.MAX_REPEAT, c.MIN_REPEAT) or op.name == "POSSESSIVE_REPEAT":
        low, _high, sub = av
        return _generate(sub, c, groups) * int(low)
    if op.name == "ATOMIC_GROUP":
        return _generate(av, c, groups)
    if op is c.AT:
        return ""
    if op is c.CATEGORY:
        return _CATEGORY_SAMPLES.get(str(av.name), "a")
    if op is c.GROUPREF:
        return groups.get(int(av), "")
    raise _Unsupported(op.name)


def _in_sample(members: Any, c: Any) -> str:
    negate = bool(members) and members[0][0] is c.NEGATE
    if not negate:
        op, av = members[0]
        if op is c.LITERAL:
            return chr(av)
        if op is c.RANGE:
            return chr(av[0])
        if op is c.CATEGORY:
            return _CATEGORY_SAMPLES.get(str(av.name), "a")
        raise _Unsupported(op.name)
    for ch in _CANDIDATE_CHARS:
        if not any(_in_member(ch, op, av, c) for op, av in members[1:]):
            return ch
    raise _Unsupported("NEGATE")


def _in_member(ch: str, op: Any, av: Any, c: Any) -> bool:
    if op is c.LITERAL:
        return ord(ch) == int(av)
    if op is c.RANGE:
        return bool(av[0] <= ord(ch) <= av[1])
    if op is c.CATEGORY:
        pattern = {
            "CATEGORY_DIGIT": r"\d",
            "CATEGORY_NOT_DIGIT": r"\D",
            "CATEGORY_SPACE": r"\s",
            "CATEGORY_NOT_SPACE": r"\S",
            "CATEGORY_WORD": r"\w",
            "CATEGORY_NOT_WORD": r"\W",
        }.get(av.name)
        return pattern is None or re.fullmatch(pattern, ch) is not None
    return True


# ---------------------------------------------------------------------------------------------
# config and json: edit the selected value, re-serialise, locate the change


def _config(spec: ConfigSpec, box: Sandbox) -> Outcome:
    files = _tracked(box, spec.files)
    return _query_mutation(spec, box.repo, files, spec.format, box, "repo")


def _json(spec: JsonSpec, box: Sandbox) -> Outcome:
    if box.artifacts is None:
        return Unplaced("the passing example has no artifacts")
    files = box.ctx.artifacts.match(spec.files)
    return _query_mutation(spec, box.artifacts, files, spec.format, box, "artifacts")


def _format_of(rel: str, given: str, root: str) -> str | None:
    if root == "artifacts":
        if given != "auto":
            return given
        return "jsonl" if rel.lower().endswith((".jsonl", ".ndjson")) else "json"
    if given != "auto":
        return given
    name = rel.rsplit("/", 1)[-1]
    suffix = name[name.rfind(".") :].lower() if "." in name else ""
    return FORMATS.get(suffix)


def _load(text: str, fmt: str) -> Any:
    if fmt == "yaml":
        return yaml.safe_load(text)
    if fmt == "toml":
        return tomllib.loads(text)
    if fmt == "jsonl":
        return [json.loads(line) for line in text.splitlines() if line.strip()]
    return json.loads(text)


def _query_mutation(
    spec: ConfigSpec | JsonSpec, root_dir: Path, files: list[str], given: str, box: Sandbox, root: str
) -> Outcome:
    if not files:
        return Unplaced(f"no file matches {_globs(spec.files)}")
    query = Query(spec.query)
    docs: list[tuple[str, str, Any]] = []
    for rel in files:
        fmt = _format_of(rel, given, root)
        if fmt is None:
            continue
        try:
            docs.append((rel, fmt, _load((root_dir / rel).read_text(encoding="utf-8-sig"), fmt)))
        except (ValueError, yaml.YAMLError, UnicodeDecodeError):
            continue
    if not docs:
        return Unplaced(f"no file matching {_globs(spec.files)} could be read")
    hold = spec.each == "no-file"
    # TOML last: it is re-serialised least exactly.
    targets = docs if spec.each == "any-file" else sorted(docs, key=lambda d: d[1] == "toml")[:1]
    spot: Spot | None = None
    action = ""
    for rel, fmt, data in targets:
        edited = _edit(data, query, spec.assert_.operator, spec.assert_.operand, hold=hold)
        if isinstance(edited, Unplaced):
            return edited
        new_data, where, action = edited
        text, lines = _dump(new_data, fmt)
        (root_dir / rel).write_text(text, encoding="utf-8")
        if spot is None:
            # A finding at the document's root has no line (the collector places it at the file).
            spot = Spot(path=rel, line=lines(where) if where else None)
    assert spot is not None
    if root == "repo":
        commit(box, "mutation: the assertion breaks")
    shown = [t[0] for t in targets]
    place = shown[0] if len(shown) == 1 else f"{len(shown)} files ({', '.join(shown)})"
    return Applied(f"{action} in {place}", spot)


def _edit(data: Any, query: Query, op: str, operand: Any, *, hold: bool) -> tuple[Any, DataPath, str] | Unplaced:
    """A copy of data where the assertion breaks (or, with hold, holds); the data path to find it at; the words."""
    data = copy.deepcopy(data)
    path, complete = resolve(data, query.path)
    label = query.text
    make_absent = (op == "exists" and not hold) or (op == "absent" and hold)
    make_present = (op == "absent" and not hold) or (op == "exists" and hold)
    if make_absent:
        if not complete:
            return data, path, f"left {label} missing"
        _delete(data, path)
        return data, path[:-1], f"deleted {label}"
    if make_present:
        if complete:
            return data, path, f"kept {label}"
        full = _create(data, query.path)
        if full is None:
            return Unplaced(f"cannot create {label}: a value on the way is not a mapping")
        return data, full, f"set {label} to {show(MARK)}"
    if not complete:
        return Unplaced(f"{label} selects nothing in the passing example")
    value = _get(data, path)
    remove = (op == "contains" and not hold) or (op == "not_contains" and hold)
    add = (op == "not_contains" and not hold) or (op == "contains" and hold)
    if add:
        if isinstance(value, list):
            value.append(copy.deepcopy(operand))
            return data, (*path, len(value) - 1), f"added {show(operand)} to {label}"
        if isinstance(value, str) and isinstance(operand, str):
            _set(data, path, value + operand)
            return data, path, f"added {show(operand)} to {label}"
        return Unplaced(f"{label} is neither a list nor a string")
    if remove:
        if isinstance(value, list):
            _set(data, path, [v for v in value if not deep_equal(v, operand)])
        elif isinstance(value, str) and isinstance(operand, str):
            _set(data, path, value.replace(operand, ""))
        else:
            return Unplaced(f"{label} is neither a list nor a string")
        return data, path, f"removed {show(operand)} from {label}"
    new = _new_value(op, operand, value, hold=hold)
    _set(data, path, new)
    return data, path, f"set {label} to {show(new)}"


def _new_value(op: str, operand: Any, value: Any, *, hold: bool) -> Any:
    """The value that makes a comparison fail (or, with hold, succeed)."""
    if op in ("equals", "not_equals"):
        same = (op == "equals") == hold
        return copy.deepcopy(operand) if same else _different(operand)
    if op in ("in", "not_in"):
        inside = (op == "in") == hold
        if inside:
            return copy.deepcopy(operand[0]) if operand else MARK
        candidate: Any = MARK
        while any(deep_equal(candidate, o) for o in operand):
            candidate += "-"
        return candidate
    if op == "matches":
        if hold:
            return regex_sample(operand) or MARK
        return next((s for s in ("", MARK, "0", "-") if re.search(operand, s) is None), "")
    if hold:  # gt and lt need a step past the bound; ge and le hold at it
        moves = {"gt": _step(operand, +1), "ge": operand, "lt": _step(operand, -1), "le": operand}
    else:  # gt and lt fail at the bound; ge and le need a step past it
        moves = {"gt": operand, "ge": _step(operand, -1), "lt": operand, "le": _step(operand, +1)}
    return moves[op]


def _step(number: Any, direction: int) -> Any:
    if isinstance(number, int):
        return number + direction
    moved = round(number + direction * 0.01, 6)
    return moved if (moved - number) * direction > 0 else number + direction * max(1.0, abs(number))


def _different(value: Any) -> Any:
    if isinstance(value, bool):
        return not value
    if isinstance(value, int):
        return value + 1
    if isinstance(value, float):
        return value + 1.0 if math.isfinite(value) else 0.0
    if isinstance(value, str):
        return f"{value}-{MARK}"
    if isinstance(value, list):
        return [*value, MARK]
    if isinstance(value, dict):
        return {**value, MARK: True}
    return MARK


def _get(data: Any, path: DataPath) -> Any:
    for part in path:
        data = data[part]
    return data


def _set(data: Any, path: DataPath, value: Any) -> None:
    if not path:
        raise _Unsupported("the whole document")
    _get(data, path[:-1])[path[-1]] = value


def _delete(data: Any, path: DataPath) -> None:
    if not path:
        raise _Unsupported("the whole document")
    del _get(data, path[:-1])[path[-1]]


def _create(data: Any, path: DataPath) -> DataPath | None:
    current = data
    for i, part in enumerate(path):
        last = i == len(path) - 1
        if isinstance(part, str) and isinstance(current, dict):
            if last:
                current[part] = MARK
            else:
                current = current.setdefault(part, {})
        elif isinstance(part, int) and isinstance(current, list) and -len(current) <= part < len(current):
            if last:
                current[part] = MARK
            else:
                current = current[part]
        else:
            return None
    return resolve(data, path)[0]


def _dump(data: Any, fmt: str) -> tuple[str, Callable[[DataPath], int | None]]:
    """Serialise data; and a function giving the 1-based line of a data path in the text."""
    if fmt == "toml":
        return _toml_dump(data)
    if fmt == "jsonl":
        text = "".join(json.dumps(record, ensure_ascii=False) + "\n" for record in data)
        return text, lambda path: (path[0] + 1) if path and isinstance(path[0], int) else None
    if fmt == "yaml":
        text = yaml.safe_dump(data, sort_keys=False, allow_unicode=True, default_flow_style=False)
    else:
        text = json.dumps(data, indent=2, ensure_ascii=False) + "\n"

    def line(path: DataPath) -> int | None:
        try:
            node = yaml.compose(text, Loader=yaml.SafeLoader)
        except yaml.YAMLError:
            return None
        for part in path:
            if isinstance(node, yaml.MappingNode):
                hits = [v for k, v in node.value if isinstance(k, yaml.ScalarNode) and k.value == part]
                if not hits:
                    return None
                node = hits[-1]
            elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
                node = node.value[part]
            else:
                return None
        return None if node is None else node.start_mark.line + 1

    return text, line


_BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")


def _toml_key(key: str) -> str:
    return key if _BARE_KEY.match(key) else json.dumps(key)


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isfinite(value):
            return repr(value)
        return "nan" if math.isnan(value) else "inf" if value > 0 else "-inf"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_toml_key(k)} = {_toml_value(v)}" for k, v in value.items()) + "}"
    raise _Unsupported(type(value).__name__)


def _toml_dump(data: dict[str, Any]) -> tuple[str, Callable[[DataPath], int | None]]:
    lines: list[str] = []
    where: dict[DataPath, int] = {}

    def is_tables(value: Any) -> bool:
        return isinstance(value, list) and bool(value) and all(isinstance(v, dict) for v in value)

    def table(node: dict[str, Any], prefix: DataPath, names: tuple[str, ...]) -> None:
        for key, value in node.items():
            if not isinstance(value, dict) and not is_tables(value):
                where[(*prefix, key)] = len(lines) + 1
                lines.append(f"{_toml_key(key)} = {_toml_value(value)}")
        for key, value in node.items():
            dotted = ".".join(_toml_key(n) for n in (*names, key))
            if isinstance(value, dict):
                if lines:
                    lines.append("")
                where[(*prefix, key)] = len(lines) + 1
                lines.append(f"[{dotted}]")
                table(value, (*prefix, key), (*names, key))
            elif is_tables(value):
                for index, element in enumerate(value):
                    if lines:
                        lines.append("")
                    where[(*prefix, key, index)] = len(lines) + 1
                    lines.append(f"[[{dotted}]]")
                    table(element, (*prefix, key, index), (*names, key))

    table(data, (), ())

    def line(path: DataPath) -> int | None:
        for n in range(len(path), 0, -1):
            if path[:n] in where:
                return where[path[:n]]
        return None

    return "\n".join(lines) + "\n", line


# ---------------------------------------------------------------------------------------------
# artifacts


def _junit(spec: JunitSpec, box: Sandbox) -> Outcome:
    if box.artifacts is None:
        return Unplaced("the passing example has no artifacts")
    for rel in box.ctx.artifacts.match(spec.files):
        path = box.artifacts / rel
        data = path.read_bytes()
        found = _selected_case(data, spec)
        if found is None:
            continue
        offset, line, test = found
        edited = _inject_failure(data, offset)
        if edited is None:
            continue
        path.write_bytes(edited)
        return Applied(f"marked {test} failed in {rel}", Spot(path=rel, line=line))
    return Unplaced(f"no selected test case in the reports matching {_globs(spec.files)}")


def _selected_case(data: bytes, spec: JunitSpec) -> tuple[int, int, str] | None:
    """(byte offset of the start tag, its line, classname::name) of the first selected <testcase>."""
    parser = expat.ParserCreate()
    suites: list[str] = []
    found: list[tuple[int, int, str]] = []

    def start(tag: str, attrs: dict[str, str]) -> None:
        if found:
            return
        if tag in ("testsuite", "testsuites"):
            suites.append(attrs.get("name", ""))
        elif tag == "testcase":
            name = attrs.get("name", "")
            classname = attrs.get("classname") or (suites[-1] if suites else "")
            select = spec.select
            if (not select.name or any(fnmatchcase(name, p) for p in select.name)) and (
                not select.classname or any(fnmatchcase(classname, p) for p in select.classname)
            ):
                found.append((parser.CurrentByteIndex, parser.CurrentLineNumber, f"{classname}::{name}"))

    def end(tag: str) -> None:
        if tag in ("testsuite", "testsuites") and suites:
            suites.pop()

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    try:
        parser.Parse(data, True)
    except expat.ExpatError:
        return None
    return found[0] if found else None


def _inject_failure(data: bytes, offset: int) -> bytes | None:
    """Add a <failure> child to the element whose start tag begins at offset."""
    quote: int | None = None
    for i in range(offset, len(data)):
        byte = data[i]
        if quote is not None:
            if byte == quote:
                quote = None
        elif byte in (ord('"'), ord("'")):
            quote = byte
        elif byte == ord(">"):
            failure = b'<failure message="failed: injected by gate lint --mutate" />'
            if data[i - 1] == ord("/"):
                return data[: i - 1].rstrip() + b">" + failure + b"</testcase>" + data[i + 1 :]
            return data[: i + 1] + failure + data[i + 1 :]
    return None


def _sarif(spec: SarifSpec, box: Sandbox) -> Outcome:
    if box.artifacts is None:
        return Unplaced("the passing example has no artifacts")
    files = box.ctx.artifacts.match(spec.files)
    if not files:
        return Unplaced(f"no report matches {_globs(spec.files)}")
    rel = files[0]
    path = box.artifacts / rel
    doc = json.loads(path.read_bytes())
    runs = doc.get("runs") if isinstance(doc, dict) else None
    if not isinstance(runs, list) or not runs:
        return Unplaced(f"{rel} has no runs")
    run = runs[0]
    if spec.tools:
        run = next((r for r in runs if _driver_name(r) in spec.tools), run)
    rule = spec.rules[0] if spec.rules else MARK
    result = {
        "ruleId": rule,
        "level": spec.level,
        "message": {"text": "a finding injected by gate lint --mutate"},
        "locations": [{"physicalLocation": {"artifactLocation": {"uri": SARIF_PATH}, "region": {"startLine": 1}}}],
    }
    run.setdefault("results", []).append(result)
    path.write_text(json.dumps(doc, indent=2) + "\n", encoding="utf-8")
    tool = _driver_name(run) or "?"
    return Applied(
        f"added a result at level '{spec.level}' ({rule}) to the {tool} run in {rel}", Spot(path=SARIF_PATH, line=1)
    )


def _driver_name(run: Any) -> str | None:
    try:
        name = run["tool"]["driver"]["name"]
    except (KeyError, TypeError):
        return None
    return name if isinstance(name, str) else None


def _canary(spec: CanarySpec, box: Sandbox) -> Outcome:
    if box.artifacts is None:
        return Unplaced("the passing example has no artifacts")
    canaries_path = box.artifacts / spec.canaries_file
    if not canaries_path.is_file():
        return Unplaced(f"{spec.canaries_file} does not exist")
    listed = [
        (number, raw.strip())
        for number, raw in enumerate(canaries_path.read_text(encoding="utf-8").split("\n"), start=1)
        if raw.strip() and not raw.strip().startswith("#")
    ]
    if not listed:
        return Unplaced(f"{spec.canaries_file} lists no canary")
    number, canary = listed[0]
    excluded = {spec.canaries_file, *spec.must_occur_in}
    logs = [rel for rel in box.ctx.artifacts.match(spec.files) if rel not in excluded]
    if not logs:
        return Unplaced(f"no log matches {_globs(spec.files)}")
    rel = logs[0]
    path = box.artifacts / rel
    raw_data = path.read_bytes()
    packed = raw_data[:2] == b"\x1f\x8b"
    data = gzip.decompress(raw_data) if packed else raw_data
    if data and not data.endswith(b"\n"):
        data += b"\n"
    line = data.count(b"\n") + 1
    data += f"grader input: {canary}\n".encode()
    path.write_bytes(gzip.compress(data, mtime=0) if packed else data)
    return Applied(f"planted canary #{number} in {rel}", Spot(path=rel, line=line))


def _digest(spec: DigestSpec, box: Sandbox) -> Outcome:
    if box.subject_root is None:
        return Unplaced("the passing example has no subject")
    want = tuple(spec.file.split("/"))
    hits = [p for p in sorted(box.subject_root.rglob("*")) if p.is_file() and p.parts[-len(want) :] == want]
    if not hits:
        return Unplaced(f"no subject named '{spec.file}'")
    data = bytearray(hits[0].read_bytes())
    if not data:
        data.append(0)
    data[-1] ^= 0x01
    hits[0].write_bytes(bytes(data))
    return Applied(f"flipped a bit of {spec.file}", Spot(path=spec.file))
