"""`gate demo`: build the example RL project's history into a real repository, gate it, fix it, sign it off.

Owns the workspace layout (repo/, artifacts/, model/, keys/), the deterministic generation of the grader logs,
canaries, CoT dump and model weights (from SEED), the demo signers (keys made by ssh-keygen at run time,
.gate/signers.yaml committed by the safety lead), and what each check must show: blocked with the expected
findings before the fix, exit 4 (evidence green, sign-offs pending) after it, exit 0 once the demo signers
have signed through the same code path as `gate sign`. Never prints: it reports through the `say`
(narration) and `show` (a report) callables the command line passes in.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import random
import re
import shlex
import shutil
import struct
import subprocess
import tempfile
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from gate import api, gitrepo, history, ledger, loader, signing, signoff
from gate.artifacts import record
from gate.errors import GateError, UsageError
from gate.loader import LoadedChecklist
from gate.results import Report, SignoffStatus, Status, Verdict
from gate.shipped import shipped_path
from gate.signers import Signers, parse_signers, quorum_problems

EXAMPLE = "examples/rl-project"
CHECKLISTS = ("cot-isolation.yaml", "model-release.yaml")
"""Shipped checklists the safety lead commits into the example repository (history.yaml adds `checklists`)."""
CHECKLIST = "checklists/model-release.yaml"
"""The checklist the demo runs, a path in the built repository."""
STAGE = "pre-release"
"""The demo skips the `release` stage: its signed tag needs the release manager's SSH key."""
SEED = 20260402
"""Everything generated (canaries, CoT dump, grader logs, weights) derives from this seed."""
SUBJECT = "policy.safetensors"
LAST_RELEASE_TAG = "v0.9"
RELEASE = "demo-1"
"""The release id the demo's sign-offs are bound to."""
SIGNERS_TEMPLATE = "signers.yaml"
"""The demo's people without keys (examples/rl-project/signers.yaml); the demo adds the keys it makes."""
SIGNERS_PATH = signoff.SIGNERS_PATH
COMMENTS = {
    "safety-lead": "checked after the fix: nothing on the reward or grader path reaches the reasoning",
    "auditor": "audited the evidence of release demo-1; I wrote none of the commits it read",
    "eval-lead": "eval/metrics.json meets every release threshold",
    "release-manager": "read the model card: every section present, its numbers match eval/metrics.json",
}
"""The comment each role's approvals carry (every role a demo signer holds has one)."""
REFUSAL = ("alice", "reward-changes-reviewed")
"""A decision the demo shows refused: the safety lead approving an item only the auditor may approve."""
EXIT_CODES = {Verdict.PASSED: 0, Verdict.BLOCKED: 1, Verdict.PENDING: 4}
"""The exit code `gate check` gives each verdict (gate.cli.ExitCode; the demo does not import the CLI)."""

Say = Callable[[str], None]
Show = Callable[[Report], None]


@dataclass(frozen=True)
class Workspace:
    """Where the demo builds: root/repo (git), root/artifacts (CI outputs), root/model (the weights)."""

    root: Path

    @property
    def repo(self) -> Path:
        return self.root / "repo"

    @property
    def artifacts(self) -> Path:
        return self.root / "artifacts"

    @property
    def subject(self) -> Path:
        return self.root / "model" / SUBJECT

    @property
    def keys(self) -> Path:
        """The demo signers' SSH keys (identity -> private key file, identity.pub), never committed."""
        return self.root / "keys"

    def check_argv(self, release: str | None = None) -> list[str]:
        """The `gate check` command line for this workspace, with absolute paths (runs from any folder):
        `--release ID` (sign-offs checked) when given, else `--evidence-only`."""
        root = self.root.resolve()
        return [
            "gate",
            "check",
            "--checklist",
            str(root / "repo" / CHECKLIST),
            "--repo",
            str(root / "repo"),
            "--artifacts",
            str(root / "artifacts"),
            "--subject",
            str(root / "model" / SUBJECT),
            "--stage",
            STAGE,
            *(["--release", release] if release else ["--evidence-only"]),
        ]


@dataclass(frozen=True)
class Outcome:
    """What the demo showed: ok when the before-check blocked with exactly the expected findings, the check
    after the fix was pending sign-off only (exit 4), the demo signers' decision meant to be refused was,
    the check after the sign-offs cleared (exit 0) and the ledger verified (or, with stop_before_fix, when
    the before-check alone was as expected)."""

    ok: bool
    problems: list[str]
    before: Report | None = None
    pending: Report | None = None
    cleared: Report | None = None
    entries: list[Path] = field(default_factory=list)
    """The sign-off entry files the demo signers wrote (and the release manager committed)."""


# ---------------------------------------------------------------------------------------------
# Building


def example_path() -> Path:
    return shipped_path(EXAMPLE)


def stage_fixture(dest: Path) -> Path:
    """A fixture folder for gate.history: the example's repo/ with the shipped checklists added; returns dest."""
    source = example_path()
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", ".pytest_cache", ".ruff_cache", ".mypy_cache")
    shutil.copytree(source / "repo", dest / "repo", ignore=ignore)
    (dest / "repo" / "checklists").mkdir(exist_ok=True)
    for name in CHECKLISTS:
        shutil.copyfile(shipped_path(f"checklists/{name}"), dest / "repo" / "checklists" / name)
    return dest


def build_history(
    target: Path,
    name: str = "history.yaml",
    *,
    labels: dict[str, str] | None = None,
    files: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """Build examples/rl-project/<name> into target (on top of the repository there when labels are given).

    `files` (repo-relative path -> text) are added to the staged repo/ first, for the steps that `add:` them:
    fix.yaml adds `.gate/signers.yaml`, which holds the keys made at run time (see signers_yaml)."""
    spec = history.load_history(example_path() / name)
    with tempfile.TemporaryDirectory(prefix="gate-demo-fixture-") as tmp:
        fixture = stage_fixture(Path(tmp))
        for rel, text in (files or {}).items():
            path = fixture / "repo" / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        return history.build(spec, fixture, target, on_top=labels is not None, labels=labels)


def prepare(keep: Path | None) -> Path | None:
    """Check a --keep folder: it may not exist yet, or be empty; anything else is refused (exit 2)."""
    if keep is None:
        return None
    if keep.exists() and not keep.is_dir():
        raise UsageError(f"--keep {keep}: not a folder")
    if keep.is_dir() and any(keep.iterdir()):
        raise UsageError(f"--keep {keep}: the folder is not empty", hint="give a new or empty folder")
    keep.mkdir(parents=True, exist_ok=True)
    return keep


@contextmanager
def workspace(keep: Path | None) -> Iterator[Workspace]:
    """The --keep folder, or a temporary one removed afterwards."""
    kept = prepare(keep)
    if kept is not None:
        yield Workspace(kept)
        return
    with tempfile.TemporaryDirectory(prefix="gate-demo-") as tmp:
        yield Workspace(Path(tmp))


# ---------------------------------------------------------------------------------------------
# Generated artifacts (DESIGN "Where evidence is read": artifacts live outside the repository)

ENVS = ("code-review", "helpful-chat", "logic-puzzles", "math-proofs", "summarize", "tool-use", "translation-fr-de")
GRADER_INPUTS = {
    "code-review": ("answer", "reference"),
    "helpful-chat": ("prompt", "answer"),
    "logic-puzzles": ("answer", "reference"),
    "math-proofs": ("prompt", "answer", "reference"),
    "summarize": ("prompt", "answer", "reference"),
    "tool-use": ("answer", "reference", "tool_calls"),
    "translation-fr-de": ("prompt", "answer", "reference"),
}
ROLLOUTS_PER_ENV = 1200
CANARIES = 12
_VOCABULARY = (
    "let assume then hence therefore suppose consider prime even odd integer sum product lemma proof case "
    "factor divides modulo remainder bound limit sequence converges series term induction base step claim "
    "holds contradiction function value maximum minimum graph vertex edge path cycle tree root leaf node "
    "string token parse call tool search result answer reference check verify compute estimate approximate "
    "translate sentence summary abstract paper method result experiment model data sample batch gradient "
    "reward policy review diff bug line variable loop index off by one null pointer exception test passes"
)
WORDS = tuple(_VOCABULARY.split())
"""Vocabulary of the generated text: compresses like real logs, never contains a canary by chance."""


def _text(rng: random.Random, words: int) -> str:
    return " ".join(rng.choices(WORDS, k=words))


def generate(artifacts: Path, subject: Path, seed: int = SEED) -> dict[str, int]:
    """Write the canaries, the CoT dump with the canaries planted, the grader input logs (gzip) and the weights
    with their manifest. Deterministic: the same seed gives the same bytes. Returns bytes written per file."""
    rng = random.Random(seed)
    canaries = [f"CANARY-{rng.getrandbits(96):024x}" for _ in range(CANARIES)]
    sizes: dict[str, int] = {}

    def write(rel: str, data: bytes) -> None:
        path = artifacts / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        sizes[rel] = len(data)

    write("canaries.txt", "".join(c + "\n" for c in canaries).encode())
    dump: list[str] = []
    logs: dict[str, list[str]] = {env: [] for env in ENVS}
    number = 0
    for env in ENVS:
        for _ in range(ROLLOUTS_PER_ENV):
            number += 1
            rollout = f"r-{number:06d}"
            reasoning = _text(rng, rng.randint(40, 120))
            if number % 97 == 0:  # plant canaries in the reasoning only: the positive control
                reasoning += f" {canaries[(number // 97) % CANARIES]} " + _text(rng, 10)
            dump.append(json.dumps({"env": env, "reasoning": reasoning, "rollout": rollout}, sort_keys=True))
            fields = {
                "prompt": _text(rng, rng.randint(15, 40)),
                "answer": _text(rng, rng.randint(10, 60)),
                "reference": _text(rng, rng.randint(10, 40)),
                "tool_calls": [f"search({_text(rng, 3)})"],
            }
            inputs = {name: fields[name] for name in GRADER_INPUTS[env]}
            line = {"env": env, "inputs": inputs, "rollout": rollout, "score": round(rng.random(), 3)}
            logs[env].append(json.dumps(line, sort_keys=True))
    write("cot/reasoning-dump.jsonl.gz", gzip.compress(("\n".join(dump) + "\n").encode(), mtime=0))
    for env, lines in logs.items():
        write(f"grader-logs/{env}.log.gz", gzip.compress(("\n".join(lines) + "\n").encode(), mtime=0))

    # A small stand-in for the weights, in the safetensors layout (header length, JSON header, tensor bytes).
    tensor = rng.randbytes(256 * 512 * 2)
    header = json.dumps(
        {
            "__metadata__": {"format": "pt"},
            "policy.embed.weight": {"data_offsets": [0, len(tensor)], "dtype": "F16", "shape": [256, 512]},
        },
        sort_keys=True,
        separators=(",", ":"),
    ).encode()
    weights = struct.pack("<Q", len(header)) + header + tensor
    subject.parent.mkdir(parents=True, exist_ok=True)
    subject.write_bytes(weights)
    manifest = {
        "model": "rl-train-0.10",
        "files": {SUBJECT: {"bytes": len(weights), "sha256": hashlib.sha256(weights).hexdigest()}},
    }
    write("model/weights-manifest.json", (json.dumps(manifest, indent=2, sort_keys=True) + "\n").encode())
    return sizes


def copy_ci_artifacts(artifacts: Path) -> list[str]:
    """The committed CI outputs (JUnit, SARIF, eval metrics) into the artifacts folder; returns their paths."""
    source = example_path() / "artifacts"
    copied: list[str] = []
    for path in sorted(source.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts:
            rel = path.relative_to(source).as_posix()
            (artifacts / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, artifacts / rel)
            copied.append(rel)
    return copied


# ---------------------------------------------------------------------------------------------
# What the checks must show


@dataclass(frozen=True)
class Expected:
    """A blocking item and its failing observations: at these paths (with a line) or commits (history.yaml ids),
    each saying all of `says`."""

    item: str
    what: str
    paths: tuple[str, ...] = ()
    commits: tuple[str, ...] = ()
    says: tuple[str, ...] = ()


EXPECTED = (
    Expected(
        "grader-configs-exclude-cot",
        "an env config gives the grader the reasoning",
        paths=("rl/envs/math_proofs.yaml",),
        says=("grader.inputs contains 'reasoning'",),
    ),
    Expected(
        "reward-code-cannot-import-cot",
        "reward and grader code reach rl.trace through rl.utils.text",
        paths=("rl/graders/exact_match.py", "rl/reward/brevity.py", "rl/reward/shaping.py"),
        says=(" -> rl.utils.text (", " -> rl.trace.capture (rl/utils/text.py:"),
    ),
    Expected(
        "reward-changes-reviewed",
        "a reward commit without independent review",
        commits=("unreviewed-hotfix",),
        says=("no Reviewed-by trailer",),
    ),
    Expected(
        "cot-readers-do-not-author-reward",
        "a reward commit by a CoT reader",
        commits=("cot-reader-reward",),
        says=("carol@lab.example is in security/cot-readers.txt",),
    ),
)


def compare_before(report: Report, labels: dict[str, str]) -> list[str]:
    """Problems with the before-check: it must block with exactly the EXPECTED items and observations."""
    problems: list[str] = []
    if report.verdict is not Verdict.BLOCKED:
        problems.append(f"the check before the fix did not block (verdict {report.verdict.value})")
    expected = {e.item: e for e in EXPECTED}
    for item in report.items:
        want = expected.get(item.id)
        if want is None:
            if item.blocking:
                problems.append(f"unexpected {item.status.value} of {item.id}")
            continue
        if item.status is not Status.FAIL:
            problems.append(f"{item.id} is {item.status.value}, expected FAIL ({want.what})")
            continue
        failing = [o for ev in item.evidence for o in ev.observations if o.failing]
        seen_paths = sorted({o.path for o in failing if o.path and o.line})
        seen_commits = sorted({o.commit for o in failing if o.commit})
        if want.paths and seen_paths != sorted(want.paths):
            problems.append(f"{item.id} failed at {seen_paths or 'no file:line'}, expected {list(want.paths)}")
        want_commits = sorted(labels[c] for c in want.commits)
        if want.commits and seen_commits != want_commits:
            shown = [c[:12] for c in seen_commits]
            problems.append(f"{item.id} failed on commits {shown}, expected {[c[:12] for c in want_commits]}")
        problems += [
            f"{item.id}: '{o.message}' does not say '{s}'" for o in failing for s in want.says if s not in o.message
        ]
    missing = sorted(set(expected) - {i.id for i in report.items})
    problems += [f"{m} was not checked" for m in missing]
    return problems


def compare_pending(report: Report) -> list[str]:
    """Problems with the check after the fix, before any sign-off: every item's evidence passes, every item
    that needs sign-off is PENDING with nobody counted yet, and the verdict is PENDING (exit 4)."""
    problems = [f"after the fix, {i.id} is still {i.status.value}" for i in report.items if i.status is not Status.PASS]
    for item in report.items:
        state = item.signoff_state
        if state is None:
            problems.append(f"{item.id}: sign-offs were not checked")
        elif item.signoff and (state.status is not SignoffStatus.PENDING or any(r.signers for r in state.roles)):
            problems.append(f"{item.id}: sign-off {state.status.value} ({state.progress}) before anyone signed")
    if report.verdict is not Verdict.PENDING:
        problems.append(f"after the fix the verdict is {report.verdict.value}, expected {Verdict.PENDING.value}")
    return problems


def compare_cleared(report: Report) -> list[str]:
    """Problems with the check after the sign-offs: every item cleared, the verdict PASSED (exit 0)."""
    problems = [f"after the sign-offs, {i.id} is {i.status.value}" for i in report.items if i.status is not Status.PASS]
    for item in report.items:
        state = item.signoff_state
        if item.signoff and (state is None or state.status is not SignoffStatus.APPROVED):
            shown = f"{state.status.value} ({state.progress})" if state is not None else "not checked"
            problems.append(f"after the sign-offs, {item.id}'s sign-off is {shown}")
            problems += [
                f"  {e.decision} by {e.signer}: {e.reason}" for e in (state.entries if state else []) if e.reason
            ]
    if report.verdict is not Verdict.PASSED:
        problems.append(f"after the sign-offs the verdict is {report.verdict.value}, expected {Verdict.PASSED.value}")
    return problems


def role_progress(report: Report) -> str:
    """Approvals counted over needed, per role, across the items: `safety-lead 0/3, auditor 0/3, ...`."""
    totals: dict[str, list[int]] = {}
    for item in report.items:
        for progress in item.signoff_state.roles if item.signoff_state else []:
            counted, needed = totals.setdefault(progress.role, [0, 0])
            totals[progress.role] = [counted + min(len(progress.signers), progress.needed), needed + progress.needed]
    return ", ".join(f"{role} {counted}/{needed}" for role, (counted, needed) in totals.items())


# ---------------------------------------------------------------------------------------------
# The demo signers: keys made at run time, .gate/signers.yaml, sign-offs through `gate sign`'s code path


def demo_signers() -> dict[str, dict[str, object]]:
    """examples/rl-project/signers.yaml: identity -> name, emails, roles (no keys)."""
    path = example_path() / SIGNERS_TEMPLATE
    shown = f"{EXAMPLE}/{SIGNERS_TEMPLATE}"
    data, _ = loader.parse_yaml(loader.read_text(path, shown, what="signers template"), shown)
    if not isinstance(data, dict) or not isinstance(data.get("signers"), dict) or not data["signers"]:
        raise GateError(f"{shown}: expected `signers:` mapping identities to name, emails and roles")
    return {str(k): dict(v) for k, v in data["signers"].items()}


def make_keys(folder: Path, identities: list[str]) -> dict[str, Path]:
    """One unencrypted Ed25519 key per identity, made by ssh-keygen in folder: identity -> private key file."""
    ssh_keygen = signing.require_ssh_keygen()
    folder.mkdir(parents=True, exist_ok=True)
    keys = {}
    for identity in identities:
        path = folder / identity
        proc = subprocess.run(
            [ssh_keygen, "-q", "-t", "ed25519", "-N", "", "-C", f"{identity}@gate-demo", "-f", str(path)],
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            check=False,
        )
        if proc.returncode != 0:
            raise GateError(f"ssh-keygen could not make the demo key {path}: {proc.stderr.strip()}")
        keys[identity] = path
    return keys


def _scalar(value: object) -> str:
    """A YAML scalar: plain when it reads back as the same string, else double-quoted (JSON is valid YAML)."""
    text = str(value)
    plain = re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9@._+/= -]*", text) and not text.endswith(" ")
    return (
        text if plain and text.lower() not in ("yes", "no", "on", "off", "true", "false", "null") else json.dumps(text)
    )


def signers_yaml(people: Mapping[str, Mapping[str, object]], public_keys: Mapping[str, str]) -> str:
    """.gate/signers.yaml for the demo's people with their public key lines (identity -> `ssh-ed25519 AAAA...`)."""
    lines = [
        "# Who signs off releases of rl-train: the emails they commit with, their roles and SSH public keys.",
        "# gate reads this file at the release commit (`gate signers` lists and checks it).",
        "version: 1",
        "signers:",
    ]
    for identity, person in people.items():
        lines += [
            f"  {identity}:",
            f"    name: {_scalar(person.get('name', ''))}",
            f"    emails: [{', '.join(_scalar(e) for e in _list(person.get('emails')))}]",
            f"    roles: [{', '.join(_scalar(r) for r in _list(person.get('roles')))}]",
            "    keys:",
            f"      - key: {_scalar(public_keys[identity])}",
        ]
    return "\n".join(lines) + "\n"


@dataclass(frozen=True)
class Signed:
    """What one demo signer did: the items they approved (in report order), as which role, and the entry files."""

    identity: str
    role: str
    items: list[str]
    paths: list[Path]


def sign(
    ws: Workspace,
    loaded: LoadedChecklist,
    evidence: Report,
    key_file: Path,
    item_id: str,
    comment: str,
    *,
    now: datetime,
) -> tuple[ledger.EntryBody, Path]:
    """`gate sign --release RELEASE --item ITEM --approve --key FILE --comment TEXT` on an evidence-only report
    of the release commit: the ledger applied, the key matched against signers.yaml at the release commit, the
    decision checked by signoff.prepare (SignRefused says why it would never count), signed (SSHSIG) and written
    atomically under .gate/signoffs/RELEASE/. Returns the entry and its file."""
    commit = evidence.release_commit or ""
    judged, entries, listed = signoff.evaluate_signoffs(evidence, loaded, ws.repo, commit, RELEASE, now)
    who = signoff.choose_key(listed, key_file)
    body = signoff.prepare(
        decision="approve",
        release=RELEASE,
        report=judged,
        loaded=loaded,
        entries=entries,
        identity=who,
        comment=comment,
        now=now,
        item_id=item_id,
    )
    return body, ledger.write_entry(ws.repo, body, ledger.sign_entry(body, key_file=key_file))


def sign_approvals(
    ws: Workspace, loaded: LoadedChecklist, listed: Signers, keys: Mapping[str, Path], *, now: datetime
) -> list[Signed]:
    """Each demo signer (in signers.yaml order) approves every item that needs a role they hold."""
    evidence = check(ws, release=RELEASE)
    definitions = {i.id: i for i in loaded.checklist.items}
    done = []
    for identity, key_file in keys.items():
        holds = listed.identities[identity].roles
        items, paths, roles = [], [], []
        for item in evidence.items:
            role = next((r.role for r in definitions[item.id].signoff if r.role in holds), None)
            if role is None:
                continue
            body, path = sign(ws, loaded, evidence, key_file, item.id, COMMENTS.get(role, "approved"), now=now)
            items.append(item.id)
            paths.append(path)
            roles += [] if body.role in roles or body.role is None else [body.role]
        if items:
            done.append(Signed(identity, ", ".join(roles), items, paths))
    return done


def try_refusal(ws: Workspace, loaded: LoadedChecklist, keys: Mapping[str, Path], *, now: datetime) -> str | None:
    """REFUSAL's signer approving REFUSAL's item, as `gate sign` would: the reason it is refused, or None when
    it was not refused (the entry is then written, and the demo fails)."""
    identity, item_id = REFUSAL
    try:
        sign(ws, loaded, check(ws, release=RELEASE), keys[identity], item_id, "approving it myself", now=now)
    except signoff.SignRefused as exc:
        return exc.message
    return None


def commit_signoffs(ws: Workspace, person: Mapping[str, object], now: datetime) -> str:
    """Commit .gate/signoffs/ (and nothing else) as `person`; returns the new HEAD."""
    emails = person.get("emails")
    email = str(emails[0] if isinstance(emails, list) else emails)
    stamp = f"{int(now.timestamp())} +0000"
    ident = {
        "GIT_AUTHOR_NAME": str(person.get("name")),
        "GIT_AUTHOR_EMAIL": email,
        "GIT_AUTHOR_DATE": stamp,
        "GIT_COMMITTER_NAME": str(person.get("name")),
        "GIT_COMMITTER_EMAIL": email,
        "GIT_COMMITTER_DATE": stamp,
    }
    with tempfile.TemporaryDirectory(prefix="gate-git-home-") as home:
        env = {**history.isolated_git_env(Path(home)), **ident}
        for args in (
            ["add", "--", ledger.SIGNOFF_DIR],
            ["commit", "--quiet", "-m", f"gate: sign-offs for release {RELEASE}", "--", ledger.SIGNOFF_DIR],
        ):
            proc = subprocess.run(
                ["git", "-C", str(ws.repo), *args], capture_output=True, text=True, env=env, check=False
            )
            if proc.returncode != 0:
                raise GateError(f"git {args[0]} failed while committing the sign-offs: {proc.stderr.strip()}")
    return gitrepo.resolve_commit(ws.repo, "HEAD")


def verify_ledger(ws: Workspace) -> tuple[int, str]:
    """`gate ledger verify --release RELEASE`: every entry against signers.yaml at the release commit (raises
    LedgerError naming the entry that does not verify); returns (entries verified, release commit)."""
    commit = gitrepo.default_release_commit(ws.repo)
    listed = signoff.signers_at(ws.repo, commit)
    entries = ledger.read_entries(ws.repo, RELEASE)
    ledger.verify_entries(entries, listed)
    return len(entries), commit


# ---------------------------------------------------------------------------------------------
# The demo


def check(ws: Workspace, *, release: str | None = None, evidence_only: bool = True) -> Report:
    """`gate check --stage pre-release` on the workspace, in-process: evidence only, or with the sign-offs of
    `release` (`--release ID`)."""
    return api.check(
        ws.repo / CHECKLIST,
        repo=ws.repo,
        artifacts=ws.artifacts,
        subjects=[ws.subject],
        stage=STAGE,
        release=release,
        evidence_only=evidence_only,
    )


def build_before(ws: Workspace) -> dict[str, str]:
    """The example before the fix: the repository, its CI artifacts and weights, the manifest recorded."""
    labels = build_history(ws.repo)
    copy_ci_artifacts(ws.artifacts)
    generate(ws.artifacts, ws.subject)
    record(ws.artifacts, gitrepo.default_release_commit(ws.repo))
    return labels


def apply_fix(ws: Workspace, labels: dict[str, str], signers_text: str) -> dict[str, str]:
    """fix.yaml on top of the repository (its first commit adds signers_text as .gate/signers.yaml), then the
    artifacts re-recorded for the new release commit."""
    labels = build_history(ws.repo, "fix.yaml", labels=labels, files={SIGNERS_PATH: signers_text})
    record(ws.artifacts, gitrepo.default_release_commit(ws.repo))
    return labels


def run(keep: Path | None, *, say: Say, show: Show, stop_before_fix: bool = False) -> Outcome:
    """The whole demo. `say` narrates (stderr), `show` displays a report (stdout)."""
    with workspace(keep) as ws:
        return _run(ws, say=say, show=show, stop_before_fix=stop_before_fix, kept=keep is not None)


def _failed(say: Say, what: str, problems: list[str]) -> None:
    say(f"gate demo: {what}:")
    for p in problems:
        say(f"  {p}")


def _run(ws: Workspace, *, say: Say, show: Show, stop_before_fix: bool, kept: bool) -> Outcome:
    spec = history.load_history(example_path() / "history.yaml")
    authors = {c.author for c in spec.commits if c.author}
    say(f"gate demo: building {EXAMPLE} in {ws.root}")
    labels = build_before(ws)
    head = gitrepo.default_release_commit(ws.repo)
    say(
        f"  repo/: {len(spec.commits)} commits by {len(authors)} authors (a merge, a bot, a CoT reader), "
        f"release commit {head[:12]}, last release tag {LAST_RELEASE_TAG}"
    )
    logs = sorted(p for p in (ws.artifacts / "grader-logs").iterdir())
    size = sum(len(gzip.decompress(p.read_bytes())) for p in logs)
    say(
        f"  artifacts/: JUnit, SARIF, eval metrics, {len(logs)} grader logs ({size / 1e6:.1f} MB) and "
        f"{CANARIES} canaries planted in the CoT dump; recorded for {head[:12]}"
    )
    say(f"gate demo: checking {CHECKLIST} --stage {STAGE} (evidence only) before the fix")
    before = check(ws)
    show(before)
    problems = compare_before(before, labels)
    if problems:
        _failed(say, "the check before the fix did not show what it should", problems)
        return Outcome(False, problems, before=before)
    say(f"gate demo: blocked, as expected: {len(EXPECTED)} findings")
    for e in EXPECTED:
        say(f"  {e.item}: {e.what}")
    if stop_before_fix:
        _tell_command(ws, say, kept, note="exits 1: blocked")
        return Outcome(True, [], before=before)

    people = demo_signers()
    keys = make_keys(ws.keys, list(people))
    public = {who: signing.public_key_of(path).line() + f" {who}@gate-demo" for who, path in keys.items()}
    text = signers_yaml(people, public)
    listed = parse_signers(text.encode(), SIGNERS_PATH)
    loaded = api.load(ws.repo / CHECKLIST)
    problems = quorum_problems(listed, loaded.checklist)
    if problems:
        _failed(say, f"the demo signers cannot meet {CHECKLIST}'s sign-off requirements", problems)
        return Outcome(False, problems, before=before)
    say(f"gate demo: applying {EXAMPLE}/fix.yaml (main is unreleased, so its history is rewritten):")
    say(f"  main rewound to {labels['before-reward-hotfixes'][:12]}, before the reward hotfixes")
    say(f"  {_people(listed)} sign off; ssh-keygen made their keys in {ws.keys}")
    say(f"  alice commits {SIGNERS_PATH} with their public keys (read at the release commit)")
    say("  the env config and the import fixed; the reward work re-landed, reviewed, by a non-CoT reader")
    apply_fix(ws, labels, text)
    release_commit = gitrepo.default_release_commit(ws.repo)
    say(f"gate demo: artifacts re-recorded for the new release commit {release_commit[:12]}; checking again")
    say(f"gate demo: gate check --release {RELEASE} (evidence and sign-offs)")
    pending = check(ws, release=RELEASE, evidence_only=False)
    show(pending)
    problems = compare_pending(pending)
    if problems:
        _failed(say, "the check after the fix, before the sign-offs, did not show what it should", problems)
        return Outcome(False, problems, before=before, pending=pending)
    waiting = sum(1 for i in pending.items if i.signoff)
    say(f"gate demo: exit {EXIT_CODES[pending.verdict]}: evidence green, awaiting sign-off")
    say(f"  {waiting} items need sign-off: {role_progress(pending)}")

    loaded = api.load(ws.repo / CHECKLIST)  # as committed at the release commit (api.check refuses it otherwise)
    now = ledger.now_utc()
    say(f"gate demo: the demo signers sign, as `gate sign --release {RELEASE} --item ID --approve --key FILE` does:")
    reason = try_refusal(ws, loaded, keys, now=now)
    if reason is None:
        problems = [f"{REFUSAL[0]}'s approval of {REFUSAL[1]} was not refused"]
        _failed(say, "a decision the policy would never count was accepted", problems)
        return Outcome(False, problems, before=before, pending=pending)
    say(f"  {REFUSAL[0]} tries to approve {REFUSAL[1]}: refused (exit {signoff.SignRefused.exit_code}): {reason}")
    signed = sign_approvals(ws, loaded, listed, keys, now=now)
    for s in signed:
        say(f"  {s.identity} ({s.role}) approved {', '.join(s.items)}{_independence(pending, loaded, s)}")
    paths = [p for s in signed for p in s.paths]
    manager = next((who for who, p in people.items() if loaded.checklist.release_role in _list(p.get("roles"))), None)
    if manager is None:
        problems = [f"nobody in {EXAMPLE}/{SIGNERS_TEMPLATE} holds '{loaded.checklist.release_role}'"]
        _failed(say, "nobody can commit the sign-offs", problems)
        return Outcome(False, problems, before=before, pending=pending, entries=paths)
    head = commit_signoffs(ws, people[manager], now)
    moved = gitrepo.default_release_commit(ws.repo)
    say(
        f"gate demo: {manager} ({loaded.checklist.release_role}) commits the {len(paths)} entries under "
        f"{ledger.SIGNOFF_DIR}/{RELEASE}/ ({head[:12]}); the release commit stays {moved[:12]}"
    )
    if moved != release_commit:
        problems = [f"committing the sign-offs moved the release commit from {release_commit[:12]} to {moved[:12]}"]
        _failed(say, "the sign-off commit changed the release", problems)
        return Outcome(False, problems, before=before, pending=pending, entries=paths)

    say(f"gate demo: gate check --release {RELEASE} again, on the same recorded artifacts")
    cleared = check(ws, release=RELEASE, evidence_only=False)
    show(cleared)
    problems = compare_cleared(cleared)
    try:
        count, at = verify_ledger(ws)
    except GateError as exc:
        problems.append(f"gate ledger verify --release {RELEASE}: {exc.message}")
        count, at = 0, ""
    if count != len(paths) and not problems:
        problems.append(f"gate ledger verify read {count} entries, the demo signers wrote {len(paths)}")
    if problems:
        _failed(say, "the check after the sign-offs did not clear the release", problems)
        return Outcome(False, problems, before=before, pending=pending, cleared=cleared, entries=paths)
    say(f"gate demo: exit {EXIT_CODES[cleared.verdict]}: cleared, every sign-off approved")
    say(f"gate demo: gate ledger verify --release {RELEASE}: {count} entries ok against {SIGNERS_PATH} at {at[:12]}")
    _tell_command(ws, say, kept, note="exits 0: cleared", release=RELEASE)
    return Outcome(True, [], before=before, pending=pending, cleared=cleared, entries=paths)


def _list(value: object) -> list[str]:
    return [str(v) for v in value] if isinstance(value, list) else [str(value)] if value is not None else []


def _people(listed: Signers) -> str:
    """`alice (safety-lead), grace (auditor), ...`."""
    return ", ".join(f"{s.identity} ({', '.join(s.roles)})" for s in listed.signers.values())


def _independence(report: Report, loaded: LoadedChecklist, signed: Signed) -> str:
    """`; independent of the authors of the commits read (bob@lab.example, ...)` when the signer's role must be
    independent of the authors for one of the signed items, else ''."""
    definitions = {i.id: i for i in loaded.checklist.items}
    emails: set[str] = set()
    independent = False
    for item in report.items:
        if item.id not in signed.items:
            continue
        if any(r.independent_of == "authors" and r.role == signed.role for r in definitions[item.id].signoff):
            independent = True
            emails |= {m.lower() for ev in item.evidence for m in ev.emails}
    if not independent:
        return ""
    if not emails:
        return "; independent of the authors"
    return f"; independent of the authors of the commits read ({', '.join(sorted(emails))})"


def _tell_command(ws: Workspace, say: Say, kept: bool, *, note: str, release: str | None = None) -> None:
    if kept:
        say(f"gate demo: kept {ws.root}; check it yourself, from any folder ({note}):")
        say("  " + shlex.join(ws.check_argv(release)))
        if release is not None:
            say(f"  the demo signers' keys are in {ws.keys}: gate sign --key {ws.keys / 'alice'} ... signs as alice")
