"""action.yml, the composite GitHub Action: every input reaches a real `gate check` option, every exit code has an
outcome, and the job fails unless the gate passed (exit 4 passes only with allow-pending).

The action's shell steps run here under bash as GitHub runs them (`bash -eo pipefail`), with a stand-in `gate`
that records its arguments; the arguments are then parsed by gate's own parser.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from gate.cli import ExitCode, build_parser

ROOT = Path(__file__).resolve().parent.parent
ACTION: dict[str, Any] = yaml.safe_load((ROOT / "action.yml").read_text(encoding="utf-8"))
SETUP: dict[str, Any] = yaml.safe_load((ROOT / "setup" / "action.yml").read_text(encoding="utf-8"))
WORKFLOW: dict[str, Any] = yaml.safe_load((ROOT / "docs" / "github-workflow.yml").read_text(encoding="utf-8"))

INPUT_TO_OPTION = {
    "checklist": "checklist",
    "release": "release",
    "stage": "stage",
    "baseline": "baseline",
    "artifacts": "artifacts",
    "subjects": "subject",
    "evidence-only": "evidence_only",
    "formats": "format",
}
"""Each input that becomes a `gate check` option -> the option's argparse dest."""
ACTION_ONLY = {"allow-pending", "upload-sarif", "artifact-name", "python-version", "gate-install"}
"""Inputs about the action itself, not the check."""
OUTCOMES = {
    ExitCode.OK: "passed",
    ExitCode.BLOCKED: "blocked",
    ExitCode.PENDING: "awaiting-signoff",
    ExitCode.USAGE: "error",
    ExitCode.INTERNAL: "error",
    ExitCode.INTERRUPTED: "error",
}

FAKE_GATE = """#!/usr/bin/env bash
printf '%s\\0' "$@" > "$ARGS_FILE"
for a in "$@"; do case "$a" in sarif=*|junit=*) touch "${a#*=}" ;; esac; done
exit "${FAKE_EXIT:-0}"
"""


def check_options() -> dict[str, argparse.Action]:
    (sub,) = [a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction)]
    return {a.dest: a for a in sub.choices["check"]._actions}


def step(name_or_id: str) -> dict[str, Any]:
    steps: list[dict[str, Any]] = ACTION["runs"]["steps"]
    (found,) = [s for s in steps if name_or_id in (s.get("id"), s.get("name"))]
    return found


def expand(value: str, inputs: dict[str, str], outputs: dict[str, str]) -> str:
    """`${{ inputs.x }}` and `${{ steps.check.outputs.y }}` as the runner expands them (other expressions fail)."""

    def one(match: re.Match[str]) -> str:
        expr = match[1].strip()
        if expr.startswith("inputs."):
            name = expr.removeprefix("inputs.")
            return inputs.get(name, str(ACTION["inputs"][name].get("default", "")))
        if expr.startswith("steps.check.outputs."):
            return outputs.get(expr.removeprefix("steps.check.outputs."), "")
        if expr == "github.action_path":
            return str(ROOT)
        raise AssertionError(f"unexpected expression {expr}")

    return re.sub(r"\$\{\{(.*?)\}\}", one, str(value))


def run_step(
    s: dict[str, Any],
    tmp_path: Path,
    inputs: dict[str, str] | None = None,
    outputs: dict[str, str] | None = None,
    gate_exit: int = 0,
) -> tuple[int, list[str] | None, dict[str, str], str]:
    """Run a `run:` step with bash as GitHub does; returns (status, gate argv, step outputs, stdout)."""
    bindir = tmp_path / "bin"
    bindir.mkdir(exist_ok=True)
    fake = bindir / "gate"
    fake.write_text(FAKE_GATE)
    fake.chmod(0o755)
    github_output = tmp_path / "github_output"
    github_output.write_text("")
    args_file = tmp_path / "args"
    args_file.unlink(missing_ok=True)
    env = {
        "PATH": f"{bindir}{os.pathsep}{os.environ['PATH']}",
        "HOME": str(tmp_path),
        "RUNNER_TEMP": str(tmp_path / "runner-temp"),
        "GITHUB_OUTPUT": str(github_output),
        "ARGS_FILE": str(args_file),
        "FAKE_EXIT": str(gate_exit),
    }
    (tmp_path / "runner-temp").mkdir(exist_ok=True)
    for key, value in (s.get("env") or {}).items():
        env[key] = expand(value, inputs or {}, outputs or {})
    script = tmp_path / "step.sh"
    script.write_text(s["run"])
    proc = subprocess.run(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    argv = args_file.read_bytes().decode().split("\0")[:-1] if args_file.exists() else None
    produced = dict(line.split("=", 1) for line in github_output.read_text().splitlines() if line)
    return proc.returncode, argv, produced, proc.stdout


def test_action_is_composite_and_installs_its_own_copy_of_gate() -> None:
    assert ACTION["runs"]["using"] == "composite"
    uses = [s.get("uses", "") for s in ACTION["runs"]["steps"]]
    assert uses[0].startswith("actions/setup-python@")
    assert any(u.startswith("github/codeql-action/upload-sarif@") for u in uses)
    assert any(u.startswith("actions/upload-artifact@") for u in uses)
    install = step("Install gate")
    assert install["env"]["ACTION_PATH"] == "${{ github.action_path }}"
    assert '"${GATE_INSTALL:-$ACTION_PATH}"' in install["run"]
    for s in ACTION["runs"]["steps"]:
        if "run" in s:
            assert s["shell"] == "bash"
            assert "${{" not in s["run"], "inputs reach scripts through env, never spliced in (script injection)"


def test_every_input_is_a_gate_check_option_or_about_the_action() -> None:
    inputs = set(ACTION["inputs"])
    assert inputs == set(INPUT_TO_OPTION) | ACTION_ONLY
    options = check_options()
    for name, dest in INPUT_TO_OPTION.items():
        assert dest in options, f"input {name}: gate check has no option with dest {dest}"
    for name, spec in ACTION["inputs"].items():
        assert spec["description"].strip(), name
        assert spec.get("required") is False, f"input {name}: every input has a default"
        assert isinstance(spec.get("default"), str), f"input {name}: defaults are strings, as the runner gives them"
    assert ACTION["inputs"]["allow-pending"]["default"] == "false"


def test_inputs_become_the_gate_check_arguments(tmp_path: Path) -> None:
    inputs = {
        "checklist": "checklists/cot isolation.yaml",
        "release": "v1.3",
        "stage": "pre-release",
        "baseline": "v1.2",
        "artifacts": "ci-out",
        "subjects": "model/a.safetensors\nmodel/b b.safetensors\n",
        "evidence-only": "false",
        "formats": "json=report.json  markdown=gate.md",
    }
    status, argv, outputs, _ = run_step(step("check"), tmp_path, inputs)
    assert status == 0 and argv is not None
    args = build_parser().parse_args(argv)
    assert args.command == "check"
    assert (args.checklist, args.release, args.stage, args.baseline, args.artifacts) == (
        "checklists/cot isolation.yaml",
        "v1.3",
        "pre-release",
        "v1.2",
        "ci-out",
    )
    assert args.subject == ["model/a.safetensors", "model/b b.safetensors"]
    assert args.evidence_only is False
    reports = tmp_path / "runner-temp" / "gate-reports"
    assert args.format == [
        "text",
        f"sarif={reports}/gate.sarif",
        f"junit={reports}/gate-junit.xml",
        "json=report.json",
        "markdown=gate.md",
    ]
    assert outputs["sarif"] == f"{reports}/gate.sarif"
    assert outputs["junit"] == f"{reports}/gate-junit.xml"
    assert outputs["dir"] == str(reports)


def test_empty_inputs_add_no_options(tmp_path: Path) -> None:
    status, argv, _, _ = run_step(step("check"), tmp_path, {"evidence-only": "true"})
    assert status == 0 and argv is not None
    args = build_parser().parse_args(argv)
    assert (args.checklist, args.release, args.stage, args.baseline, args.artifacts, args.subject) == (None,) * 6
    assert args.evidence_only is True
    assert len(args.format) == 3


def test_outcome_covers_every_exit_code() -> None:
    assert set(OUTCOMES) == set(ExitCode)
    assert set(OUTCOMES.values()) == {"passed", "blocked", "awaiting-signoff", "error"}


@pytest.mark.parametrize("code", list(ExitCode))
def test_outcome_output_for_each_exit_code(code: ExitCode, tmp_path: Path) -> None:
    status, _, outputs, _ = run_step(step("check"), tmp_path, gate_exit=int(code))
    assert status == 0, "the check step records the outcome; the last step fails the job"
    assert outputs["outcome"] == OUTCOMES[code]
    assert outputs["exit-code"] == str(int(code))


@pytest.mark.parametrize("code", list(ExitCode))
@pytest.mark.parametrize("allow_pending", ["false", "true"])
def test_the_job_fails_unless_the_gate_passed(code: ExitCode, allow_pending: str, tmp_path: Path) -> None:
    block = step("Block unless the gate passed")
    assert block["if"] == "always()"
    outputs = {"exit-code": str(int(code)), "outcome": OUTCOMES[code]}
    status, _, _, stdout = run_step(block, tmp_path, {"allow-pending": allow_pending}, outputs)
    passes = code is ExitCode.OK or (code is ExitCode.PENDING and allow_pending == "true")
    assert (status == 0) is passes
    if not passes:
        assert status == int(code)
        assert f"::error title=gate::gate check exited {int(code)} ({OUTCOMES[code]})" in stdout


def test_a_check_step_that_never_ran_fails_the_job(tmp_path: Path) -> None:
    status, _, _, _ = run_step(step("Block unless the gate passed"), tmp_path, {"allow-pending": "true"}, {})
    assert status == int(ExitCode.INTERNAL)


def test_reports_are_uploaded_even_when_the_gate_blocks() -> None:
    sarif = step("Upload SARIF to code scanning")
    assert sarif["if"].startswith("always()") and "inputs.upload-sarif == 'true'" in sarif["if"]
    assert sarif["with"]["sarif_file"] == "${{ steps.check.outputs.sarif }}"
    reports = step("Upload the reports")
    assert reports["if"].startswith("always()")
    assert reports["with"]["name"] == "${{ inputs.artifact-name }}"


def test_outputs_name_the_outcome() -> None:
    assert ACTION["outputs"]["outcome"]["value"] == "${{ steps.check.outputs.outcome }}"
    assert {"outcome", "exit-code", "sarif", "junit"} <= set(ACTION["outputs"])


def test_setup_action_installs_gate_from_the_same_checkout() -> None:
    assert SETUP["runs"]["using"] == "composite"
    (install,) = [s for s in SETUP["runs"]["steps"] if "run" in s]
    assert '"${GATE_INSTALL:-$ACTION_PATH/..}"' in install["run"]
    assert set(SETUP["inputs"]) == {"python-version", "gate-install"}


def test_the_example_workflow_uses_only_inputs_the_action_declares() -> None:
    (gate_step,) = [s for s in WORKFLOW["jobs"]["gate"]["steps"] if s.get("id") == "gate"]
    assert set(gate_step["with"]) <= set(ACTION["inputs"])
    assert gate_step["with"]["allow-pending"] is False
