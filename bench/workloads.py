"""The benchmark workloads: deterministic, seeded generators and the rows the runner times.

Each `build_*` function writes one workload under a folder it is given (a git repository with the files
committed, an artifacts folder with gate-artifacts.json, a one-item checklist beside them) and returns a
`Workload`: the `gate` arguments, the baseline command on the same data, and the result gate must give
(`Expect`), which both the runner and tests/test_bench_smoke.py check. Sizes come from a `Scale`, so the
same code builds the full workloads of issue 10, the `--quick` ones and the smoke ones. Same seed, same
bytes: nothing here reads the clock or the environment.
"""

from __future__ import annotations

import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import textwrap
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

SEED = 10
"""Issue 10. Every generator derives its random stream from this and its own name."""

CacheMode = Literal["cold", "warm"]


@dataclass(frozen=True)
class Scale:
    """Workload sizes. FULL is issue 10's table; QUICK is for a fast look; SMOKE runs in the test suite."""

    name: str
    commits: int
    touching: int
    signed: int
    canary_bytes: int
    junit_cases: int
    modules: int
    configs: int


FULL = Scale("full", 100_000, 20_000, 200, 1 << 30, 200_000, 3000, 5000)
QUICK = Scale("quick", 10_000, 2_000, 50, 64 << 20, 20_000, 600, 500)
SMOKE = Scale("smoke", 240, 48, 8, 256 << 10, 400, 60, 40)


@dataclass(frozen=True)
class Expect:
    """What gate must report: the item status and the evidence summary (exact text, or a regex)."""

    status: str
    """PASS, FAIL or ERROR, as the JSON report spells it."""
    summary: str | re.Pattern[str]
    exit_code: int

    def problems(self, report: dict[str, object]) -> list[str]:
        """Differences between a JSON report and this expectation (empty when it matches)."""
        items = report.get("items")
        if not isinstance(items, list) or len(items) != 1:
            return ["the report does not hold exactly one item"]
        item = items[0]
        evidence = item["evidence"][0]
        out = []
        if item["status"] != self.status:
            out.append(f"status {item['status']}, expected {self.status}: {evidence['summary']}")
        summary = evidence["summary"]
        if isinstance(self.summary, str):
            if summary != self.summary:
                out.append(f"summary {summary!r}, expected {self.summary!r}")
        elif not self.summary.fullmatch(summary):
            out.append(f"summary {summary!r} does not match {self.summary.pattern!r}")
        return out


@dataclass
class Row:
    """One line of the results table: gate against a baseline on the same data."""

    key: str
    title: str
    gate: list[str]
    """`gate` arguments (the program is added by the caller)."""
    baseline: list[str] | None
    target: float
    expect: Expect | None
    cache: CacheMode = "cold"
    cwd: Path | None = None
    baseline_env: dict[str, str] = field(default_factory=dict)
    skip: str | None = None
    """Why the row cannot run (a missing baseline tool, no demo command); None when it can."""
    baseline_ok: tuple[int, ...] = (0,)
    """Exit codes of the baseline that mean it ran (rg -c exits 1 when nothing matches)."""
    expect_exit: int | None = None
    """The exit code gate must give when there is no `expect` (the demo, --help)."""
    idle: list[str] | None = None
    """For an RSS-growth target: `gate` arguments of the same check on a tiny input."""
    rss_growth_mb: float | None = None
    data: str = ""
    """What the data is, for the table (size, counts)."""


@dataclass
class Workload:
    name: str
    root: Path
    rows: list[Row]
    data: str


# ---------------------------------------------------------------------------------------------------------------
# helpers


def run(
    argv: list[str], cwd: Path | None = None, *, input_: bytes | None = None, env: dict[str, str] | None = None
) -> str:
    """Run a command for a generator; its failure is a bug in the bench, so raise with its stderr."""
    proc = subprocess.run(argv, cwd=cwd, input=input_, capture_output=True, env=env, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(argv[:3])} failed: {proc.stderr.decode(errors='replace')[-2000:]}")
    return proc.stdout.decode(errors="replace")


def git_env() -> dict[str, str]:
    """git without the user's or system config, so the repositories do not depend on the machine."""
    env = dict(os.environ)
    env.update({"GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": os.devnull, "LC_ALL": "C", "TZ": "UTC"})
    for name in ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE"):
        env.pop(name, None)
    return env


def git(repo: Path, *args: str, input_: bytes | None = None) -> str:
    return run(["git", "-C", str(repo), *args], input_=input_, env=git_env())


def init_repo(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    git(path, "init", "-q", "-b", "main")
    return path


def commit_all(repo: Path, message: str, when: int = 1_767_600_000) -> str:
    """Commit the whole work tree at a fixed date by a fixed person (deterministic sha)."""
    env = git_env()
    stamp = f"{when} +0000"
    env.update(
        {
            "GIT_AUTHOR_NAME": "Bench",
            "GIT_AUTHOR_EMAIL": "bench@lab.example",
            "GIT_COMMITTER_NAME": "Bench",
            "GIT_COMMITTER_EMAIL": "bench@lab.example",
            "GIT_AUTHOR_DATE": stamp,
            "GIT_COMMITTER_DATE": stamp,
        }
    )
    run(["git", "-C", str(repo), "add", "-A"], env=env)
    run(["git", "-C", str(repo), "commit", "-q", "--no-verify", "-m", message], env=env)
    return git(repo, "rev-parse", "HEAD").strip()


def checklist(path: Path, item_id: str, title: str, evidence: str) -> Path:
    """A one-item checklist (no sign-off, so `gate check` needs no --release)."""
    text = f"""\
id: bench-{item_id}
version: 1
title: Benchmark {title}
owner: safety-lead
release_role: release-manager
roles:
  safety-lead: {{description: Owns the invariant}}
  release-manager: {{description: Ships the model}}
items:
  - id: {item_id}
    title: {title}
    evidence:
{textwrap.indent(textwrap.dedent(evidence).strip(), "      ")}
"""
    path.write_text(text, encoding="utf-8")
    return path


def record_artifacts(artifacts: Path, repo: Path) -> None:
    """`gate artifacts record` for the repository's release commit (in-process: same code, no process)."""
    from gate import gitrepo
    from gate.artifacts import record

    record(artifacts, gitrepo.default_release_commit(gitrepo.toplevel(repo)))


def stamp_repo(root: Path) -> Path:
    """A small repository whose release commit the artifacts manifest names (artifact-only workloads)."""
    repo = init_repo(root / "repo")
    (repo / "README.md").write_text("Benchmark repository: the commit the artifacts were built from.\n")
    commit_all(repo, "Initial commit")
    return repo


def check_args(checklist_path: Path, repo: Path, artifacts: Path | None = None) -> list[str]:
    args = ["check", "--checklist", str(checklist_path), "--repo", str(repo), "--color", "never"]
    if artifacts is not None:
        args += ["--artifacts", str(artifacts)]
    return args


def human(n: float) -> str:
    for unit in ("B", "kB", "MB", "GB"):
        if n < 1000 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1000
    raise AssertionError


def _rng(name: str) -> random.Random:
    return random.Random(f"{SEED}-{name}")


WORDS = (  # noqa: SIM905 - a word list reads better as text
    "policy reward model value step batch token sample grader rubric answer prompt completion reference "
    "score metric episode rollout advantage baseline entropy gradient update checkpoint shard dataset split "
    "filter length language math code proof tool search retrieve summary plan draft final critique verify "
    "accuracy precision recall latency budget temperature nucleus beam greedy seed replay buffer queue "
    "worker actor learner critic target clip ratio penalty bonus horizon discount schedule warmup decay"
).split()


# ---------------------------------------------------------------------------------------------------------------
# git.trailers: a large history, built with ONE `git fast-import` stream

PEOPLE = [(f"Person {i:02d}", f"person{i:02d}@lab.example") for i in range(24)]


def _fast_import_stream(
    commits: int, touching: int, rng: random.Random, reward: list[str], other: list[str]
) -> tuple[Iterator[bytes], int]:
    """The stream, and how many touching commits lack an independent Reviewed-by."""
    touch = set(rng.sample(range(1, commits), touching))
    offenders = set(rng.sample(sorted(touch), max(1, touching // 2000)))
    when = 1_700_000_000

    def data(text: str) -> bytes:
        raw = text.encode()
        return b"data %d\n" % len(raw) + raw + b"\n"

    def stream() -> Iterator[bytes]:
        t = when
        head = b"commit refs/heads/main\nmark :1\n"
        head += b"author Bench <bench@lab.example> %d +0000\ncommitter Bench <bench@lab.example> %d +0000\n" % (t, t)
        parts = [head, data("Initial import\n")]
        for path in reward + other:
            parts.append(b"M 100644 inline " + path.encode() + b"\n" + data(f"# {path}\nVERSION = 0\n"))
        yield b"".join(parts) + b"\n"
        yield b"reset refs/tags/v0\nfrom :1\n\n"
        for i in range(1, commits):
            t += 60
            name, email = PEOPLE[rng.randrange(len(PEOPLE))]
            if i in touch:
                path = reward[rng.randrange(len(reward))]
                subject = f"reward: tune {path.rsplit('/', 1)[1][:-3]} (change {i})"
            else:
                path = other[rng.randrange(len(other))]
                subject = f"{path.split('/')[1]}: update {path.rsplit('/', 1)[1][:-3]} (change {i})"
            reviewer = PEOPLE[rng.randrange(len(PEOPLE))]
            while reviewer[1] == email:
                reviewer = PEOPLE[rng.randrange(len(PEOPLE))]
            trailers = [f"Reviewed-by: {reviewer[0]} <{reviewer[1]}>"]
            if i in offenders:
                trailers = [] if i % 2 else [f"Reviewed-by: {name} <{email}>"]
            if rng.random() < 0.1:
                co = PEOPLE[rng.randrange(len(PEOPLE))]
                trailers.append(f"Co-authored-by: {co[0]} <{co[1]}>")
            body = " ".join(rng.choices(WORDS, k=rng.randrange(8, 30)))
            message = subject + "\n\n" + textwrap.fill(body, 72) + "\n"
            if trailers:
                message += "\n" + "\n".join(trailers) + "\n"
            who = f"{name} <{email}>".encode()
            yield (
                b"commit refs/heads/main\n"
                + b"author %s %d +0000\ncommitter %s %d +0000\n" % (who, t, who, t)
                + data(message)
                + b"M 100644 inline "
                + path.encode()
                + b"\n"
                + data(f"# {path}\nVERSION = {i}\n")
                + b"\n"
            )
        yield b"done\n"

    return stream(), len(offenders)


def build_trailers(root: Path, scale: Scale) -> Workload:
    """A `scale.commits`-commit history, `scale.touching` of them touching rl/reward/ (with Reviewed-by)."""
    rng = _rng("trailers")
    repo = init_repo(root / "repo")
    reward = [f"rl/reward/r{i:03d}.py" for i in range(200)]
    other = [f"src/pkg{j:02d}/m{k:03d}.py" for j in range(40) for k in range(50)]
    stream, offenders = _fast_import_stream(scale.commits, scale.touching, rng, reward, other)
    with tempfile.TemporaryFile() as err:
        with subprocess.Popen(
            ["git", "-C", str(repo), "fast-import", "--quiet", "--done", "--date-format=raw"],
            stdin=subprocess.PIPE,
            stderr=err,
            env=git_env(),
        ) as proc:
            assert proc.stdin is not None
            batch: list[bytes] = []
            for chunk in stream:
                batch.append(chunk)
                if len(batch) >= 2000:
                    proc.stdin.write(b"".join(batch))
                    batch.clear()
            proc.stdin.write(b"".join(batch))
            proc.stdin.close()
        if proc.returncode != 0:
            err.seek(0)
            raise RuntimeError(f"git fast-import failed: {err.read().decode(errors='replace')[-2000:]}")
    git(repo, "reset", "-q", "--hard", "main")
    head = git(repo, "rev-parse", "HEAD").strip()
    cl = checklist(
        root / "checklist.yaml",
        "reward-commits-reviewed",
        "Every reward change is reviewed by someone else",
        """
        - kind: git.trailers
          paths: "rl/reward/**"
          since: "v*"
          require: [Reviewed-by]
        """,
    )
    summary = (
        f"{scale.touching} commits touched rl/reward/** in v0..{head[:12]}: "
        f"{offenders} without an independent Reviewed-by"
    )
    data = f"{scale.commits} commits, {scale.touching} touching rl/reward/"
    fmt = "--format=%H%x00%ae%x00%ce%x00%(trailers:only,unfold,separator=%x00)"
    row = Row(
        key="trailers",
        title="git.trailers",
        gate=check_args(cl, repo),
        baseline=["git", "-C", str(repo), "log", fmt, "v0..HEAD", "--", "rl/reward/"],
        target=1.3,
        expect=Expect("FAIL", summary, 1),
        data=data,
    )
    return Workload("trailers", root, [row], data)


# ---------------------------------------------------------------------------------------------------------------
# git.trailers with signed: true (objects written directly; signatures made in-process)


def build_signed(root: Path, scale: Scale) -> Workload:
    """`scale.signed` commits touching rl/reward/: most signed by the allowed key, a few unsigned, signed by
    another key, or with a signature that does not match the commit (git's %G? N, U and B)."""
    from bench.gitobjects import ObjectWriter, SshKey, commit_body, with_signature

    rng = _rng("signed")
    repo = init_repo(root / "repo")
    writer = ObjectWriter(repo / ".git")
    good, other = SshKey.from_seed(f"{SEED}-good"), SshKey.from_seed(f"{SEED}-other")
    signers = f"release@lab.example {good.openssh}\n"
    files = {
        "README.md": writer.blob(b"Signed history benchmark.\n"),
        "keys/allowed_signers": writer.blob(signers.encode()),
    }
    when = 1_700_000_000
    bench_id = "Bench <bench@lab.example>"
    first = writer.write(
        "commit",
        commit_body(
            tree=writer.tree(files), parents=[], author=bench_id, committer=bench_id, when=when, message="Signers\n"
        ),
    )
    n = scale.signed
    each = max(1, n // 100)
    kinds = ["good"] * n
    picks = rng.sample(range(n), 3 * each)
    for index, kind in zip(picks, ["unsigned"] * each + ["other"] * each + ["bad"] * each, strict=True):
        kinds[index] = kind
    tip = first
    for i, kind in enumerate(kinds):
        when += 60
        path = f"rl/reward/r{i % 20:02d}.py"
        files[path] = writer.blob(f"# {path}\nVERSION = {i}\n".encode())
        name, email = PEOPLE[i % len(PEOPLE)]
        reviewer = PEOPLE[(i + 1) % len(PEOPLE)]
        message = f"reward: change {i}\n\nReviewed-by: {reviewer[0]} <{reviewer[1]}>\n"
        who = f"{name} <{email}>"
        body = commit_body(
            tree=writer.tree(files), parents=[tip], author=who, committer=who, when=when, message=message
        )
        if kind == "unsigned":
            raw = body
        elif kind == "bad":  # a signature over other content: the commit was changed after signing
            raw = with_signature(body, good.sign(body.replace(b"reward:", b"reward (draft):")))
        else:
            raw = with_signature(body, (good if kind == "good" else other).sign(body))
        tip = writer.write("commit", raw)
    git(repo, "update-ref", "refs/heads/main", tip)
    git(repo, "tag", "v0", first)
    git(repo, "repack", "-adq")  # packed, as a clone is: loose objects would slow gate and git alike
    git(repo, "prune-packed")
    git(repo, "reset", "-q", "--hard", "main")
    cl = checklist(
        root / "checklist.yaml",
        "reward-commits-signed",
        "Every reward change is reviewed and signed by an allowed key",
        """
        - kind: git.trailers
          paths: "rl/reward/**"
          since: "v*"
          require: [Reviewed-by]
          signed: true
          allowed_signers: keys/allowed_signers
        """,
    )
    summary = (
        f"{n} commits touched rl/reward/** in v0..{tip[:12]}: "
        f"{3 * each} without a good signature by a key in keys/allowed_signers"
    )
    baseline = [
        "git",
        "-C",
        str(repo),
        "-c",
        "gpg.format=ssh",
        "-c",
        f"gpg.ssh.allowedSignersFile={repo / 'keys' / 'allowed_signers'}",
        "log",
        "--format=%H %G?",
        "v0..HEAD",
        "--",
        "rl/reward/",
    ]
    data = f"{n} SSH-signed commits ({each} unsigned, {each} by another key, {each} bad)"
    row = Row(
        key="signed",
        title="git.trailers signed",
        gate=check_args(cl, repo),
        baseline=baseline,
        target=0.25,
        expect=Expect("FAIL", summary, 1),
        data=data,
    )
    return Workload("signed", root, [row], data)


# ---------------------------------------------------------------------------------------------------------------
# canary: a JSONL grader log (and its gzip), 5 canaries, none present


def _canary_lines(rng: random.Random) -> list[str]:
    pool = []
    envs = [f"env-{i:04d}" for i in range(64)]
    for _ in range(4096):
        record = {
            "env": rng.choice(envs),
            "prompt_id": f"p{rng.getrandbits(40):010x}",
            "completion": " ".join(rng.choices(WORDS, k=rng.randrange(20, 70))),
            "grader": {"model": "grader-v3", "score": round(rng.random(), 4), "latency_ms": rng.randrange(20, 900)},
            "reward": round(rng.uniform(-1, 1), 4),
        }
        pool.append(json.dumps(record, separators=(", ", ": "))[1:])  # without the opening brace
    return pool


def build_canary(root: Path, scale: Scale) -> Workload:
    """grader-logs/grader.jsonl of `scale.canary_bytes` and grader-logs/grader.jsonl.gz (the same log gzipped)."""
    from isal import igzip

    rng = _rng("canary")
    repo = stamp_repo(root)
    art = root / "artifacts"
    (art / "grader-logs").mkdir(parents=True)
    (art / "cot").mkdir()
    canaries = [f"cot-canary-{rng.getrandbits(96):024x}" for _ in range(5)]
    (art / "canaries.txt").write_text("".join(c + "\n" for c in canaries))
    dump = [json.dumps({"step": i, "cot": f"thinking ... {c} ... done"}) for i, c in enumerate(canaries)]
    (art / "cot" / "dump.jsonl").write_text("\n".join(dump) + "\n")
    pool = _canary_lines(rng)
    log = art / "grader-logs" / "grader.jsonl"
    size = step = 0
    with open(log, "w", encoding="utf-8") as fh:
        while size < scale.canary_bytes:
            lines = [f'{{"step": {step + k}, {line}\n' for k, line in enumerate(rng.choices(pool, k=20_000))]
            step += len(lines)
            block = "".join(lines)
            if size + len(block) > scale.canary_bytes:
                block = block[: block.rfind("\n", 0, scale.canary_bytes - size) + 1]
                if not block:
                    break
            fh.write(block)
            size += len(block)
    with open(log, "rb") as src, igzip.open(art / "grader-logs" / "grader.jsonl.gz", "wb", compresslevel=2) as gz:
        shutil.copyfileobj(src, gz, 8 << 20)
    record_artifacts(art, repo)
    evidence = """
        - kind: canary
          files: "grader-logs/{glob}"
          canaries_file: canaries.txt
          must_occur_in: cot/dump.jsonl
    """
    plain = checklist(
        root / "checklist.yaml", "no-cot-in-grader-logs", "No CoT in grader logs", evidence.format(glob="*.jsonl")
    )
    gz = checklist(
        root / "checklist-gz.yaml", "no-cot-in-grader-logs", "No CoT in grader logs", evidence.format(glob="*.gz")
    )
    shown = _human_decimal(size)
    summary = f"5 canaries, 1 log ({shown}): no canary found; positive control found all 5 in cot/dump.jsonl"
    gz_size = (art / "grader-logs" / "grader.jsonl.gz").stat().st_size
    rows = [
        Row(
            key="canary",
            title="canary",
            gate=check_args(plain, repo, art),
            baseline=[
                "sh",
                "-c",
                'rg -F -c -f "$1" "$2"; sha256sum "$2" >/dev/null',
                "sh",
                str(art / "canaries.txt"),
                str(log),
            ],
            target=1.0,
            expect=Expect("PASS", summary, 0),
            baseline_ok=(0,),
            data=f"{human(size)} JSONL, 5 canaries, none present",
        ),
        Row(
            key="canary-gz",
            title="canary gzip",
            gate=check_args(gz, repo, art),
            baseline=["sh", "-c", 'gzip -dc "$1" >/dev/null', "sh", str(art / "grader-logs" / "grader.jsonl.gz")],
            target=0.5,
            expect=Expect("PASS", summary, 0),
            data=f"the same log gzipped ({human(gz_size)})",
        ),
    ]
    if shutil.which("rg") is None:
        rows[0].skip = "ripgrep (rg) is not installed and could not be installed"
    return Workload("canary", root, rows, f"{human(size)} JSONL + gzip")


def _human_decimal(n: int) -> str:
    """As gate's canary summary shows sizes."""
    from gate.evidence.canary import human_size

    return human_size(n)


# ---------------------------------------------------------------------------------------------------------------
# junit: one big report


JUNIT_BASELINE = '''\
"""Baseline: count test cases and failures with the stdlib's ElementTree.iterparse."""
import sys
import xml.etree.ElementTree as ET

cases = failures = 0
for _event, element in ET.iterparse(sys.argv[1]):
    if element.tag == "testcase":
        cases += 1
        if element.find("failure") is not None or element.find("error") is not None:
            failures += 1
        element.clear()
print(cases, failures)
'''


def _junit_report(path: Path, cases: int, rng: random.Random) -> tuple[int, int]:
    """Write a pytest-style report; returns (failures, skipped)."""
    n_fail, n_skip = (max(1, cases // 5400), max(1, cases // 1000)) if cases >= 100 else (0, 0)
    picks = rng.sample(range(cases), n_fail + n_skip)
    failing, skipped = set(picks[:n_fail]), set(picks[n_fail:])
    per_suite = 2000
    with open(path, "w", encoding="utf-8") as fh:
        fh.write('<?xml version="1.0" encoding="utf-8"?>\n')
        fh.write(f'<testsuites name="pytest tests" tests="{cases}" failures="{n_fail}" skipped="{n_skip}">\n')
        for start in range(0, cases, per_suite):
            suite = f"tests.unit.pkg{start // per_suite:03d}"
            count = min(per_suite, cases - start)
            fh.write(f'  <testsuite name="{suite}" tests="{count}" time="{rng.uniform(10, 90):.3f}">\n')
            parts = []
            for i in range(start, start + count):
                module = f"test_{rng.choice(WORDS)}_{i // 40:05d}"
                name = f"test_{rng.choice(WORDS)}_{rng.choice(WORDS)}[case-{i:06d}-{rng.choice(WORDS)}]"
                attrs = (
                    f'classname="{suite}.{module}" name="{name}" file="tests/unit/pkg{start // per_suite:03d}/'
                    f'{module}.py" line="{rng.randrange(10, 900)}" time="{rng.uniform(0, 2):.4f}"'
                )
                if i in failing:
                    parts.append(
                        f'    <testcase {attrs}>\n      <failure message="AssertionError: assert {rng.random():.3f} '
                        f'== 0.5">def {name.split("[")[0]}():\n&gt;       assert value == 0.5\nE       '
                        f"AssertionError</failure>\n    </testcase>\n"
                    )
                elif i in skipped:
                    parts.append(
                        f'    <testcase {attrs}>\n      <skipped type="pytest.skip" message="needs a GPU">'
                        f"skipped</skipped>\n    </testcase>\n"
                    )
                else:
                    parts.append(f"    <testcase {attrs} />\n")
            fh.write("".join(parts))
            fh.write("  </testsuite>\n")
        fh.write("</testsuites>\n")
    return n_fail, n_skip


def build_junit(root: Path, scale: Scale) -> Workload:
    """junit/report.xml with `scale.junit_cases` test cases (a few failing, a few skipped), and a one-test
    report for the idle RSS."""
    rng = _rng("junit")
    repo = stamp_repo(root)
    art = root / "artifacts"
    (art / "junit").mkdir(parents=True)
    report = art / "junit" / "report.xml"
    n_fail, n_skip = _junit_report(report, scale.junit_cases, rng)
    record_artifacts(art, repo)
    idle_art = root / "idle-artifacts"
    (idle_art / "junit").mkdir(parents=True)
    _junit_report(idle_art / "junit" / "report.xml", 1, _rng("junit-idle"))
    record_artifacts(idle_art, repo)
    cl = checklist(
        root / "checklist.yaml",
        "unit-tests-pass",
        "The unit tests pass",
        """
        - kind: junit
          files: "junit/*.xml"
          allow_skipped: true
        """,
    )
    script = root / "baseline_junit.py"
    script.write_text(JUNIT_BASELINE)
    n = scale.junit_cases
    summary = f"{n} selected tests: {n - n_fail - n_skip} passed, {n_fail} failed, {n_skip} skipped"
    size = report.stat().st_size
    data = f"{human(size)}, {n} test cases"
    row = Row(
        key="junit",
        title="junit",
        gate=check_args(cl, repo, art),
        baseline=[sys.executable, str(script), str(report)],
        target=1.3,
        expect=Expect("FAIL", summary, 1),
        idle=check_args(cl, repo, idle_art),
        rss_growth_mb=50,
        data=data,
    )
    return Workload("junit", root, [row], data)


# ---------------------------------------------------------------------------------------------------------------
# code.imports: a package of `scale.modules` modules, one forbidden contract

IMPORTLINTER = """\
[importlinter]
root_package = lab

[importlinter:contract:reward-cot]
name = Reward code never imports chain-of-thought code
type = forbidden
source_modules =
    lab.rl.reward
forbidden_modules =
    lab.rl.cot
"""

# layer -> (share of the modules, layers it may import)
LAYERS: dict[str, tuple[float, tuple[str, ...]]] = {
    "utils": (0.10, ("utils",)),
    "data": (0.15, ("utils", "data")),
    "models": (0.25, ("utils", "data", "models")),
    "rl.reward": (0.20, ("utils", "data", "models", "rl.reward")),
    "rl.cot": (0.10, ("utils", "rl.cot")),
    "rl.envs": (0.12, ("utils", "data", "rl.reward", "rl.envs")),
    "train": (0.08, ("utils", "data", "models", "rl.reward", "rl.cot", "rl.envs", "train")),
}


def _module_source(name: str, imports: list[str], package: str, rng: random.Random, dynamic: bool) -> str:
    lines = [f'"""{name}: {" ".join(rng.choices(WORDS, k=8))}."""', "", "from __future__ import annotations", ""]
    lines += [
        "import json",
        "import os",
        "from dataclasses import dataclass",
        "from typing import TYPE_CHECKING, Any",
        "",
    ]
    typing_only = []
    for target in imports:
        form = rng.random()
        parent, _, leaf = target.rpartition(".")
        if parent == package and form < 0.3:
            lines.append(f"from . import {leaf}")
        elif form < 0.6:
            lines.append(f"from {parent} import {leaf}")
        elif form < 0.9:
            lines.append(f"import {target}")
        else:
            typing_only.append(f"    from {parent} import {leaf}")
    if typing_only:
        lines += ["", "if TYPE_CHECKING:", *typing_only]
    if dynamic and imports:
        lines += ["", "import importlib", "", f'_PLUGIN = importlib.import_module("{imports[0]}")']
    lines.append("")
    for k in range(rng.randrange(2, 5)):
        fields = rng.sample(WORDS, 3)
        lines += [
            "",
            "@dataclass(frozen=True)",
            f"class {fields[0].title()}{fields[1].title()}{k}:",
            f'    """A {fields[0]} {fields[1]} record."""',
            "",
            *(f"    {f}: float = 0.0" for f in fields),
            "",
            "    def total(self) -> float:",
            f"        return {' + '.join(f'self.{f}' for f in fields)}",
            "",
            "    def to_json(self) -> str:",
            "        return json.dumps({" + ", ".join(f'"{f}": self.{f}' for f in fields) + "})",
        ]
    for k in range(rng.randrange(2, 6)):
        a, b = rng.sample(WORDS, 2)
        lines += [
            "",
            "",
            f"def {a}_{b}_{k}(values: list[float], scale: float = {rng.uniform(0.1, 3):.2f}) -> dict[str, Any]:",
            f'    """Compute the {a} {b} of a batch (# not an import: import os.path in a docstring)."""',
            "    out: dict[str, Any] = {}",
            "    total = 0.0",
            "    for i, value in enumerate(values):",
            f"        if value > {rng.uniform(0, 1):.3f}:",
            "            total += value * scale",
            f'        out[f"{a}_{{i}}"] = total',
            '    out["env"] = os.environ.get("LAB_ENV", "dev")',
            "    return out",
        ]
    return "\n".join(lines) + "\n"


def build_code(root: Path, scale: Scale) -> Workload:
    """src/lab/: `scale.modules` modules in layers; lab.rl.reward reaches most of the package, never lab.rl.cot."""
    rng = _rng("code")
    repo = init_repo(root / "repo")
    src = repo / "src"
    names: dict[str, list[str]] = {}
    packages: dict[str, str] = {}  # module -> its package
    budget = scale.modules - 3 - len(LAYERS)  # lab, lab.rl, and one __init__ per layer
    for layer, (share, _) in LAYERS.items():
        count = max(4, int(budget * share))
        subs = max(1, count // 40)
        mods = []
        for i in range(count):
            sub = i % subs
            package = f"lab.{layer}.sub{sub:02d}" if subs > 1 else f"lab.{layer}"
            mods.append(f"{package}.m{i:04d}")
            packages[mods[-1]] = package
        names[layer] = mods
    inits = {"lab", "lab.rl", *(f"lab.{layer}" for layer in LAYERS), *packages.values()}
    files: dict[str, str] = {}
    for layer, (_, allowed) in LAYERS.items():
        for module in names[layer]:
            pool = [m for a in allowed for m in names[a] if m != module]
            imports = sorted(set(rng.sample(pool, min(len(pool), rng.randrange(3, 7)))))
            dynamic = rng.random() < 0.02
            files[module] = _module_source(module, imports, packages[module], rng, dynamic)
    for package in inits:
        files[package + ".__init__"] = f'"""The {package} package."""\n'
    for module, text in files.items():
        path = src / (module.replace(".", "/") + ".py")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    (repo / ".importlinter").write_text(IMPORTLINTER)
    commit_all(repo, "The lab package")
    cl = checklist(
        root / "checklist.yaml",
        "reward-never-imports-cot",
        "Reward code never imports chain-of-thought code",
        """
        - kind: code.imports
          source: lab.rl.reward
          forbidden: lab.rl.cot
          roots: src
        """,
    )
    reward = sum(1 for m in files if m == "lab.rl.reward" or m.startswith("lab.rl.reward."))
    summary = f"0 of {reward} modules in 'lab.rl.reward' import 'lab.rl.cot' (directly or through other modules)"
    lint = Path(sys.executable).with_name("lint-imports")
    env = {"PYTHONPATH": str(src)}
    data = f"{len(files)} modules"
    common = {"baseline_env": env, "cwd": repo, "expect": Expect("PASS", summary, 0), "data": data}
    baseline = [str(lint), "--no-cache", ".importlinter"]
    rows = [
        Row(key="imports", title="code.imports", gate=check_args(cl, repo), baseline=baseline, target=1.5, **common),  # type: ignore[arg-type]
        Row(
            key="imports-warm",
            title="code.imports re-run",
            gate=check_args(cl, repo),
            baseline=baseline,
            target=0.5,
            cache="warm",
            **common,  # type: ignore[arg-type]
        ),
    ]
    if not lint.exists():
        for row in rows:
            row.skip = f"import-linter is not installed ({lint} is missing)"
    return Workload("code", root, rows, data)


# ---------------------------------------------------------------------------------------------------------------
# config: many YAML files, one JMESPath assertion

CONFIG_BASELINE = '''\
"""Baseline: parse every YAML config with libyaml (CSafeLoader)."""
import sys
from pathlib import Path

import yaml

count = 0
for path in sorted(Path(sys.argv[1]).glob("rl/envs/**/*.yaml")):
    with open(path, "rb") as fh:
        yaml.load(fh, Loader=yaml.CSafeLoader)
    count += 1
print(count)
'''


def _config_text(i: int, rng: random.Random, leaky: bool) -> str:
    inputs = ["prompt", "completion", "reference"] + (["reasoning"] if leaky else [])
    rng.shuffle(inputs)
    shards = ", ".join(f"s-{rng.randrange(1000):03d}" for _ in range(rng.randrange(3, 9)))
    rubric = "\n".join(
        f"    - {{criterion: {w}, weight: {rng.uniform(0, 1):.2f}, scale: [0, {rng.randrange(2, 10)}]}}"
        for w in rng.sample(WORDS, rng.randrange(3, 7))
    )
    anchors = rng.random() < 0.1
    sampling = (
        "defaults: &sampling\n  temperature: 0.7\n  top_p: 0.95\n  max_tokens: 2048\n\nsampling:\n  <<: *sampling\n"
        f"  temperature: {rng.uniform(0.2, 1.2):.2f}\n"
        if anchors
        else f"sampling:\n  temperature: {rng.uniform(0.2, 1.2):.2f}\n  top_p: {rng.uniform(0.8, 1):.2f}\n"
        f"  max_tokens: {rng.choice([512, 1024, 2048, 4096])}\n"
    )
    notes = textwrap.indent(textwrap.fill(" ".join(rng.choices(WORDS, k=rng.randrange(20, 60))), 70), "  ")
    tags = ", ".join(rng.sample(WORDS, 4))
    return f"""\
# RL environment {i:05d}: generated for the gate benchmark
name: env-{i:05d}
version: {rng.randrange(1, 9)}
owner: team-{rng.randrange(40):02d}
enabled: {rng.choice(["true", "false", "yes"])}
dataset:
  name: {rng.choice(WORDS)}-mix-{rng.randrange(100):02d}
  split: {rng.choice(["train", "train", "eval"])}
  shards: [{shards}]
  filters:
    min_length: {rng.randrange(1, 50)}
    max_length: {rng.choice([2048, 4096, 8192])}
    languages: [en, {rng.choice(["de", "fr", "ja", "es"])}]
{sampling}grader:
  model: grader-v{rng.randrange(1, 5)}
  inputs: [{", ".join(inputs)}]
  timeout_s: {rng.randrange(5, 120)}
  retries: {rng.randrange(0, 4)}
  rubric:
{rubric}
reward:
  clip: [-1.0, 1.0]
  shaping:
    length_penalty: {rng.uniform(0, 0.01):.4f}
    format_bonus: {rng.uniform(0, 0.2):.3f}
  normalize: {rng.choice(["true", "false"])}
schedule:
  warmup_steps: {rng.randrange(0, 2000)}
  total_steps: {rng.randrange(10_000, 200_000)}
  eval_every: {rng.choice([500, 1000, 2000])}
tags: [{tags}]
notes: |
{notes}
"""


def build_config(root: Path, scale: Scale) -> Workload:
    """rl/envs/gNN/env-NNNNN.yaml: `scale.configs` files; three of them leak 'reasoning' to the grader."""
    rng = _rng("config")
    repo = init_repo(root / "repo")
    leaky = set(rng.sample(range(scale.configs), 3))
    for i in range(scale.configs):
        path = repo / "rl" / "envs" / f"g{i % 50:02d}" / f"env-{i:05d}.yaml"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(_config_text(i, rng, i in leaky))
    commit_all(repo, "RL environments")
    cl = checklist(
        root / "checklist.yaml",
        "grader-configs-exclude-cot",
        "No RL grader receives the reasoning trace",
        """
        - kind: config
          files: "rl/envs/**/*.yaml"
          query: grader.inputs
          assert: {not_contains: reasoning}
        """,
    )
    script = root / "baseline_config.py"
    script.write_text(CONFIG_BASELINE)
    n = scale.configs
    summary = f"3 of {n} files: grader.inputs contains 'reasoning'"
    size = sum(p.stat().st_size for p in (repo / "rl").rglob("*.yaml"))
    data = f"{n} YAML files, {human(size)}"
    common = {"expect": Expect("FAIL", summary, 1), "data": data}
    baseline = [sys.executable, str(script), str(repo)]
    rows = [
        Row(key="config", title="config", gate=check_args(cl, repo), baseline=baseline, target=1.1, **common),  # type: ignore[arg-type]
        Row(
            key="config-warm",
            title="config re-run",
            gate=check_args(cl, repo),
            baseline=baseline,
            target=0.2,
            cache="warm",
            **common,  # type: ignore[arg-type]
        ),
    ]
    return Workload("config", root, rows, data)


# ---------------------------------------------------------------------------------------------------------------
# the demo and the command line


def build_demo(root: Path, scale: Scale, gate_exe: str) -> Workload:
    """`gate demo --keep DIR`, then the whole `gate check` of model-release.yaml on what it built."""
    title = "gate check (demo)"
    baseline = [sys.executable, "-c", "import pydantic, yaml"]
    demo = root / "demo"
    proc = subprocess.run(
        [gate_exe, "demo", "--keep", str(demo), "--color", "never"], capture_output=True, text=True, check=False
    )
    row = Row(key="demo", title=title, gate=[], baseline=baseline, target=5.0, expect=None)
    needed = [demo / "repo" / "checklists" / "model-release.yaml", demo / "artifacts", demo / "model"]
    if proc.returncode not in (0, 1) or not all(p.exists() for p in needed):
        said = (proc.stderr.strip().splitlines() or [f"exit {proc.returncode}"])[-1]
        row.skip = f"`gate demo --keep DIR` did not build the demo ({said[:120]})"
        return Workload("demo", root, [row], "")
    subjects = sorted(p for p in (demo / "model").iterdir() if p.is_file())
    row.gate = [
        *check_args(demo / "repo" / "checklists" / "model-release.yaml", demo / "repo", demo / "artifacts"),
        *(arg for s in subjects for arg in ("--subject", str(s))),
        "--stage",
        "pre-release",
        "--evidence-only",
    ]
    row.expect_exit = 0  # the demo after its fix passes
    row.data = "examples/rl-project after the fix"
    return Workload("demo", root, [row], row.data)


def build_help(root: Path, scale: Scale) -> Workload:
    row = Row(
        key="help",
        title="gate --help",
        gate=["--help"],
        baseline=[sys.executable, "-c", "import pydantic"],
        target=2.0,
        expect=None,
        expect_exit=0,
        data="",
    )
    return Workload("help", root, [row], "")


BUILDERS: dict[str, Callable[[Path, Scale], Workload]] = {
    "trailers": build_trailers,
    "signed": build_signed,
    "canary": build_canary,
    "junit": build_junit,
    "code": build_code,
    "config": build_config,
    "help": build_help,
}
"""Every workload but the demo, which needs the `gate` program (see build_demo)."""
