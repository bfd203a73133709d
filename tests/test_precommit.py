""".pre-commit-hooks.yaml: gate's hooks run through pre-commit itself in a repository in tmp.

Users get the hooks with `language: python` (pre-commit installs gate from its repository, which needs the
network); here each hook of the manifest runs as a `repo: local` hook with `language: system`, the same entry,
files and stages, and the `gate` of this environment on PATH. No network.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.builders import GitRepo

ROOT = Path(__file__).resolve().parent.parent
HOOKS: list[dict[str, Any]] = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
BIN = Path(sys.executable).parent
PRE_COMMIT = shutil.which("pre-commit", path=str(BIN)) or shutil.which("pre-commit")

needs_pre_commit = pytest.mark.skipif(
    PRE_COMMIT is None or shutil.which("gate", path=str(BIN)) is None,
    reason="pre-commit is not installed in this environment (requirements/dev.txt pins it: run `make test`)",
)

CHECKLIST = """\
id: mini
version: 1
title: Mini gate
owner: safety-lead
release_role: safety-lead
roles:
  safety-lead: {description: Owns CoT isolation}
items:
  - id: grader-configs-exclude-cot
    title: No grader receives the reasoning trace
    evidence:
      - {kind: config, files: "rl/envs/*.yaml", query: grader.inputs, assert: {not_contains: reasoning}}
"""
CLEAN = "grader:\n  inputs: [prompt, answer]\n"
LEAKY = "grader:\n  inputs: [prompt, reasoning]\n"


def test_the_manifest_offers_both_hooks_for_users() -> None:
    by_id = {h["id"]: h for h in HOOKS}
    assert set(by_id) == {"gate-lint", "gate-check-evidence-only"}
    assert all(h["language"] == "python" for h in HOOKS)
    assert by_id["gate-lint"]["entry"] == "gate lint"
    assert by_id["gate-check-evidence-only"]["entry"] == "gate check --evidence-only"
    assert by_id["gate-check-evidence-only"]["pass_filenames"] is False
    # Git evidence reads commits and a staged change to an evidence file is ERROR: the check runs before a push.
    assert by_id["gate-check-evidence-only"]["stages"] == ["pre-push"]


def local_config() -> str:
    """The manifest's hooks as local hooks with language: system (what differs for users is only the install)."""
    hooks = []
    for hook in HOOKS:
        local = {k: v for k, v in hook.items() if k not in ("description", "minimum_pre_commit_version")}
        local["language"] = "system"
        hooks.append(local)
    return yaml.safe_dump({"repos": [{"repo": "local", "hooks": hooks}]}, sort_keys=False)


def pre_commit(repo: GitRepo, *args: str) -> subprocess.CompletedProcess[str]:
    assert PRE_COMMIT is not None
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}", "PRE_COMMIT_COLOR": "never"}
    env.pop("PRE_COMMIT", None)
    return subprocess.run(
        [PRE_COMMIT, "run", *args], cwd=repo.path, env=env, capture_output=True, text=True, check=False, timeout=120
    )


@pytest.fixture
def project(git_repo) -> GitRepo:  # type: ignore[no-untyped-def]
    repo: GitRepo = git_repo("project")
    repo.commit(
        {
            ".pre-commit-config.yaml": local_config(),
            "gate.toml": 'checklist = "checklists/mini.yaml"\n',
            "checklists/mini.yaml": CHECKLIST,
            "checklists/examples/broken/not-a-checklist.yaml": "just: a fixture\n",
            "rl/envs/math.yaml": CLEAN,
        },
        "init",
    )
    return repo


@needs_pre_commit
def test_gate_lint_hook_passes_on_valid_checklists_and_fails_with_file_line_col(project: GitRepo) -> None:
    proc = pre_commit(project, "gate-lint", "--all-files")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "gate lint" in proc.stdout and "Passed" in proc.stdout  # examples/ folders are not linted

    project.commit({"checklists/mini.yaml": CHECKLIST.replace("kind: config", "kind: conifg")}, "typo")
    proc = pre_commit(project, "gate-lint", "--all-files")
    assert proc.returncode == 1
    assert "Failed" in proc.stdout
    assert "checklists/mini.yaml:12:16: items[0].evidence[0].kind: unknown kind 'conifg'" in proc.stdout


@needs_pre_commit
def test_gate_lint_hook_skips_when_no_checklist_changed(project: GitRepo) -> None:
    (project.path / "README.md").write_text("hello\n")
    project.repo.index.add(["README.md"])
    proc = pre_commit(project, "gate-lint")
    assert proc.returncode == 0
    assert "(no files to check)Skipped" in proc.stdout


@needs_pre_commit
def test_evidence_only_hook_checks_the_configured_checklist_before_a_push(project: GitRepo) -> None:
    proc = pre_commit(project, "gate-check-evidence-only", "--all-files")
    assert "No hook with id `gate-check-evidence-only` in stage `pre-commit`" in proc.stdout + proc.stderr
    proc = pre_commit(project, "gate-check-evidence-only", "--hook-stage", "pre-push", "--all-files")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "gate check --evidence-only" in proc.stdout and "Passed" in proc.stdout

    project.commit({"rl/envs/math.yaml": LEAKY}, "leak")
    proc = pre_commit(project, "gate-check-evidence-only", "--hook-stage", "pre-push", "--all-files")
    assert proc.returncode == 1
    assert "rl/envs/math.yaml:2:20: grader.inputs contains 'reasoning'" in proc.stdout
    assert "BLOCKED: 1 of 1 items fail" in proc.stdout
