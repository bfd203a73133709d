"""The Python API a training launcher calls: a Report or an exception, never a print; the progress callback."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from gate import api
from gate.cli import main
from gate.errors import GateError
from gate.results import Verdict
from tests.builders import GitRepo

CHECKLIST = """\
id: launch
version: 1
title: Before training
owner: safety-lead
release_role: safety-lead
stages: [pre-training, pre-release]
roles:
  safety-lead: {description: Owns CoT isolation}
items:
  - id: grader-configs-exclude-cot
    title: No grader receives the reasoning trace
    stages: [pre-training]
    evidence:
      - {kind: config, files: "rl/envs/*.yaml", query: grader.inputs, assert: {not_contains: reasoning}}
  - id: reward-imports
    title: Reward code does not import the CoT
    stages: [pre-training]
    evidence:
      - {kind: code.imports, source: [rl.reward], forbidden: [rl.cot]}
    signoff:
      - {role: safety-lead}
  - id: isolation-tests
    title: Isolation tests ran
    stages: [pre-release]
    evidence:
      - {kind: junit, files: "results/*.xml"}
"""
CLEAN = "grader:\n  inputs: [prompt, answer]\n"
LEAKY = "grader:\n  inputs: [prompt, reasoning]\n"


def project(git_repo, env: str = CLEAN) -> GitRepo:  # type: ignore[no-untyped-def]
    repo: GitRepo = git_repo("project")
    repo.commit(
        {
            "gate.toml": 'checklist = "gates/launch.yaml"\n',
            "gates/launch.yaml": CHECKLIST,
            "rl/envs/math.yaml": env,
            "rl/__init__.py": "",
            "rl/reward/__init__.py": "from rl import utils\n",
            "rl/utils.py": "",
            "rl/cot/__init__.py": "",
        },
        "init",
    )
    return repo


def test_a_launcher_gets_a_report_and_nothing_is_printed(git_repo, capsys) -> None:
    repo = project(git_repo)
    report = api.check_or_raise(repo=repo.path, stage="pre-training", evidence_only=True)
    assert report.verdict is Verdict.PASSED
    assert [i.id for i in report.items] == ["grader-configs-exclude-cot", "reward-imports"]
    assert capsys.readouterr() == ("", "")


def test_a_blocked_gate_raises_with_the_whole_report_and_prints_nothing(git_repo, capsys) -> None:
    repo = project(git_repo, env=LEAKY)
    with pytest.raises(api.GateBlocked) as info:
        api.check_or_raise(repo=repo.path, stage="pre-training", evidence_only=True)
    assert capsys.readouterr() == ("", "")
    blocked = info.value
    assert str(blocked) == "checklist launch v1: blocked by 1 item: grader-configs-exclude-cot"
    assert blocked.exit_code == 1
    assert blocked.report.verdict is Verdict.BLOCKED
    (obs,) = [o for e in blocked.report.blocking[0].evidence for o in e.observations if o.failing]
    assert obs.where == "rl/envs/math.yaml:2:20"
    # check() itself returns the blocked report: the caller decides
    assert api.check(repo=repo.path, stage="pre-training", evidence_only=True).verdict is Verdict.BLOCKED
    assert capsys.readouterr() == ("", "")


def test_pending_signoffs_raise_unless_allowed(git_repo, capsys) -> None:
    repo = project(git_repo)
    repo.commit({".gate/signers.yaml": signers_file()}, "signers")
    with pytest.raises(api.GateBlocked) as info:
        api.check_or_raise(repo=repo.path, stage="pre-training", release="r1")
    assert (str(info.value), info.value.exit_code) == ("checklist launch v1: awaiting sign-off", 4)
    report = api.check_or_raise(repo=repo.path, stage="pre-training", release="r1", allow_pending=True)
    assert report.verdict is Verdict.PENDING
    assert capsys.readouterr() == ("", "")


def signers_file() -> str:
    key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIEMH8AnkNufM93+A70oeeJSnkvif+kgQci9WpCnWNrZ3"
    return (
        "version: 1\nsigners:\n  alice:\n    name: Alice\n    emails: [alice@example.com]\n"
        f"    roles: [safety-lead]\n    keys:\n      - key: {key}\n"
    )


def test_bad_input_is_a_gate_error_never_a_print(git_repo, tmp_path: Path, capsys) -> None:
    repo = project(git_repo)
    with pytest.raises(GateError, match="unknown stage 'training'"):
        api.check_or_raise(repo=repo.path, stage="training", evidence_only=True)
    with pytest.raises(GateError, match="no checklist given"):
        api.check(repo=tmp_path)
    with pytest.raises(api.SignoffRequiredError):
        api.check(repo=repo.path, stage="pre-training")
    assert capsys.readouterr() == ("", "")


def test_progress_is_called_once_per_evidence_entry(git_repo) -> None:
    repo = project(git_repo)
    lines: list[str] = []
    api.check(repo=repo.path, stage="pre-training", evidence_only=True, progress=lines.append)
    assert [line.split(" ", 1)[0] for line in lines] == ["1/2", "2/2"]
    assert {line.split(" ", 1)[1] for line in lines} == {
        "grader-configs-exclude-cot: config",
        "reward-imports: code.imports",
    }


class FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_gate_check_shows_progress_on_a_terminal_stderr_only(git_repo, capsys, monkeypatch) -> None:
    repo = project(git_repo)
    monkeypatch.chdir(repo.path)
    assert main(["check", "--evidence-only", "--stage", "pre-training"]) == 0
    out, err = capsys.readouterr()
    assert "collecting evidence" not in out + err  # not a terminal: no progress at all
    terminal = FakeTerminal()
    monkeypatch.setattr("sys.stderr", terminal)
    assert main(["check", "--evidence-only", "--stage", "pre-training", "--format", "json"]) == 0
    out, _ = capsys.readouterr()
    assert out.startswith("{") and "collecting evidence" not in out
    assert "gate: collecting evidence" in terminal.getvalue()
