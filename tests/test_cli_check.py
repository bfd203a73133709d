"""`gate check` and `gate artifacts record` end to end, in-process, on real repositories in tmp."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from pathlib import Path

from gate.cli import main
from tests.builders import GitRepo, make_artifacts

CHECKLIST = """\
id: mini
version: 1
title: Mini gate
owner: safety-lead
release_role: release-manager
stages: [pre-training, pre-release]
roles:
  safety-lead: {description: Owns CoT isolation}
  release-manager: {description: Ships the model}
items:
  - id: grader-configs-exclude-cot
    title: No grader receives the reasoning trace
    stages: [pre-training, pre-release]
    evidence:
      - kind: config
        files: "rl/envs/*.yaml"
        query: grader.inputs
        assert: {not_contains: reasoning}
  - id: isolation-tests-passed
    title: The isolation tests passed
    stages: [pre-release]
    severity: major
    evidence:
      - kind: junit
        files: "results/*.xml"
        select: {classname: ["tests.test_isolation"]}
"""
JUNIT_OK = (
    '<testsuite name="pytest"><testcase classname="tests.test_isolation" name="test_grader_never_sees_cot"/>'
    "</testsuite>"
)
CLEAN_ENV = "grader:\n  inputs: [prompt, answer]\n"
LEAKY_ENV = "grader:\n  inputs: [prompt, answer, reasoning]\n"


def make_project(git_repo, tmp_path: Path, *, env: str = CLEAN_ENV, junit: str = JUNIT_OK) -> tuple[GitRepo, Path]:
    repo = git_repo("project")
    repo.commit({"gate/mini.yaml": CHECKLIST, "rl/envs/math.yaml": env, "rl/envs/code.yaml": CLEAN_ENV}, "init")
    arts = make_artifacts(tmp_path / "ci-out", {"results/junit.xml": junit}, commit=repo.head)
    return repo, arts


def run_check(repo: GitRepo, arts: Path, *extra: str) -> int:
    return main(
        [
            "check",
            "--checklist",
            str(repo.path / "gate/mini.yaml"),
            "--repo",
            str(repo.path),
            "--artifacts",
            str(arts),
            *list(extra),
        ]
    )


def test_check_passes_without_escape_codes(git_repo, tmp_path, capsys) -> None:
    repo, arts = make_project(git_repo, tmp_path)
    assert run_check(repo, arts, "--color", "never") == 0
    out, err = capsys.readouterr()
    assert "PASS   grader-configs-exclude-cot [blocker]" in out
    assert "note:" not in out  # no item needs sign-off, so nothing was left unchecked
    assert out.rstrip().splitlines()[-1].startswith("PASSED: 2 of 2 items pass")
    assert "\x1b[" not in out
    assert err == ""


def test_check_blocks_and_names_file_line_col(git_repo, tmp_path, capsys) -> None:
    repo, arts = make_project(git_repo, tmp_path, env=LEAKY_ENV)
    assert run_check(repo, arts, "--evidence-only") == 1
    out, _ = capsys.readouterr()
    assert "FAIL   grader-configs-exclude-cot [blocker]" in out
    assert "  rl/envs/math.yaml:2:28: grader.inputs contains 'reasoning'" in out
    assert "BLOCKED: 1 of 2 items fail" in out


def test_stage_selects_items(git_repo, tmp_path, capsys) -> None:
    repo, arts = make_project(git_repo, tmp_path)
    assert run_check(repo, arts, "--evidence-only", "--stage", "pre-training", "--format", "json") == 0
    report = json.loads(capsys.readouterr().out)
    assert [i["id"] for i in report["items"]] == ["grader-configs-exclude-cot"]
    assert list(report)[:2] == ["schema_version", "gate_version"]
    assert report["stage"] == "pre-training"


def test_unknown_stage_is_exit_2(git_repo, tmp_path, capsys) -> None:
    repo, arts = make_project(git_repo, tmp_path)
    assert run_check(repo, arts, "--evidence-only", "--stage", "pre-lunch") == 2
    err = capsys.readouterr().err
    assert "unknown stage 'pre-lunch'" in err
    assert "hint: declared stages: pre-training, pre-release" in err


def test_signoff_items_need_a_release_or_evidence_only(git_repo, tmp_path, capsys) -> None:
    repo = git_repo("project")
    text = CHECKLIST.replace(
        "        assert: {not_contains: reasoning}\n",
        "        assert: {not_contains: reasoning}\n    signoff:\n      - {role: safety-lead}\n",
    )
    repo.commit({"gate/mini.yaml": text, "rl/envs/math.yaml": CLEAN_ENV}, "init")
    arts = make_artifacts(tmp_path / "ci-out", {"results/junit.xml": JUNIT_OK}, commit=repo.head)
    assert run_check(repo, arts) == 2
    err = capsys.readouterr().err
    assert "1 selected item(s) need sign-off (grader-configs-exclude-cot); sign-offs are bound to a release" in err
    assert "hint: pass --release ID to check the sign-offs, or --evidence-only" in err
    assert run_check(repo, arts, "--evidence-only") == 0
    assert "note: sign-offs were not checked (--evidence-only)" in capsys.readouterr().out


def test_every_format_from_one_evaluation(git_repo, tmp_path, capsys) -> None:
    repo, arts = make_project(git_repo, tmp_path, env=LEAKY_ENV)
    out_dir = tmp_path / "reports"
    out_dir.mkdir()
    args = ["--evidence-only"]
    for fmt, name in [("json", "r.json"), ("junit", "r.xml"), ("sarif", "r.sarif"), ("markdown", "r.md")]:
        args += ["--format", f"{fmt}={out_dir / name}"]
    assert run_check(repo, arts, *args) == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert err.count("gate: wrote ") == 4
    report = json.loads((out_dir / "r.json").read_text())
    assert report["verdict"] == "blocked"
    suite = ET.parse(out_dir / "r.xml").getroot()
    assert suite.find(".//failure") is not None
    sarif = json.loads((out_dir / "r.sarif").read_text())
    assert sarif["version"] == "2.1.0"
    assert sarif["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]["startLine"] == 2
    assert "grader-configs-exclude-cot" in (out_dir / "r.md").read_text()


def test_two_formats_on_stdout_is_a_usage_error(git_repo, tmp_path, capsys) -> None:
    repo, arts = make_project(git_repo, tmp_path)
    assert run_check(repo, arts, "--evidence-only", "--format", "json", "--format", "sarif") == 2
    assert "2 formats write to stdout (json, sarif)" in capsys.readouterr().err


def test_unknown_format_is_a_usage_error(git_repo, tmp_path, capsys) -> None:
    repo, arts = make_project(git_repo, tmp_path)
    assert run_check(repo, arts, "--evidence-only", "--format", "yaml") == 2
    assert "unknown format 'yaml'" in capsys.readouterr().err


def test_missing_manifest_is_error_and_no_manifest_says_so(git_repo, tmp_path, capsys) -> None:
    repo = git_repo("project")
    repo.commit({"gate/mini.yaml": CHECKLIST, "rl/envs/math.yaml": CLEAN_ENV}, "init")
    arts = make_artifacts(tmp_path / "ci-out", {"results/junit.xml": JUNIT_OK}, commit=None)
    assert run_check(repo, arts, "--evidence-only") == 1
    assert "no gate-artifacts.json in the artifacts folder" in capsys.readouterr().out
    assert run_check(repo, arts, "--evidence-only", "--no-manifest") == 0
    assert "artifacts were not checked against gate-artifacts.json (--no-manifest)" in capsys.readouterr().out


def test_artifacts_from_an_older_commit_are_stale(git_repo, tmp_path, capsys) -> None:
    repo, arts = make_project(git_repo, tmp_path)
    repo.commit({"rl/envs/code.yaml": CLEAN_ENV.replace("prompt", "question")}, "newer")
    assert run_check(repo, arts, "--evidence-only") == 1
    assert "stale artifacts: gate-artifacts.json records commit" in capsys.readouterr().out


def test_signoff_commits_do_not_move_the_release_commit(git_repo, tmp_path, capsys) -> None:
    repo, arts = make_project(git_repo, tmp_path)
    repo.commit({".gate/signoffs/r1/abc.json": "{}\n"}, "sign-off")
    assert run_check(repo, arts, "--evidence-only") == 0


def test_dirty_checklist_is_refused(git_repo, tmp_path, capsys) -> None:
    repo, arts = make_project(git_repo, tmp_path)
    repo.write({"gate/mini.yaml": CHECKLIST.replace("Mini gate", "Mini gate, edited")})
    assert run_check(repo, arts, "--evidence-only") == 2
    err = capsys.readouterr().err
    assert "checklist gate/mini.yaml differs from the release commit" in err


def test_release_ref_that_does_not_resolve_is_exit_2(git_repo, tmp_path, capsys) -> None:
    repo, arts = make_project(git_repo, tmp_path)
    assert run_check(repo, arts, "--evidence-only", "--release-ref", "v9.9") == 2
    assert "'v9.9' does not name a commit" in capsys.readouterr().err


def test_invalid_release_id_is_exit_2(git_repo, tmp_path, capsys) -> None:
    repo, arts = make_project(git_repo, tmp_path)
    assert run_check(repo, arts, "--evidence-only", "--release", "../etc") == 2
    assert "invalid release id '../etc'" in capsys.readouterr().err


def test_github_actions_annotations_and_step_summary(git_repo, tmp_path, capsys, monkeypatch) -> None:
    repo, arts = make_project(git_repo, tmp_path, env=LEAKY_ENV)
    summary = tmp_path / "summary.md"
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    assert run_check(repo, arts, "--evidence-only", "--format", "json") == 1
    out, err = capsys.readouterr()
    json.loads(out)  # stdout stays machine-readable
    assert "::error file=rl/envs/math.yaml,line=2,col=28" in err
    assert "grader-configs-exclude-cot" in summary.read_text()


def test_artifacts_record_writes_the_manifest(git_repo, tmp_path, capsys) -> None:
    repo = git_repo("project")
    sha = repo.commit({"a.txt": "1"}, "init")
    arts = tmp_path / "out"
    (arts / "sub").mkdir(parents=True)
    (arts / "sub" / "r.xml").write_text("<testsuite/>")
    assert main(["artifacts", "record", "--artifacts", str(arts), "--repo", str(repo.path)]) == 0
    manifest = json.loads((arts / "gate-artifacts.json").read_text())
    assert manifest["commit"] == sha
    assert list(manifest["artifacts"]) == ["sub/r.xml"]
    assert f"recorded 1 artifact for commit {sha[:12]}" in capsys.readouterr().err


def test_artifacts_record_refuses_symlinks(git_repo, tmp_path, capsys) -> None:
    repo = git_repo("project")
    repo.commit({"a.txt": "1"}, "init")
    arts = tmp_path / "out"
    arts.mkdir()
    os.symlink("/etc/passwd", arts / "passwd")
    assert main(["artifacts", "record", "--artifacts", str(arts), "--repo", str(repo.path)]) == 2
    assert "passwd is a symlink" in capsys.readouterr().err


def test_check_outside_a_repository_is_error_not_pass(tmp_path, capsys, monkeypatch) -> None:
    (tmp_path / "mini.yaml").write_text(CHECKLIST)
    monkeypatch.chdir(tmp_path)
    assert main(["check", "--checklist", "mini.yaml", "--evidence-only", "--stage", "pre-training"]) == 1
    assert "is not inside a git work tree" in capsys.readouterr().out


def test_bad_inputs_never_show_a_traceback(git_repo, tmp_path) -> None:
    """One subprocess per bad invocation: exit 2 and one line, never a traceback."""
    repo, arts = make_project(git_repo, tmp_path)
    bad = tmp_path / "bad.yaml"
    bad.write_text("id: [unclosed\n")
    cases = [
        ["check"],
        ["check", "--checklist", str(bad), "--evidence-only"],
        ["check", "--checklist", str(tmp_path / "missing.yaml"), "--evidence-only"],
        ["check", "--checklist", str(repo.path / "gate/mini.yaml"), "--repo", str(repo.path), "--format", "x"],
        [
            "check",
            "--checklist",
            str(repo.path / "gate/mini.yaml"),
            "--repo",
            str(repo.path),
            "--stage",
            "x",
            "--evidence-only",
        ],
        ["artifacts", "record", "--artifacts", str(tmp_path / "nope"), "--repo", str(repo.path)],
        ["artifacts", "record", "--artifacts", str(arts), "--repo", str(tmp_path)],
    ]
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    for args in cases:
        started = time.monotonic()
        proc = subprocess.run(
            [sys.executable, "-m", "gate", *args], capture_output=True, text=True, timeout=60, env=env, check=False
        )
        assert proc.returncode == 2, (args, proc.stderr)
        assert "Traceback" not in proc.stderr + proc.stdout, args
        assert proc.stderr.startswith("gate: error:"), (args, proc.stderr)
        assert time.monotonic() - started < 60
