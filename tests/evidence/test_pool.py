"""Parse workers: the same results as parsing in this process, and a failing worker costs time, never results."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from gate.engine import run_collector
from gate.evidence import pool, yamldoc
from gate.model import ConfigSpec
from tests.builders import GitRepo, context

DOCS = [
    ("a.yaml", "grader:\n  inputs: [prompt, reasoning]\n"),
    ("b.yaml", "grader: {inputs: [prompt]}\nlimits: {max: 3, ratio: 0.5, on: yes, none: ~}\n"),
    ("bad.yaml", "grader:\n  inputs: [prompt\n"),
    ("alias.yaml", "base: &b {x: 1}\nother: *b\n"),
    ("ctrl.yaml", "x: \x07\n"),
]


@pytest.fixture
def two_workers(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(pool.ENV_WORKERS, "2")
    monkeypatch.setattr(pool, "MIN_BYTES_PER_WORKER", 1)


def local() -> list[Any]:
    return [yamldoc.parse_wire(item) for item in DOCS]


def test_workers_give_what_this_process_gives(two_workers: None, monkeypatch: pytest.MonkeyPatch) -> None:
    started: list[list[str]] = []
    real_popen = subprocess.Popen

    def popen(*args: Any, **kwargs: Any) -> Any:
        started.append(list(args[0]))
        return real_popen(*args, **kwargs)

    monkeypatch.setattr(subprocess, "Popen", popen)
    got = pool.parse_all("yaml", DOCS, [len(text) for _, text in DOCS])
    assert got == local()
    assert len(started) == 2 and all(argv[0] == sys.executable for argv in started)
    assert got[0] == (0, {"grader": {"inputs": ["prompt", "reasoning"]}})
    assert got[2][0] == 1 and got[2][2:4] == (3, 1)  # unreadable at line 3, col 1


def test_a_failing_worker_costs_its_share_being_parsed_here(two_workers: None, monkeypatch: pytest.MonkeyPatch) -> None:
    # A worker that exits non-zero, one that cannot start, one that writes garbage: the results are unchanged.
    for broken in (["false"], ["/nonexistent/python"], [sys.executable, "-c", "print('garbage')"]):
        monkeypatch.setattr(pool, "_BOOT", "")
        monkeypatch.setattr(sys, "executable", broken[0])
        if len(broken) > 1:
            monkeypatch.setattr(pool, "_BOOT", broken[2])
        assert pool.parse_all("yaml", DOCS, [len(text) for _, text in DOCS]) == local()


def test_workers_off_and_small_inputs_stay_in_this_process(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(pool.ENV_WORKERS, "0")
    assert pool.workers_for(1 << 30) == 0
    monkeypatch.setenv(pool.ENV_WORKERS, "2")
    assert pool.workers_for(pool.MIN_BYTES_PER_WORKER - 1) == 0
    assert pool.workers_for(10 * pool.MIN_BYTES_PER_WORKER) == 2


def test_shares_are_contiguous_and_cover_every_item() -> None:
    items = list(range(10))
    shares = pool._split(items, [1] * 10, 3)
    assert [x for share in shares for x in share] == items
    assert [len(share) for share in shares] == [4, 3, 3]


def config_evidence(repo: GitRepo) -> Any:
    raw = {
        "kind": "config",
        "files": "rl/envs/*.yaml",
        "query": "grader.inputs",
        "assert": {"not_contains": "reasoning"},
    }
    return run_collector(ConfigSpec.model_validate(raw), context(repo))


def test_config_evidence_is_the_same_with_workers(git_repo, monkeypatch: pytest.MonkeyPatch) -> None:
    repo = git_repo()
    files = {f"rl/envs/{i:02d}-{name}": text for i in range(4) for name, text in DOCS}
    repo.commit(files, "configs")
    monkeypatch.setenv("GATE_NO_CACHE", "1")
    monkeypatch.setenv(pool.ENV_WORKERS, "0")
    alone = config_evidence(repo)
    monkeypatch.setenv(pool.ENV_WORKERS, "3")
    monkeypatch.setattr(pool, "MIN_BYTES_PER_WORKER", 1)
    assert config_evidence(repo) == alone
    assert alone.status == "ERROR"  # the unreadable files, named with their line:col
    assert ("rl/envs/00-bad.yaml", 3, 1) in [(o.path, o.line, o.col) for o in alone.observations]


def test_workers_never_import_from_the_repository_being_checked(
    git_repo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # `python -c` puts the current folder first on sys.path: a committed yaml.py in the repository (the usual
    # current folder of `gate check`) must not run in a worker, nor change what it parses.
    marker = tmp_path / "ran"
    repo = git_repo()
    files = {f"rl/envs/{i:02d}-{name}": text for i in range(4) for name, text in DOCS}
    files["yaml.py"] = f"open({str(marker)!r}, 'w').close()\nraise ImportError('not PyYAML')\n"
    repo.commit(files, "configs and a yaml.py")
    monkeypatch.chdir(repo.path)
    monkeypatch.setenv("GATE_NO_CACHE", "1")
    monkeypatch.setenv(pool.ENV_WORKERS, "0")
    alone = config_evidence(repo)
    monkeypatch.setenv(pool.ENV_WORKERS, "2")
    monkeypatch.setattr(pool, "MIN_BYTES_PER_WORKER", 1)
    started: list[int] = []
    real_start = pool._start

    def start(parser: str, share: list[Any]) -> Any:
        worker = real_start(parser, share)
        started.append(worker.process.pid if worker.process else 0)
        return worker

    monkeypatch.setattr(pool, "_start", start)
    assert config_evidence(repo) == alone
    assert started and all(started)
    assert not marker.exists()
