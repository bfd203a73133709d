"""`gate demo`: build the example RL project's history into a real repository, gate it, fix it, gate it again.

Owns the workspace layout (repo/, artifacts/, model/), the deterministic generation of the grader logs,
canaries, CoT dump and model weights (from SEED), and the findings the "before" check must show. Never prints:
it reports through the `say` (narration) and `show` (a report) callables the command line passes in.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import random
import shlex
import shutil
import struct
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from gate import api, gitrepo, history
from gate.artifacts import record
from gate.errors import UsageError
from gate.results import Report, Status, Verdict
from gate.shipped import shipped_path

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

    def check_argv(self) -> list[str]:
        """The `gate check` command line for this workspace, with absolute paths (runs from any folder)."""
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
            "--evidence-only",
        ]


@dataclass(frozen=True)
class Outcome:
    """What the demo showed: ok when the before-check blocked with exactly the expected findings and the
    after-check passed (or, with stop_before_fix, when the before-check alone was as expected)."""

    ok: bool
    problems: list[str]
    before: Report | None = None
    after: Report | None = None


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


def build_history(target: Path, name: str = "history.yaml", *, labels: dict[str, str] | None = None) -> dict[str, str]:
    """Build examples/rl-project/<name> into target (on top of the repository there when labels are given)."""
    spec = history.load_history(example_path() / name)
    with tempfile.TemporaryDirectory(prefix="gate-demo-fixture-") as tmp:
        fixture = stage_fixture(Path(tmp))
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


def compare_after(report: Report) -> list[str]:
    """Problems with the after-check: every item must pass."""
    if report.verdict is Verdict.PASSED:
        return []
    return [f"after the fix, {i.id} is still {i.status.value}" for i in report.blocking] or [
        f"after the fix the verdict is {report.verdict.value}"
    ]


# ---------------------------------------------------------------------------------------------
# The demo


def check(ws: Workspace) -> Report:
    """`gate check --evidence-only --stage pre-release` on the workspace, in-process."""
    return api.check(
        ws.repo / CHECKLIST,
        repo=ws.repo,
        artifacts=ws.artifacts,
        subjects=[ws.subject],
        stage=STAGE,
        evidence_only=True,
    )


def build_before(ws: Workspace) -> dict[str, str]:
    """The example before the fix: the repository, its CI artifacts and weights, the manifest recorded."""
    labels = build_history(ws.repo)
    copy_ci_artifacts(ws.artifacts)
    generate(ws.artifacts, ws.subject)
    record(ws.artifacts, gitrepo.default_release_commit(ws.repo))
    return labels


def apply_fix(ws: Workspace, labels: dict[str, str]) -> dict[str, str]:
    """fix.yaml on top of the repository, then the artifacts re-recorded for the new release commit."""
    labels = build_history(ws.repo, "fix.yaml", labels=labels)
    record(ws.artifacts, gitrepo.default_release_commit(ws.repo))
    return labels


def run(keep: Path | None, *, say: Say, show: Show, stop_before_fix: bool = False) -> Outcome:
    """The whole demo. `say` narrates (stderr), `show` displays a report (stdout)."""
    with workspace(keep) as ws:
        return _run(ws, say=say, show=show, stop_before_fix=stop_before_fix, kept=keep is not None)


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
        say("gate demo: the check before the fix did not show what it should:")
        for p in problems:
            say(f"  {p}")
        return Outcome(False, problems, before=before)
    say(f"gate demo: blocked, as expected: {len(EXPECTED)} findings")
    for e in EXPECTED:
        say(f"  {e.item}: {e.what}")
    if stop_before_fix:
        _tell_command(ws, say, kept, note="exits 1: blocked")
        return Outcome(True, [], before=before)

    say(f"gate demo: applying {EXAMPLE}/fix.yaml (main is unreleased, so its history is rewritten):")
    say(f"  main rewound to {labels['before-reward-hotfixes'][:12]}, before the reward hotfixes")
    say("  the env config and the import fixed; the reward work re-landed, reviewed, by a non-CoT reader")
    apply_fix(ws, labels)
    head = gitrepo.default_release_commit(ws.repo)
    say(f"gate demo: artifacts re-recorded for the new release commit {head[:12]}; checking again")
    after = check(ws)
    show(after)
    problems = compare_after(after)
    if problems:
        say("gate demo: the check after the fix did not pass:")
        for p in problems:
            say(f"  {p}")
        return Outcome(False, problems, before=before, after=after)
    say("gate demo: passed after the fix")
    _tell_command(ws, say, kept, note="exits 0: passed")
    return Outcome(True, [], before=before, after=after)


def _tell_command(ws: Workspace, say: Say, kept: bool, *, note: str) -> None:
    if kept:
        say(f"gate demo: kept {ws.root}; check it yourself, from any folder ({note}):")
        say("  " + shlex.join(ws.check_argv()))
