"""GitLab Code Quality (Code Climate JSON): the keys GitLab requires, the severity mapping, stable fingerprints."""

from __future__ import annotations

import json
from typing import Any

import pytest

from gate.report import render
from gate.report.codeclimate import INFO, SEVERITIES
from gate.results import (
    BaselineInfo,
    Observation,
    Report,
    RoleProgress,
    SignoffState,
    SignoffStatus,
    Status,
    Verdict,
    Weakening,
)
from tests.report.conftest import make_report, sample_items

GITLAB_SEVERITIES = {"info", "minor", "major", "critical", "blocker"}


def issues(report: Report) -> list[dict[str, Any]]:
    data = json.loads(render("codeclimate", report))
    assert isinstance(data, list)
    return data


def test_every_issue_has_what_gitlab_requires(report: Report) -> None:
    found = issues(report)
    assert found
    for issue in found:
        assert {"description", "check_name", "fingerprint", "severity", "location"} <= set(issue)
        assert isinstance(issue["description"], str) and issue["description"]
        assert issue["severity"] in GITLAB_SEVERITIES
        assert isinstance(issue["location"]["path"], str) and issue["location"]["path"]
        begin = issue["location"]["lines"]["begin"]
        assert isinstance(begin, int) and begin >= 1
        assert issue["type"] == "issue"  # the Code Climate spec's other required keys, for other consumers
        assert issue["categories"] == ["Security"]
    fingerprints = [i["fingerprint"] for i in found]
    assert len(set(fingerprints)) == len(fingerprints)


def test_one_issue_per_failing_observation_at_its_place(report: Report) -> None:
    by_check = [
        (i["check_name"], i["location"]["path"], i["location"]["lines"]["begin"], i["severity"]) for i in issues(report)
    ]
    assert by_check == [
        # a commit has no file: the item's definition stands in, and the description names the commit
        ("reward-code-reviewed", "checklists/cot-isolation.yaml", 20, "critical"),
        ("grader-configs-exclude-cot", "rl/envs/math.yaml", 12, "blocker"),
        ("grader-configs-exclude-cot", "rl/envs/code, v2.yaml", 7, "blocker"),
        # artifacts are not repository files: at the item, the artifact named in the description
        ("cot-tests-pass", "checklists/cot-isolation.yaml", 40, "major"),
        ("cot-tests-pass", "checklists/cot-isolation.yaml", 40, "major"),
        ("no-cot-in-reward-logs", "checklists/cot-isolation.yaml", 50, "info"),  # waived
    ]
    descriptions = [i["description"] for i in issues(report)]
    assert descriptions[0] == (
        "FAIL Every reward change is reviewed: commit 0123456789ab: no Reviewed-by trailer (author mallory@example.com)"
    )
    assert descriptions[3] == (
        "ERROR The CoT isolation tests pass: artifact junit/results.xml: built from commit 9f8e7d6c5b4a, not the "
        "release commit"
    )
    assert (
        issues(report)[1]["content"]["body"]
        == "drop 'reasoning' from grader.inputs, or get a waiver signed by safety-lead"
    )
    assert issues(report)[5]["content"]["body"].startswith("waived by alice (safety-lead) until 2026-05-15")


def test_a_passing_report_has_no_issues(passed_report: Report) -> None:
    assert issues(passed_report) == []


def test_severity_mapping_never_shows_a_blocking_finding_as_minor_or_info() -> None:
    # Every FAIL and ERROR blocks the release, whatever the item's severity.
    assert SEVERITIES == {"blocker": "blocker", "major": "critical", "minor": "major"}
    assert INFO == "info"
    for item in sample_items():
        for issue in issues(make_report([item])):
            assert (issue["severity"] == "info") == (item.status is Status.WAIVED)


def test_fingerprints_are_stable_when_lines_move(report: Report) -> None:
    before = [i["fingerprint"] for i in issues(report)]
    assert [i["fingerprint"] for i in issues(report)] == before  # deterministic
    items = sample_items()
    ev = items[2].evidence[0]
    moved = [o.model_copy(update={"line": (o.line or 0) + 10}) for o in ev.observations]
    items[2] = items[2].model_copy(update={"evidence": [ev.model_copy(update={"observations": moved})]})
    after = [i["fingerprint"] for i in issues(make_report(items))]
    assert after == before
    # a different finding is a different issue
    changed = [o.model_copy(update={"message": "grader.inputs contains 'cot'"}) for o in ev.observations]
    items[2] = items[2].model_copy(update={"evidence": [ev.model_copy(update={"observations": changed})]})
    assert [i["fingerprint"] for i in issues(make_report(items))][1:3] != before[1:3]


def test_identical_findings_get_distinct_fingerprints() -> None:
    items = sample_items()
    ev = items[2].evidence[0]
    twin = Observation(message="grader.inputs contains 'reasoning'", path="rl/envs/math.yaml", root="repo", line=30)
    items[2] = items[2].model_copy(
        update={"evidence": [ev.model_copy(update={"observations": [*ev.observations, twin]})]}
    )
    fingerprints = [i["fingerprint"] for i in issues(make_report(items))]
    assert len(set(fingerprints)) == len(fingerprints)


@pytest.mark.parametrize(
    ("state", "severity"),
    [(SignoffStatus.PENDING, "info"), (SignoffStatus.STALE, "info"), (SignoffStatus.REJECTED, "critical")],
)
def test_signoff_states_are_issues_at_the_item(state: SignoffStatus, severity: str) -> None:
    item = sample_items()[0].model_copy(
        update={"signoff_state": SignoffState(status=state, roles=[RoleProgress(role="safety-lead", needed=1)])}
    )
    (issue,) = issues(make_report([item], verdict=Verdict.PENDING))
    assert issue["severity"] == severity
    assert (
        issue["description"] == f"sign-off {state.value} for The release tag is annotated and signed: safety-lead 0/1"
    )
    assert issue["location"] == {"path": "checklists/cot-isolation.yaml", "lines": {"begin": 10}}


def test_unretired_weakenings_are_blockers() -> None:
    weak = Weakening(
        fingerprint="3353d05727616efe",
        subject="checklist",
        kind="severity-lowered",
        item="grader-configs-exclude-cot",
        path="severity",
        base="blocker",
        head="minor",
        message="grader-configs-exclude-cot: severity lowered from blocker to minor",
        retired=False,
    )
    retired = weak.model_copy(update={"fingerprint": "c0f75ca296ad7151", "retired": True, "subject": "signers"})
    baseline = BaselineInfo(
        ref="v1.2",
        commit="5" * 40,
        checklist_path="checklists/cot-isolation.yaml",
        checklist_digest="d" * 64,
        signers_digest="e" * 64,
        owner="safety-lead",
        weakenings=[weak, retired],
        retires=[],
    )
    report = make_report([sample_items()[0]], verdict=Verdict.BLOCKED).model_copy(update={"baseline": baseline})
    (issue,) = issues(report)
    assert issue["check_name"] == "weakening/severity-lowered"
    assert issue["severity"] == "blocker"
    assert issue["location"] == {"path": "checklists/cot-isolation.yaml", "lines": {"begin": 1}}
    assert "3353d05727616efe" in issue["description"]
    assert "gate sign --retire 3353d05727616efe --baseline v1.2" in issue["content"]["body"]


def test_text_from_the_repository_is_made_printable() -> None:
    items = sample_items()
    ev = items[2].evidence[0]
    evil = Observation(message="value '\x1b[2J\u202e'", path="rl/envs/math.yaml", root="repo", line=3)
    items[2] = items[2].model_copy(update={"evidence": [ev.model_copy(update={"observations": [evil]})]})
    (issue,) = [i for i in issues(make_report(items)) if i["check_name"] == "grader-configs-exclude-cot"]
    assert "\x1b" not in issue["description"] and "\u202e" not in issue["description"]
    assert "\\x1b[2J\\u202e" in issue["description"]
