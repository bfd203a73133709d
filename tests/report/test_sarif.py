"""The SARIF report: valid SARIF 2.1.0 (OASIS schema), one rule per item, results where things fail."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft4Validator

from gate.report import render
from gate.report.sarif import FINGERPRINT_KEY
from gate.report.sarif import render as render_sarif
from gate.results import Observation, Report
from tests.report.conftest import make_report, sample_items

SARIF_SCHEMA = Path(__file__).resolve().parents[1] / "data" / "sarif-schema-2.1.0.json"


def sarif(report: Report) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(render_sarif(report))
    return data


def run_of(report: Report) -> dict[str, Any]:
    runs: list[dict[str, Any]] = sarif(report)["runs"]
    assert len(runs) == 1
    return runs[0]


@pytest.fixture(scope="module")
def validator() -> Draft4Validator:
    schema = json.loads(SARIF_SCHEMA.read_text(encoding="utf-8"))
    Draft4Validator.check_schema(schema)
    return Draft4Validator(schema)


def test_sarif_validates_against_the_oasis_schema(
    report: Report, passed_report: Report, validator: Draft4Validator
) -> None:
    for r in (report, passed_report):
        log = json.loads(render("sarif", r))
        assert [e.message for e in validator.iter_errors(log)] == []
        assert log["version"] == "2.1.0"


def test_sarif_driver_names_gate_and_has_one_rule_per_item(report: Report) -> None:
    driver = run_of(report)["tool"]["driver"]
    assert (driver["name"], driver["version"]) == ("gate", "0.1.0")
    assert driver["informationUri"].startswith("https://")
    assert [(r["id"], r["shortDescription"]["text"]) for r in driver["rules"]] == [
        (i.id, i.title) for i in report.items
    ]
    levels = {r["id"]: (r["defaultConfiguration"]["level"], r["properties"]["severity"]) for r in driver["rules"]}
    assert levels["grader-configs-exclude-cot"] == ("error", "blocker")
    assert levels["reward-code-reviewed"] == ("error", "major")
    assert levels["cot-tests-pass"] == ("warning", "minor")


def test_sarif_has_a_result_per_failing_observation(report: Report) -> None:
    run = run_of(report)
    rules = run["tool"]["driver"]["rules"]
    results = run["results"]
    assert [(r["ruleId"], r["message"]["text"]) for r in results] == [
        (
            "reward-code-reviewed",
            "Every reward change is reviewed: no Reviewed-by trailer (author mallory@example.com)",
        ),
        ("grader-configs-exclude-cot", "No RL grader receives the reasoning trace: grader.inputs contains 'reasoning'"),
        ("grader-configs-exclude-cot", "No RL grader receives the reasoning trace: grader.inputs contains 'reasoning'"),
        ("cot-tests-pass", "The CoT isolation tests pass: built from commit 9f8e7d6c5b4a, not the release commit"),
        (
            "cot-tests-pass",
            "The CoT isolation tests pass: tests.test_grader::test_grader_is_blind failed: AssertionError",
        ),
        (
            "no-cot-in-reward-logs",
            "No canary reaches the reward logs: canary canary-07 (sha256 3f2a9c1e) occurs in the reward log",
        ),
    ]
    for result in results:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
        assert result["level"] == "error"


def test_sarif_locations_are_relative_to_srcroot_or_artifacts(report: Report) -> None:
    results = run_of(report)["results"]
    locations = [r.get("locations") for r in results]
    assert locations[0] is None  # a commit has no file: no locations
    assert locations[1] == [
        {
            "physicalLocation": {
                "artifactLocation": {"uri": "rl/envs/math.yaml", "uriBaseId": "SRCROOT"},
                "region": {"startLine": 12, "startColumn": 5},
            }
        }
    ]
    assert locations[2] == [
        {
            "physicalLocation": {
                "artifactLocation": {"uri": "rl/envs/code%2C%20v2.yaml", "uriBaseId": "SRCROOT"},
                "region": {"startLine": 7},
            }
        }
    ]
    assert locations[3] == [
        {"physicalLocation": {"artifactLocation": {"uri": "junit/results.xml", "uriBaseId": "ARTIFACTS"}}}
    ]
    assert results[4]["properties"]["test"] == "tests.test_grader::test_grader_is_blind"
    assert results[0]["properties"]["commit"] == "0123456789abcdef0123456789abcdef01234567"
    assert results[5]["properties"]["rule"] == "canary-07"


def test_sarif_waived_results_are_suppressed_with_the_justification(report: Report) -> None:
    results = run_of(report)["results"]
    suppressed = [r for r in results if "suppressions" in r]
    assert [r["ruleId"] for r in suppressed] == ["no-cot-in-reward-logs"]
    assert suppressed[0]["suppressions"] == [
        {
            "kind": "external",
            "status": "accepted",
            "justification": "waived by alice (safety-lead) until 2026-05-15: "
            "debug logging only; the grader never reads this log",
        }
    ]


def test_sarif_fingerprints_are_stable_and_ignore_the_line(report: Report) -> None:
    first = [r["partialFingerprints"][FINGERPRINT_KEY] for r in run_of(report)["results"]]
    assert first == [r["partialFingerprints"][FINGERPRINT_KEY] for r in run_of(report)["results"]]
    assert all(len(f) == 64 for f in first)
    assert len(set(first)) == len(first)

    items = sample_items()
    ev = items[2].evidence[0]
    moved = [o.model_copy(update={"line": (o.line or 0) + 10}) for o in ev.observations]
    items[2] = items[2].model_copy(update={"evidence": [ev.model_copy(update={"observations": moved})]})
    again = [r["partialFingerprints"][FINGERPRINT_KEY] for r in run_of(make_report(items))["results"]]
    assert again == first


def test_sarif_entry_failing_without_observations_gives_one_result_without_location() -> None:
    items = sample_items()
    ev = items[3].evidence[0].model_copy(update={"observations": [Observation(message="x", failing=False)]})
    items[3] = items[3].model_copy(update={"evidence": [ev]})
    results = [r for r in run_of(make_report(items))["results"] if r["ruleId"] == "cot-tests-pass"]
    assert [(r["message"]["text"], "locations" in r) for r in results] == [
        ("The CoT isolation tests pass: stale artifact: junit/results.xml", False)
    ]


def test_sarif_passing_report_has_rules_and_no_results(passed_report: Report) -> None:
    run = run_of(passed_report)
    assert run["results"] == []
    assert len(run["tool"]["driver"]["rules"]) == 2
    assert run["automationDetails"] == {"id": "gate/cot-isolation/"}


def test_sarif_schema_check_is_not_vacuous(report: Report, validator: Draft4Validator) -> None:
    log = json.loads(render_sarif(report))
    log["runs"][0]["results"][0]["level"] = "fatal"
    del log["runs"][0]["tool"]["driver"]["name"]
    assert len(list(validator.iter_errors(log))) == 2
