"""GitHub Actions output: exact `::error` lines, escaped as @actions/core does; the step summary."""

from __future__ import annotations

from gate.report import github
from gate.report.markdown import render as render_markdown
from gate.results import Observation, Report
from tests.report.conftest import make_report, sample_items

FIX = "%0Afix: drop 'reasoning' from grader.inputs, or get a waiver signed by safety-lead"
TITLE = "title=gate FAIL grader-configs-exclude-cot [blocker]%3A No RL grader receives the reasoning trace"
ERROR_TITLE = "title=gate ERROR cot-tests-pass [minor]%3A The CoT isolation tests pass"


def test_annotations_of_the_sample_are_exact(report: Report) -> None:
    assert github.annotations(report).splitlines() == [
        f"::error file=rl/envs/math.yaml,line=12,col=5,{TITLE}::grader.inputs contains 'reasoning'{FIX}",
        f"::error file=rl/envs/code%2C v2.yaml,line=7,{TITLE}::grader.inputs contains 'reasoning'{FIX}",
        f"::error {ERROR_TITLE}::artifacts: junit/results.xml: built from commit 9f8e7d6c5b4a, not the release "
        "commit%0Afix: re-run `gate artifacts record` in CI for the release commit",
        f"::error {ERROR_TITLE}::artifacts: junit/results.xml:41: tests.test_grader::test_grader_is_blind failed: "
        "AssertionError%0Afix: fix the failing test",
    ]
    assert github.annotations(report).endswith("\n")


def test_annotations_skip_observations_without_a_path_and_items_that_do_not_block(report: Report) -> None:
    out = github.annotations(report)
    assert "reward-code-reviewed" not in out  # a commit, no file
    assert "no-cot-in-reward-logs" not in out  # waived
    assert "release-tag-signed" not in out


def test_annotations_are_empty_when_nothing_blocks(passed_report: Report) -> None:
    assert github.annotations(passed_report) == ""


def test_annotation_values_are_escaped_per_github_rules() -> None:
    assert github.escape_data("50%\r\nnext::x,y:z") == "50%25%0D%0Anext::x,y:z"
    assert github.escape_property("a%b\r\nc:d,e") == "a%25b%0D%0Ac%3Ad%2Ce"


def test_evidence_cannot_start_another_workflow_command() -> None:
    items = sample_items()
    ev = items[2].evidence[0]
    obs = Observation(message="x\n::add-mask::secret\r\n::stop-commands::t", path="a,b:c.yaml", root="repo", line=3)
    items[2] = items[2].model_copy(update={"evidence": [ev.model_copy(update={"observations": [obs], "fix": None})]})
    lines = github.annotations(make_report(items)).splitlines()
    assert lines[0] == f"::error file=a%2Cb%3Ac.yaml,line=3,{TITLE}::x%0A::add-mask::secret%0D%0A::stop-commands::t"
    assert all(line.startswith("::error ") for line in lines)


def test_step_summary_is_the_markdown_report(report: Report) -> None:
    assert github.step_summary(report) == render_markdown(report)
