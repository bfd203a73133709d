"""Regenerate the example's committed CI artifacts: artifacts/test-results/junit.xml and artifacts/lint/ruff.sarif.

Run with the dev venv (it needs gate, pytest, pyyaml and ruff):

    .venv/bin/python examples/rl-project/make_artifacts.py

It builds the example repository from history.yaml (gate.history, as `gate demo` does) in a temporary folder,
runs the example's own tests there with `python -m pytest --junitxml=...` and `ruff check --output-format
sarif`, and writes both reports with what varies from run to run made fixed (temporary paths made relative,
timestamps, durations and host name), so a rerun with the same tools gives the same files. It then applies
fix.yaml on top and checks that the fixed repository gives the same test ids, outcomes and lint results: the
demo re-records these artifacts for the fixed release commit, which is only honest if they would not change.
tests/test_demo.py checks the committed files against `produce()`.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
JUNIT = "test-results/junit.xml"
SARIF = "lint/ruff.sarif"
FIXED_TIMESTAMP = "2026-04-20T09:00:00.000000+00:00"


def _run(argv: list[str], cwd: Path, ok: tuple[int, ...] = (0,)) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "RUFF_"))}
    # The dev venv's pytest plugins (asyncio, snapshots, hypothesis) are not the example's: keep them out.
    env.update({"PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1", "PYTHONDONTWRITEBYTECODE": "1", "PYTHONHASHSEED": "0"})
    proc = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True, check=False)
    if proc.returncode not in ok:
        raise SystemExit(f"{' '.join(argv[:4])} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}")
    return proc


def _junit(repo: Path, out: Path) -> bytes:
    _run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", f"--junitxml={out}"], repo)
    tree = ET.parse(out)  # our own pytest's output: trusted
    for suite in tree.iter("testsuite"):
        suite.set("timestamp", FIXED_TIMESTAMP)
        suite.set("hostname", "ci")
        suite.set("time", "0.000")
    for case in tree.iter("testcase"):
        case.set("time", "0.000")
    text = ET.tostring(tree.getroot(), encoding="unicode")
    text = text.replace(str(repo) + os.sep, "").replace(str(repo), ".")
    return ('<?xml version="1.0" encoding="utf-8"?>\n' + text + "\n").encode()


def _sarif(repo: Path) -> bytes:
    # ruff exits 1 when it finds something; the report is the artifact either way.
    proc = _run([sys.executable, "-m", "ruff", "check", "--no-cache", "--output-format", "sarif", "."], repo, (0, 1))
    doc = json.loads(proc.stdout)
    text = json.dumps(doc, indent=2, sort_keys=True)
    prefix = repo.resolve().as_uri() + "/"
    text = text.replace(prefix, "").replace(str(repo.resolve()) + os.sep, "")
    return (text + "\n").encode()


def produce(workdir: Path, *, fixed: bool = False) -> dict[str, bytes]:
    """Build the example (with fix.yaml on top when fixed) in workdir/repo; returns artifact path -> content."""
    from gate import demo

    repo = workdir / "repo"
    labels = demo.build_history(repo)
    if fixed:
        # fix.yaml commits .gate/signers.yaml, whose keys `gate demo` makes at run time; the tests and ruff never
        # read it, so a stand-in does here.
        stand_in = {demo.SIGNERS_PATH: "# stand-in: make_artifacts.py signs nothing\n"}
        demo.build_history(repo, "fix.yaml", labels=labels, files=stand_in)
    return {JUNIT: _junit(repo, workdir / "junit.xml"), SARIF: _sarif(repo)}


def structure(files: dict[str, bytes]) -> dict[str, Any]:
    """What must not change: test ids with their outcomes, and lint results (rule, file, line)."""
    cases: dict[str, str] = {}
    for case in ET.fromstring(files[JUNIT]).iter("testcase"):
        outcome = next((child.tag for child in case if child.tag in ("failure", "error", "skipped")), "passed")
        cases[f"{case.get('classname')}::{case.get('name')}"] = outcome
    results = []
    for run in json.loads(files[SARIF])["runs"]:
        tool = run["tool"]["driver"]["name"]
        for result in run.get("results", []):
            location = result.get("locations", [{}])[0].get("physicalLocation", {})
            uri = location.get("artifactLocation", {}).get("uri")
            line = location.get("region", {}).get("startLine")
            results.append([tool, result.get("ruleId"), result.get("level"), uri, line])
    tools = sorted(run["tool"]["driver"]["name"] for run in json.loads(files[SARIF])["runs"])
    return {"tests": dict(sorted(cases.items())), "lint": sorted(results), "tools": tools}


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="rl-project-ci-") as tmp:
        before = produce(Path(tmp) / "before")
        after = produce(Path(tmp) / "after", fixed=True)
    if structure(before) != structure(after):
        print("the fixed repository gives other test or lint results than history.yaml's:", file=sys.stderr)
        print(json.dumps({"before": structure(before), "after": structure(after)}, indent=2), file=sys.stderr)
        return 1
    failed = {k: v for k, v in structure(before)["tests"].items() if v != "passed"}
    if failed:
        print(f"the example's tests must pass in CI: {failed}", file=sys.stderr)
        return 1
    for rel, data in before.items():
        path = HERE / "artifacts" / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        print(f"wrote {path.relative_to(HERE)} ({len(data)} bytes)")
    summary = structure(before)
    isolation = [t for t in summary["tests"] if re.match(r"tests\.test_isolation::", t)]
    print(f"{len(summary['tests'])} tests ({len(isolation)} isolation tests), {len(summary['lint'])} lint results")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
