"""The JUnit report: parsed back with ElementTree; one suite, one case per item, consistent counts."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from gate.report import render
from gate.report.junit import render as render_junit
from gate.results import Observation, Report
from tests.report.conftest import make_report, sample_items


def parse(report: Report) -> ET.Element:
    return ET.fromstring(render_junit(report))


def test_junit_has_one_testsuite_named_for_the_checklist(report: Report) -> None:
    root = parse(report)
    assert root.tag == "testsuites"
    suites = root.findall("testsuite")
    assert len(suites) == 1
    assert suites[0].get("name") == "gate: cot-isolation"


def test_junit_has_one_testcase_per_item_in_checklist_order(report: Report) -> None:
    cases = parse(report).findall("testsuite/testcase")
    assert [(c.get("classname"), c.get("name")) for c in cases] == [
        ("gate.cot-isolation", item.id) for item in report.items
    ]


def test_junit_outcomes_follow_item_statuses(report: Report) -> None:
    cases = {c.get("name"): c for c in parse(report).findall("testsuite/testcase")}
    outcomes = {name: [child.tag for child in case if child.tag != "system-out"] for name, case in cases.items()}
    assert outcomes == {
        "release-tag-signed": [],
        "reward-code-reviewed": ["failure"],
        "grader-configs-exclude-cot": ["failure"],
        "cot-tests-pass": ["error"],
        "no-cot-in-reward-logs": ["skipped"],
        "design-doc-reviewed": [],
    }


def test_junit_counts_are_consistent_with_the_testcases(report: Report) -> None:
    root = parse(report)
    suite = root.find("testsuite")
    assert suite is not None
    cases = suite.findall("testcase")
    counted = {
        "tests": len(cases),
        "failures": sum(c.find("failure") is not None for c in cases),
        "errors": sum(c.find("error") is not None for c in cases),
        "skipped": sum(c.find("skipped") is not None for c in cases),
    }
    assert counted == {"tests": 6, "failures": 2, "errors": 1, "skipped": 1}
    for element in (root, suite):
        assert {k: int(element.get(k, "-1")) for k in counted} == counted


def test_junit_failure_carries_summary_observations_and_fix(report: Report) -> None:
    failure = parse(report).find("testsuite/testcase[@name='grader-configs-exclude-cot']/failure")
    assert failure is not None
    assert failure.get("message") == "grader.inputs contains 'reasoning' in 5 of 40 files"
    assert failure.get("type") == "blocker"
    assert failure.text == (
        "rl/envs/math.yaml:12:5: grader.inputs contains 'reasoning'\n"
        "rl/envs/code, v2.yaml:7: grader.inputs contains 'reasoning'\n"
        "+3 more\n"
        "fix: drop 'reasoning' from grader.inputs, or get a waiver signed by safety-lead\n"
    )


def test_junit_error_and_skipped_messages(report: Report) -> None:
    root = parse(report)
    error = root.find("testsuite/testcase[@name='cot-tests-pass']/error")
    assert error is not None
    assert error.get("message") == "stale artifact: junit/results.xml; 1 of 12 selected tests failed"
    skipped = root.find("testsuite/testcase[@name='no-cot-in-reward-logs']/skipped")
    assert skipped is not None
    assert skipped.get("message") == (
        "waived by alice (safety-lead) until 2026-05-15: debug logging only; the grader never reads this log"
    )


def test_junit_properties_name_the_release(report: Report) -> None:
    props = {p.get("name"): p.get("value") for p in parse(report).findall("testsuite/properties/property")}
    assert props["release_commit"] == report.release_commit
    assert props["verdict"] == "blocked"
    assert props["checklist.version"] == "3"


def test_junit_escapes_markup_and_survives_characters_xml_cannot_hold() -> None:
    items = sample_items()
    ev = items[2].evidence[0]
    obs = Observation(message='<b>&"x"</b> ]]> \x1b[31m\x00 ok', path="a.yaml", line=1)
    items[2] = items[2].model_copy(
        update={"evidence": [ev.model_copy(update={"observations": [obs], "omitted": 0, "summary": "<&\x0c>"})]}
    )
    root = ET.fromstring(render("junit", make_report(items)))
    failure = root.find("testsuite/testcase[@name='grader-configs-exclude-cot']/failure")
    assert failure is not None
    assert failure.get("message") == "<&\\x0c>"
    assert failure.text is not None
    assert failure.text.startswith('a.yaml:1: <b>&"x"</b> ]]> \\x1b[31m\\x00 ok\n')


def test_junit_passing_report_has_no_failures(passed_report: Report) -> None:
    suite = parse(passed_report).find("testsuite")
    assert suite is not None
    assert (suite.get("tests"), suite.get("failures"), suite.get("errors"), suite.get("skipped")) == (
        "2",
        "0",
        "0",
        "0",
    )
