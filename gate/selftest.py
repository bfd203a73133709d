"""`gate lint --selftest`: every item run against its example fixtures, proving each check can fail (and pass).

Owns the fixture format, building fixtures into throw-away git repositories (git isolated from the user's and
the system's configuration), running each item alone on them (evidence only, no commands), the coverage
summary, and with `mutate` driving gate.mutate. Never prints: returns a `SelftestReport` whose lines the
command line shows.

A fixture is a folder `checklists/examples/<name>/` (its path is relative to the checklist defining the item):

- `repo/`: the repository's files, committed as one commit by a fixed author, unless there is a `history.yaml`
  (gate.history's format; its `add:` paths copy from `repo/`). A fixture with neither gets one commit holding a
  README (artifacts are recorded for a commit).
- `artifacts/`: copied and recorded (gate-artifacts.json) for the release commit; a fixture that ships its own
  `gate-artifacts.json` keeps it (e.g. to show a stale manifest).
- `subject/`: files passed as subjects (`--subject`), for digest evidence.
- `fixture.yaml` (optional): `release:` the release id (`{release}` in git.ref tags), and `signed_tag:` an
  annotated tag on main's tip, SSH-signed with a test key derived from the tagger's email (never a secret:
  anyone can derive it), whose public line is first written to `allowed_signers` in `repo/`; with
  `trusted: false` the tag is signed by another key, so the signature is not trusted.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, StrictBool, StrictStr, ValidationError

from gate import engine, gitrepo, history, loader, mutate
from gate.artifacts import record
from gate.errors import GateError, Location, Problem, ProblemsError
from gate.evidence.context import MANIFEST_NAME, Context, build_context
from gate.model import EVIDENCE_KINDS, RELEASE_ID_PATTERN, Example, Item, Model, RelPath
from gate.results import Evidence, Observation, Status, fold_status

FIXTURE_AUTHOR = ("Selftest Fixture", "fixture@gate.invalid")
FIXTURE_DATE = "2026-03-02T09:00:00+00:00"
FIXTURE_FILE = "fixture.yaml"
KEY_NAMESPACE = "gate selftest test key, not a secret: "


# ---------------------------------------------------------------------------------------------
# fixture.yaml


class Person(Model):
    """Who signs the tag."""

    name: StrictStr = Field(min_length=1)
    email: StrictStr = Field(pattern=r"^[^<>\s]+@[^<>\s]+$")


class SignedTag(Model):
    """An annotated, SSH-signed tag created on main's tip after the history is built."""

    name: StrictStr = Field(min_length=1)
    tagger: Person
    message: StrictStr = "release"
    date: StrictStr | None = None
    """ISO 8601 with a zone; default one hour after main's tip."""
    allowed_signers: RelPath | None = None
    """A repo/ path written before the build, listing the tagger's test key."""
    trusted: StrictBool = True
    """false: sign with another key than the one allowed_signers lists."""


class FixtureSettings(Model):
    """fixture.yaml: what a fixture needs beyond files."""

    release: Annotated[StrictStr, Field(pattern=RELEASE_ID_PATTERN)] | None = None
    """The release id of the check (`{release}` in git.ref tags)."""
    signed_tag: SignedTag | None = None


def load_settings(path: Path) -> FixtureSettings:
    """Parse and validate a fixture.yaml with file:line:col problems."""
    shown = loader.display_path(path)
    data, pos = loader.parse_yaml(loader.read_text(path, shown, what="fixture file"), shown)
    if data is None:
        return FixtureSettings()
    if not isinstance(data, dict):
        raise ProblemsError([Problem(Location(shown, 1, 1), "a fixture file is a mapping (release, signed_tag)")])
    try:
        return FixtureSettings.model_validate(data)
    except ValidationError as exc:
        raise ProblemsError(loader.validation_problems(exc, data, pos)) from None


def fixture_key(identity: str) -> tuple[bytes, str]:
    """A deterministic Ed25519 key for a fixture (OpenSSH private key, public line). Derived from a public
    string, so it is never a secret: it only makes signed fixtures reproducible."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat, PublicFormat

    seed = hashlib.sha256((KEY_NAMESPACE + identity).encode()).digest()
    key = Ed25519PrivateKey.from_private_bytes(seed)
    private = key.private_bytes(Encoding.PEM, PrivateFormat.OpenSSH, NoEncryption())
    public = key.public_key().public_bytes(Encoding.OpenSSH, PublicFormat.OpenSSH).decode()
    return private, public


# ---------------------------------------------------------------------------------------------
# Building fixtures


class FixtureError(GateError):
    """A fixture cannot be built (missing folder, invalid history.yaml or fixture.yaml)."""


@dataclass(frozen=True)
class Fixture:
    """A fixture built for this run: a real repository, recorded artifacts, subjects, and their context."""

    folder: Path
    root: Path
    repo: Path
    artifacts: Path | None
    subject_root: Path | None
    release: str | None
    ctx: Context


def _git_env(home: Path) -> dict[str, str]:
    return history.isolated_git_env(home)


def _stamp(when: datetime) -> str:
    return f"{int(when.timestamp())} {when.strftime('%z') or '+0000'}"


def build_fixture(folder: Path, work: Path, home: Path) -> Fixture:
    """Build a fixture folder into work/ (repo/, artifacts/); FixtureError when it cannot be built."""
    shown = loader.display_path(folder)
    if not folder.is_dir():
        raise FixtureError(f"fixture folder {shown} does not exist")
    env = _git_env(home)
    try:
        settings = load_settings(folder / FIXTURE_FILE) if (folder / FIXTURE_FILE).is_file() else FixtureSettings()
        stage = folder
        tag = settings.signed_tag
        if (tag is not None and tag.allowed_signers is not None) or not (folder / "repo").is_dir():
            # A staged copy of repo/ that the build may add to (the generated allowed_signers file).
            stage = work / "stage"
            if (folder / "repo").is_dir():
                shutil.copytree(folder / "repo", stage / "repo", symlinks=True)
            else:
                (stage / "repo").mkdir(parents=True)
        key_file = _prepare_signing(tag, stage / "repo", work / "keys")
        repo = work / "repo"
        if (folder / "history.yaml").is_file():
            history.build(history.load_history(folder / "history.yaml"), stage, repo)
        else:
            _commit_tree(stage / "repo", repo, env)
        if tag is not None and key_file is not None:
            _sign_tag(repo, tag, key_file, env)
        # One pack instead of a folder per object: every mutation copies the repository, and some file
        # systems take milliseconds per folder to create and remove.
        mutate.git(repo, "repack", "-a", "-d", "-q", env=env)
        mutate.git(repo, "prune-packed", env=env)
        commit = gitrepo.default_release_commit(repo)
        artifacts: Path | None = None
        if (folder / "artifacts").is_dir():
            artifacts = work / "artifacts"
            shutil.copytree(folder / "artifacts", artifacts, symlinks=True)
            if not (artifacts / MANIFEST_NAME).exists():
                record(artifacts, commit)
    except ProblemsError as exc:
        raise FixtureError(f"fixture {shown}: {exc.problems[0]}") from None
    except GateError as exc:
        raise FixtureError(f"fixture {shown} cannot be built: {exc}") from None
    except OSError as exc:
        raise FixtureError(f"fixture {shown} cannot be built: {exc.strerror or exc}: {exc.filename}") from None
    subject_root = folder / "subject" if (folder / "subject").is_dir() else None
    return Fixture(
        folder=folder,
        root=work,
        repo=repo,
        artifacts=artifacts,
        subject_root=subject_root,
        release=settings.release,
        ctx=context_for(repo, artifacts, subject_root, settings.release),
    )


def context_for(repo: Path, artifacts: Path | None, subject_root: Path | None, release: str | None) -> Context:
    """The evidence context of a built fixture: evidence only, no commands, artifacts checked against the manifest."""
    subjects = sorted(p for p in subject_root.rglob("*") if p.is_file()) if subject_root else []
    return build_context(
        repo=repo, artifacts=artifacts, subjects=subjects, release=release, use_manifest=True, allow_commands=False
    )


def _commit_tree(source: Path, repo: Path, env: dict[str, str]) -> None:
    """repo/ as one commit by the fixture author (a README alone when there are no files: the release commit must
    touch a file)."""
    shutil.copytree(source, repo, symlinks=True)
    if not any(repo.iterdir()):
        (repo / "README.md").write_text("A selftest fixture without repository files.\n", encoding="utf-8")
    mutate.git(repo, "init", "--quiet", "--initial-branch=main", env=env)
    for key, value in (("commit.gpgsign", "false"), ("tag.gpgsign", "false"), ("core.autocrlf", "false")):
        mutate.git(repo, "config", key, value, env=env)
    mutate.git(repo, "add", "-A", env=env)
    name, email = FIXTURE_AUTHOR
    stamp = _stamp(datetime.fromisoformat(FIXTURE_DATE))
    ident = {
        "GIT_AUTHOR_NAME": name,
        "GIT_AUTHOR_EMAIL": email,
        "GIT_AUTHOR_DATE": stamp,
        "GIT_COMMITTER_NAME": name,
        "GIT_COMMITTER_EMAIL": email,
        "GIT_COMMITTER_DATE": stamp,
    }
    mutate.git(repo, "commit", "--quiet", "-m", "Selftest fixture", env=env, extra=ident)


def _prepare_signing(tag: SignedTag | None, repo_files: Path, keys: Path) -> Path | None:
    """Write the signing key (and allowed_signers into the staged repo/); returns the private key file."""
    if tag is None:
        return None
    if shutil.which("ssh-keygen") is None:
        raise GateError("signed_tag needs ssh-keygen (the OpenSSH client) on PATH")
    email = tag.tagger.email
    private, _ = fixture_key(email if tag.trusted else f"untrusted:{email}")
    _, listed = fixture_key(email)
    keys.mkdir(parents=True, exist_ok=True)
    key_file = keys / "signing-key"
    key_file.write_bytes(private)
    key_file.chmod(0o600)
    if tag.allowed_signers is not None:
        target = repo_files / tag.allowed_signers
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(f"{email} {listed}\n", encoding="utf-8")
    return key_file


def _sign_tag(repo: Path, tag: SignedTag, key_file: Path, env: dict[str, str]) -> None:
    if tag.date is not None:
        when = datetime.fromisoformat(tag.date.replace("Z", "+00:00"))
    else:
        when = datetime.fromtimestamp(int(mutate.git(repo, "log", "-1", "--format=%ct", env=env)), UTC)
        when += timedelta(hours=1)
    ident = {
        "GIT_COMMITTER_NAME": tag.tagger.name,
        "GIT_COMMITTER_EMAIL": tag.tagger.email,
        "GIT_COMMITTER_DATE": _stamp(when),
    }
    signing = ["-c", "gpg.format=ssh", "-c", f"user.signingKey={key_file}"]
    mutate.git(repo, *signing, "tag", "-s", "-m", tag.message, tag.name, "main", env=env, extra=ident)


@contextmanager
def isolated_git_config() -> Iterator[None]:
    """Collectors run git with os.environ: for the selftest, no user or system git configuration applies."""
    saved = dict(os.environ)
    try:
        for name in [n for n in os.environ if n.startswith("GIT_")]:
            del os.environ[name]
        os.environ["GIT_CONFIG_NOSYSTEM"] = "1"
        os.environ["GIT_CONFIG_GLOBAL"] = os.devnull
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


# ---------------------------------------------------------------------------------------------
# The report


Level = Literal["error", "warning"]


@dataclass(frozen=True)
class Finding:
    """One line of the verdict: a mismatch, a missing example, a fixture that cannot be built."""

    level: Level
    where: Location
    item: str
    message: str
    hint: str | None = None
    invalid_input: bool = False
    """True for a fixture that cannot be built (exit 2)."""

    def __str__(self) -> str:
        return f"{self.where}: {self.item}: {self.message}"


CheckedBy = Literal["machine", "machine + people", "people only"]


@dataclass(frozen=True)
class CoverageRow:
    """Which evidence backs an item, and whether a machine or only people check it."""

    item: str
    kinds: tuple[str, ...]
    checked_by: CheckedBy
    failing: int
    passing: int
    erroring: int


@dataclass(frozen=True)
class MutationLine:
    """One mutation, or why there is none."""

    outcome: Literal["caught", "missed", "not-mutable"]
    text: str


@dataclass
class ChecklistResult:
    """The selftest of the items one checklist file defines."""

    shown: str
    coverage: list[CoverageRow] = field(default_factory=list)
    mutations: list[MutationLine] = field(default_factory=list)


@dataclass
class SelftestReport:
    """Everything the selftest found; the command line prints it."""

    checklists: list[ChecklistResult] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    items: int = 0
    examples: int = 0
    mutated: bool = False

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.level == "error"]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.level == "warning"]

    @property
    def mutations(self) -> list[MutationLine]:
        return [m for c in self.checklists for m in c.mutations]

    @property
    def exit_code(self) -> int:
        """2 for a fixture that cannot be built, else 1 for any error or missed mutation, else 0."""
        if any(f.invalid_input for f in self.findings):
            return 2
        if self.errors or any(m.outcome == "missed" for m in self.mutations):
            return 1
        return 0

    def coverage_lines(self) -> list[str]:
        """The coverage summary: one table per checklist file."""
        out: list[str] = []
        for result in self.checklists:
            if not result.coverage:
                continue
            rows = [("item", "evidence", "checked by", "examples")]
            for row in result.coverage:
                examples = f"{row.failing} fail, {row.passing} pass"
                if row.erroring:
                    examples += f", {row.erroring} error"
                checked: str = row.checked_by
                if row.checked_by == "people only":
                    checked += "  <- rests on people alone"
                rows.append((row.item, _kinds_text(row.kinds), checked, examples))
            widths = [max(len(r[i]) for r in rows) for i in range(3)]
            out.append(f"coverage of {result.shown}:")
            for r in rows:
                out.append("  " + "  ".join(r[i].ljust(widths[i]) for i in range(3)) + "  " + r[3])
        return out

    def mutation_lines(self) -> list[str]:
        out: list[str] = []
        for result in self.checklists:
            if result.mutations:
                out.append(f"mutations of {result.shown}:")
                out += [f"  {m.text}" for m in result.mutations]
        return out

    def summary(self) -> list[str]:
        """The closing lines (stderr)."""
        files = len(self.checklists)
        n_err, n_warn = len(self.errors), len(self.warnings)
        lines = [
            f"selftest: {_plural(self.items, 'item')}, {_plural(self.examples, 'example')} in "
            f"{_plural(files, 'checklist')}: {_plural(n_err, 'error')}, {_plural(n_warn, 'warning')}"
        ]
        if self.mutated:
            muts = self.mutations
            caught = sum(m.outcome == "caught" for m in muts)
            missed = sum(m.outcome == "missed" for m in muts)
            fixed = sum(m.outcome == "not-mutable" for m in muts)
            lines.append(
                f"mutate: {caught} of {_plural(caught + missed, 'mutation')} made the item FAIL; {fixed} not mutable"
            )
        return lines


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _kinds_text(kinds: tuple[str, ...]) -> str:
    counts: dict[str, int] = {}
    for kind in kinds:
        counts[kind] = counts.get(kind, 0) + 1
    return ", ".join(k if n == 1 else f"{k} x{n}" for k, n in counts.items())


# ---------------------------------------------------------------------------------------------
# Running


@dataclass(frozen=True)
class _Defined:
    """An item and the checklist file defining it (its examples are relative to that file's folder)."""

    item: Item
    index: int
    file: loader.ChecklistFile


def _defined_items(path: Path, seen: set[tuple[Path, str]]) -> list[tuple[loader.ChecklistFile, list[_Defined]]]:
    """The checklist file and every file it includes, each with the items it defines (once per run)."""
    out: list[tuple[loader.ChecklistFile, list[_Defined]]] = []
    visited: set[Path] = set()

    def walk(p: Path) -> None:
        resolved = p.resolve()
        if resolved in visited:
            return
        visited.add(resolved)
        cf = loader.load_file(p)
        for entry in cf.checklist.include:
            walk(p.parent / entry)
        items = []
        for i, item in enumerate(cf.checklist.items):
            key = (resolved, item.id)
            if key not in seen:
                seen.add(key)
                items.append(_Defined(item, i, cf))
        if items:
            out.append((cf, items))

    walk(path)
    return out


def _outcome(expect: str) -> Status:
    return {"pass": Status.PASS, "fail": Status.FAIL, "error": Status.ERROR}[expect]


def evaluate_item(item: Item, ctx: Context) -> tuple[Status, list[Evidence]]:
    """The item alone, every evidence entry through the engine's collector wrapper (never raises)."""
    evidence = [engine.run_collector(spec, ctx) for spec in item.evidence]
    return fold_status([e.status for e in evidence]), evidence


def _why(status: Status, evidence: list[Evidence]) -> str:
    """The summary of the first evidence entry with the item's status."""
    for ev in evidence:
        if ev.status is status:
            return f"{ev.label}: {ev.summary}" if ev.label and len(evidence) > 1 else ev.summary
    return ""


class _Fixtures:
    """Fixtures built once per run, keyed by folder."""

    def __init__(self, work: Path) -> None:
        self.work = work
        self.home = work / "home"
        self.home.mkdir()
        self.built: dict[Path, Fixture | FixtureError] = {}

    def get(self, folder: Path) -> Fixture:
        key = folder.resolve()
        if key not in self.built:
            try:
                self.built[key] = build_fixture(folder, self.work / f"f{len(self.built)}", self.home)
            except FixtureError as exc:
                self.built[key] = exc
        found = self.built[key]
        if isinstance(found, FixtureError):
            raise found
        return found


def run(paths: list[Path], *, strict: bool = False, mutations: bool = False) -> SelftestReport:
    """Selftest every item defined by the checklist files (and their includes) in paths."""
    report = SelftestReport(mutated=mutations)
    seen: set[tuple[Path, str]] = set()
    with tempfile.TemporaryDirectory(prefix="gate-selftest-") as tmp, isolated_git_config():
        fixtures = _Fixtures(Path(tmp))
        for path in paths:
            for cf, defined in _defined_items(path, seen):
                result = ChecklistResult(cf.shown)
                report.checklists.append(result)
                for d in defined:
                    _selftest_item(d, fixtures, report, result, strict=strict, mutations=mutations)
    return report


def _selftest_item(
    d: _Defined, fixtures: _Fixtures, report: SelftestReport, result: ChecklistResult, *, strict: bool, mutations: bool
) -> None:
    item, cf = d.item, d.file
    base = cf.path.parent
    item_where = cf.positions.value(("items", d.index, "id"))
    report.items += 1
    passed: list[tuple[Example, Fixture]] = []
    for j, example in enumerate(item.examples):
        report.examples += 1
        where = cf.positions.value(("items", d.index, "examples", j))
        try:
            fixture = fixtures.get(base / example.fixture)
        except FixtureError as exc:
            report.findings.append(Finding("error", where, item.id, exc.message, invalid_input=True))
            continue
        status, evidence = evaluate_item(item, fixture.ctx)
        problem = _mismatch(example, status, evidence)
        if problem is not None:
            report.findings.append(Finding("error", where, item.id, problem))
        elif example.expect == "pass":
            passed.append((example, fixture))

    human = [spec.kind == "manual" for spec in item.evidence]
    checked_by: CheckedBy = "people only" if all(human) else "machine + people" if any(human) else "machine"
    counts = {e: sum(x.expect == e for x in item.examples) for e in ("fail", "pass", "error")}
    result.coverage.append(
        CoverageRow(
            item.id, tuple(s.kind for s in item.evidence), checked_by, counts["fail"], counts["pass"], counts["error"]
        )
    )
    level: Level = "error" if strict else "warning"
    if not counts["fail"]:
        why = "nothing shows this check can fail"
        if checked_by == "people only":
            why = "human-only evidence (manual) cannot FAIL; add machine-checked evidence"
        report.findings.append(
            Finding(
                level,
                item_where,
                item.id,
                f"no failing example: {why}",
                hint="add `{fixture: examples/NAME, expect: fail}` to its examples, with a fixture that breaks the "
                "invariant",
            )
        )
    if not counts["pass"]:
        report.findings.append(
            Finding(
                level,
                item_where,
                item.id,
                "no passing example: nothing shows this check can pass on a good repository",
                hint="add `{fixture: examples/NAME, expect: pass}` to its examples, with a fixture that keeps the "
                "invariant",
            )
        )
    if mutations:
        result.mutations += _mutate_item(item, passed, fixtures, has_pass=bool(counts["pass"]))


def _mismatch(example: Example, status: Status, evidence: list[Evidence]) -> str | None:
    """What is wrong with the outcome on an example, or None."""
    name = example.fixture
    want = _outcome(example.expect)
    if status is not want:
        why = _why(status, evidence)
        if want is Status.FAIL and status is Status.PASS:
            return (
                f"counterexample passed: {name} expected fail, got PASS — this check cannot catch what the example "
                "shows"
            )
        if want is Status.FAIL and status is Status.ERROR:
            return (
                f"{name} expected fail, got ERROR ({why}): an ERROR proves the source was unreadable, not that the "
                "check can fail"
            )
        got = f"got {status.value} ({why})" if why else f"got {status.value}"
        return f"{name} expected {example.expect}, {got}"
    if example.observation is not None:
        seen = [f"{o.where}: {o.message}" if o.where else o.message for ev in evidence for o in ev.observations]
        if not any(example.observation in s for s in seen):
            shown = "; ".join(f"'{s}'" for s in seen[:3]) or "no observations"
            return f"{name}: no observation contains '{example.observation}' (saw {shown})"
    return None


# ---------------------------------------------------------------------------------------------
# Mutations


def _entry_name(item: Item, index: int) -> str:
    if len(item.evidence) == 1:
        return item.id
    label = item.evidence[index].label
    return f"{item.id} [{label or f'evidence {index + 1}'}]"


def _mutate_item(
    item: Item, passed: list[tuple[Example, Fixture]], fixtures: _Fixtures, *, has_pass: bool
) -> list[MutationLine]:
    if not passed:
        why = "its passing example did not pass" if has_pass else "no passing example to mutate"
        return [MutationLine("missed" if has_pass else "not-mutable", f"not mutated {item.id}: {why}")]
    lines: list[MutationLine] = []
    for e, spec in enumerate(item.evidence):
        name = _entry_name(item, e)
        reason = mutate.not_mutable_reason(spec)
        if reason is not None:
            lines.append(MutationLine("not-mutable", f"not mutable {name}: {spec.kind} ({reason})"))
            continue
        for example, fixture in passed:
            suffix = f" (on {example.fixture})" if len(passed) > 1 else ""
            lines.append(_mutate_one(item, e, name + suffix, fixture, fixtures))
    return lines


REPO_KINDS = frozenset({"config", "code.pattern", "code.imports"} | {k for k in EVIDENCE_KINDS if k.startswith("git.")})
ARTIFACT_KINDS = frozenset({"json", "junit", "sarif", "canary"})


def _mutate_one(item: Item, index: int, name: str, fixture: Fixture, fixtures: _Fixtures) -> MutationLine:
    """Mutate a private copy of what the entry reads; re-record the artifacts; run the item on the copy."""
    spec = item.evidence[index]
    work = Path(tempfile.mkdtemp(prefix="m", dir=fixtures.work))
    repo, artifacts, subject_root = fixture.repo, fixture.artifacts, fixture.subject_root
    reads_artifacts = any(s.kind in ARTIFACT_KINDS or s.kind in ("digest", "git.codeowners") for s in item.evidence)
    if spec.kind in REPO_KINDS:
        repo = work / "repo"
        shutil.copytree(fixture.repo, repo, symlinks=True)
    if artifacts is not None and (spec.kind in ARTIFACT_KINDS or (spec.kind in REPO_KINDS and reads_artifacts)):
        artifacts = work / "artifacts"
        shutil.copytree(fixture.artifacts, artifacts, symlinks=True)  # type: ignore[arg-type]
    if subject_root is not None and spec.kind == "digest":
        subject_root = work / "subject"
        shutil.copytree(fixture.subject_root, subject_root, symlinks=True)  # type: ignore[arg-type]
    box = mutate.Sandbox(repo, artifacts, subject_root, fixture.release, fixture.ctx, _git_env(fixtures.home))
    try:
        outcome = mutate.mutate(spec, box)
        if isinstance(outcome, mutate.NotMutable):
            return MutationLine("not-mutable", f"not mutable {name}: {spec.kind} ({outcome.reason})")
        if isinstance(outcome, mutate.Unplaced):
            return MutationLine("missed", f"cannot mutate {name}: {outcome.reason} ✗")
        if artifacts is not None and artifacts != fixture.artifacts:
            record(artifacts, gitrepo.default_release_commit(repo))
        ctx = context_for(repo, artifacts, subject_root, fixture.release)
    except GateError as exc:
        return MutationLine("missed", f"cannot mutate {name}: {exc} ✗")
    status, evidence = evaluate_item(item, ctx)
    head = f"mutated {name}: {outcome.what} ->"
    if status is Status.PASS:
        return MutationLine("missed", f"{head} PASS ✗ the check did not catch it")
    if status is Status.ERROR:
        why = _why(Status.ERROR, evidence)
        return MutationLine("missed", f"{head} ERROR ✗ ({why}): an ERROR does not count, the check must FAIL")
    hits = [o for o in evidence[index].observations if outcome.spot.matches(o)]
    if not hits:
        seen = [o.where or o.message for ev in evidence for o in ev.observations if o.failing]
        shown = ", ".join(seen[:3]) or "no failing observation"
        return MutationLine("missed", f"{head} FAIL ✗ but not at {outcome.spot} (saw {shown})")
    return MutationLine("caught", f"{head} FAIL {_at(hits[0])} ✓")


def _at(obs: Observation) -> str:
    """`at path:line:col`, `at path (commit sha)`, or the message of an observation without a place."""
    if obs.commit and obs.path:
        return f"at {obs.where} (commit {obs.commit[:12]})"
    return f"at {obs.where}" if obs.where else f"({obs.message})"
