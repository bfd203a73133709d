"""render(): every format, no escape codes without colour, and evidence passed through unaltered."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import pytest

from gate.errors import UsageError
from gate.report import FORMATS, github, render
from gate.results import Report, Status
from tests.report.conftest import CANARY_MESSAGE, make_report, sample_items


def test_formats_are_the_documented_six() -> None:
    assert FORMATS == ("text", "json", "junit", "sarif", "markdown", "codeclimate")


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_format_renders_a_string_ending_with_a_newline(fmt: str, report: Report) -> None:
    out = render(fmt, report)
    assert out.endswith("\n")
    assert render(fmt, report) == out  # deterministic


@pytest.mark.parametrize("fmt", FORMATS)
def test_no_format_has_escape_codes_without_color(fmt: str, report: Report, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FORCE_COLOR", "1")
    assert "\x1b" not in render(fmt, report, color=False)


@pytest.mark.parametrize("fmt", ["json", "junit", "sarif", "markdown", "codeclimate"])
def test_color_applies_to_text_only(fmt: str, report: Report) -> None:
    assert render(fmt, report, color=True) == render(fmt, report)


def test_unknown_format_is_a_usage_error(report: Report) -> None:
    with pytest.raises(UsageError, match="unknown report format 'yaml'") as info:
        render("yaml", report)
    assert info.value.hint == "formats: text, json, junit, sarif, markdown, codeclimate"


def test_canary_observation_passes_through_every_format_unaltered(report: Report) -> None:
    # Canary observations carry an id and a hash prefix, never the canary; formats copy, never add.
    assert f"  logs/reward.jsonl.gz:3: {CANARY_MESSAGE}" not in render("text", report)  # waived: summary only
    data = json.loads(render("json", report))
    assert data["items"][4]["evidence"][0]["observations"][0]["message"] == CANARY_MESSAGE
    sarif = json.loads(render("sarif", report))
    canary_results = [r for r in sarif["runs"][0]["results"] if r["ruleId"] == "no-cot-in-reward-logs"]
    assert [r["message"]["text"] for r in canary_results] == [f"No canary reaches the reward logs: {CANARY_MESSAGE}"]
    assert canary_results[0]["properties"]["rule"] == "canary-07"
    ET.fromstring(render("junit", report))  # the waived item is <skipped>, its observation not repeated


def test_failing_canary_observation_is_shown_verbatim_in_human_formats() -> None:
    items = sample_items()
    items[4] = items[4].model_copy(update={"status": Status.FAIL, "waiver": None})
    failing = make_report(items)
    line = f"logs/reward.jsonl.gz:3: {CANARY_MESSAGE}"
    assert f"\n  {line}\n" in render("text", failing)
    assert f"\n- `{line}`\n" in render("markdown", failing)
    assert (
        f"::error title=gate FAIL no-cot-in-reward-logs [major]%3A No canary reaches the reward logs::artifacts: {line}"
        in (github.annotations(failing))
    )
    junit = ET.fromstring(render("junit", failing))
    failure = junit.find("testsuite/testcase[@name='no-cot-in-reward-logs']/failure")
    assert failure is not None and failure.text is not None
    assert failure.text.startswith(line + "\n")


def test_rendering_does_not_change_the_report(report: Report) -> None:
    before = report.model_dump(mode="json")
    for fmt in FORMATS:
        render(fmt, report, color=True)
    github.annotations(report)
    github.step_summary(report)
    assert report.model_dump(mode="json") == before


def test_an_item_without_evidence_still_says_why_it_blocks() -> None:
    items = sample_items()[:1]
    items[0] = items[0].model_copy(update={"status": Status.ERROR, "evidence": []})
    report = make_report(items, notes=[])
    assert render("text", report).splitlines()[:2] == [
        "ERROR  release-tag-signed [major] The release tag is annotated and signed",
        "  no evidence was collected",
    ]
    row = "| **ERROR** | `release-tag-signed`: The release tag is annotated and signed | major | {} |"
    assert row.format("no evidence was collected") in render("markdown", report)
    results = json.loads(render("sarif", report))["runs"][0]["results"]
    assert [r["message"]["text"] for r in results] == [
        "The release tag is annotated and signed: no evidence was collected"
    ]
    error = ET.fromstring(render("junit", report)).find("testsuite/testcase/error")
    assert error is not None
    assert error.get("message") == "no evidence was collected"
