"""A small version of every benchmark workload (bench/workloads.py): gate gives the expected result, and each
baseline command runs on the same data and agrees where it counts. Results only, never times (STYLE "Tests")."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from bench import workloads
from bench.workloads import SMOKE, Row
from gate import cli


@pytest.fixture(autouse=True)
def own_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    """The isolated XDG cache folder, whatever the developer's shell sets."""
    monkeypatch.delenv("GATE_CACHE_DIR", raising=False)
    monkeypatch.delenv("GATE_NO_CACHE", raising=False)


def check(row: Row, folder: Path) -> dict[str, object]:
    """Run the row's `gate check` in-process and assert the workload's expected result; returns the report."""
    out = folder / f"{row.key}.json"
    code = cli.main([*row.gate, "--format", f"json={out}"])
    assert row.expect is not None
    assert code == row.expect.exit_code
    report: dict[str, object] = json.loads(out.read_text())
    assert row.expect.problems(report) == []
    return report


def baseline(row: Row) -> str:
    """The baseline's stdout (it must run and exit as expected)."""
    assert row.baseline is not None
    env = {**os.environ, **row.baseline_env}
    proc = subprocess.run(row.baseline, cwd=row.cwd, env=env, capture_output=True, text=True, check=False)
    assert proc.returncode in row.baseline_ok, proc.stderr
    return proc.stdout


def build(name: str, tmp_path: Path) -> workloads.Workload:
    return workloads.BUILDERS[name](tmp_path / name, SMOKE)


def test_trailers_workload(tmp_path: Path) -> None:
    (row,) = build("trailers", tmp_path).rows
    check(row, tmp_path)
    # The baseline lists the same commits gate counted.
    assert len(baseline(row).splitlines()) == SMOKE.touching


def test_signed_workload_agrees_with_git(tmp_path: Path) -> None:
    (row,) = build("signed", tmp_path).rows
    report = check(row, tmp_path)
    letters = dict(line.split() for line in baseline(row).splitlines())
    assert len(letters) == SMOKE.signed
    assert sorted(letters.values()).count("G") == SMOKE.signed - 3
    observations = report["items"][0]["evidence"][0]["observations"]  # type: ignore[index]
    flagged = {o["commit"] for o in observations}
    assert flagged == {sha for sha, letter in letters.items() if letter != "G"}


def test_canary_workloads(tmp_path: Path) -> None:
    plain, gz = build("canary", tmp_path).rows
    check(plain, tmp_path)
    check(gz, tmp_path)
    baseline(gz)
    if shutil.which("rg"):
        assert baseline(plain) == ""  # rg -c prints nothing when no canary is present


def test_junit_workload(tmp_path: Path) -> None:
    (row,) = build("junit", tmp_path).rows
    check(row, tmp_path)
    cases, failures = map(int, baseline(row).split())
    assert (cases, failures) == (SMOKE.junit_cases, max(1, SMOKE.junit_cases // 5400))
    assert row.idle is not None
    assert cli.main([*row.idle, "--format", f"json={tmp_path / 'idle.json'}"]) == 0


def test_code_imports_workload_and_its_rerun(tmp_path: Path) -> None:
    cold, warm = build("code", tmp_path).rows
    check(cold, tmp_path)
    packs = list((Path(os.environ["XDG_CACHE_HOME"]) / "gate").rglob("*.pack"))
    assert packs, "the first run cached the import records"
    check(warm, tmp_path)
    assert "Contracts: 1 kept, 0 broken." in baseline(cold)


def test_config_workload_and_its_rerun(tmp_path: Path) -> None:
    cold, warm = build("config", tmp_path).rows
    first = check(cold, tmp_path)
    second = check(warm, tmp_path)
    assert first["items"] == second["items"]  # the cached documents give the same findings, at the same places
    assert int(baseline(cold)) == SMOKE.configs


def test_help_row(tmp_path: Path) -> None:
    (row,) = build("help", tmp_path).rows
    assert cli.main(row.gate) == 0
