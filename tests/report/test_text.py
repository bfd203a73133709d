"""The text report: exact output on the fixed report, order, colour only when asked, unbroken paths."""

from __future__ import annotations

import re

import pytest

from gate.report import render, text
from gate.results import Observation, Report, Status, Verdict
from tests.report.conftest import make_report, sample_items

ANSI = re.compile(r"\x1b\[")
SGR = re.compile(r"\x1b\[[0-9;]*m")

EXPECTED = """\
FAIL   grader-configs-exclude-cot [blocker] No RL grader receives the reasoning trace
  rl/envs/math.yaml:12:5: grader.inputs contains 'reasoning'
  rl/envs/code, v2.yaml:7: grader.inputs contains 'reasoning'
  +3 more
  fix: drop 'reasoning' from grader.inputs, or get a waiver signed by safety-lead
FAIL   reward-code-reviewed [major] Every reward change is reviewed
  0123456789ab: no Reviewed-by trailer (author mallory@example.com)
  fix: get the commit reviewed and add a Reviewed-by trailer, or revert it
ERROR  cot-tests-pass [minor] The CoT isolation tests pass
  junit/results.xml: built from commit 9f8e7d6c5b4a, not the release commit
  fix: re-run `gate artifacts record` in CI for the release commit
  junit/results.xml:41: tests.test_grader::test_grader_is_blind failed: AssertionError
  fix: fix the failing test
PASS   release-tag-signed [major] The release tag is annotated and signed: \
tag v1.3.0 is annotated and signed by release-bot
WAIVED no-cot-in-reward-logs [major] No canary reaches the reward logs: 1 of 8 canaries found in logs/reward.jsonl.gz
  waived by alice (safety-lead) until 2026-05-15: debug logging only; the grader never reads this log
PASS   design-doc-reviewed [minor] The isolation design doc is reviewed: docs/cot-isolation.md

note: sign-offs were not checked (--evidence-only)
BLOCKED: 2 of 6 items fail, 1 error, 1 waived \
(checklist cot-isolation v3, stage pre-release, release v1.3.0, release commit 1a2b3c4d5e6f)
"""


def test_text_report_of_the_sample_is_exact(report: Report) -> None:
    assert text.render(report) == EXPECTED


def test_render_text_is_the_text_format(report: Report) -> None:
    assert render("text", report) == EXPECTED


def test_text_lists_blocking_items_by_severity_then_the_rest_in_checklist_order(report: Report) -> None:
    heads = [line.split()[1] for line in text.render(report).splitlines() if line[:1].isupper() and "[" in line]
    assert heads == [
        "grader-configs-exclude-cot",  # blocker
        "reward-code-reviewed",  # major, before the minor ERROR
        "cot-tests-pass",  # minor
        "release-tag-signed",  # the rest, in checklist order
        "no-cot-in-reward-logs",
        "design-doc-reviewed",
    ]


def test_text_passed_report_ends_with_the_passed_line(passed_report: Report) -> None:
    assert text.render(passed_report) == (
        "PASS   release-tag-signed [major] The release tag is annotated and signed: "
        "tag v1.3.0 is annotated and signed by release-bot\n"
        "PASS   design-doc-reviewed [minor] The isolation design doc is reviewed: docs/cot-isolation.md\n"
        "\n"
        "PASSED: 2 of 2 items pass (checklist cot-isolation v3, stage pre-release, release v1.3.0, "
        "release commit 1a2b3c4d5e6f)\n"
    )


def test_text_pending_report_says_it_awaits_signoff() -> None:
    items = [i for i in sample_items() if i.status in (Status.PASS, Status.WAIVED)]
    report = make_report(items, verdict=Verdict.PENDING, notes=[]).model_copy(
        update={"release_commit": None, "stage": None, "release": "r1"}
    )
    assert text.render(report).splitlines()[-1] == (
        "PENDING: 2 of 3 items pass, 1 waived, awaiting sign-off (checklist cot-isolation v3, release r1)"
    )


def test_text_without_color_has_no_escape_codes_whatever_the_environment(
    report: Report, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FORCE_COLOR", "1")
    monkeypatch.setenv("TERM", "xterm-256color")
    monkeypatch.setenv("COLUMNS", "20")
    assert text.render(report, color=False) == EXPECTED


def test_text_with_color_colours_the_status_words_and_the_verdict(
    report: Report, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NO_COLOR", "1")  # the caller decided; the environment does not overrule it here
    out = text.render(report, color=True)
    assert ANSI.search(out)
    assert out.startswith("\x1b[1;31mFAIL\x1b[0m   grader-configs-exclude-cot [blocker]")
    assert "\x1b[32mPASS\x1b[0m   release-tag-signed" in out
    assert "\x1b[1;35mERROR\x1b[0m  cot-tests-pass" in out
    assert "\x1b[33mWAIVED\x1b[0m no-cot-in-reward-logs" in out
    assert out.splitlines()[-1].startswith("\x1b[1;31mBLOCKED\x1b[0m: 2 of 6 items fail")
    assert SGR.sub("", out) == EXPECTED


def test_text_never_wraps_or_breaks_paths(report: Report) -> None:
    assert text.render(report, width=20) == EXPECTED


def test_text_markup_in_evidence_is_shown_not_interpreted() -> None:
    items = sample_items()
    ev = items[2].evidence[0]
    obs = Observation(message="value is [bold red]x[/] and :smile:", path="a/[b].yaml", line=1)
    items[2] = items[2].model_copy(update={"evidence": [ev.model_copy(update={"observations": [obs], "omitted": 0})]})
    out = text.render(make_report(items), color=True)
    assert "  a/[b].yaml:1: value is [bold red]x[/] and :smile:\n" in SGR.sub("", out)


def test_text_shows_control_characters_from_evidence_as_escapes() -> None:
    items = sample_items()
    ev = items[2].evidence[0]
    hostile = "ok\x1b[2J\rPASSED: all good\nnote: \u202eevil"
    obs = Observation(message=hostile, path="rl/envs/x.yaml", line=2)
    items[2] = items[2].model_copy(update={"evidence": [ev.model_copy(update={"observations": [obs], "omitted": 0})]})
    out = text.render(make_report(items))
    assert "\x1b" not in out
    assert "\r" not in out
    assert "\u202e" not in out
    assert "  rl/envs/x.yaml:2: ok\\x1b[2J\\rPASSED: all good\\nnote: \\u202eevil\n" in out


def test_text_error_without_observations_shows_the_summary() -> None:
    items = sample_items()
    ev = items[3].evidence[0].model_copy(update={"observations": [], "fix": None})
    items[3] = items[3].model_copy(update={"evidence": [ev]})
    out = text.render(make_report(items))
    assert "ERROR  cot-tests-pass [minor] The CoT isolation tests pass\n  stale artifact: junit/results.xml\n" in out


def test_text_waived_item_without_details_says_waived() -> None:
    items = [i.model_copy(update={"waiver": None}) for i in sample_items() if i.status is Status.WAIVED]
    assert text.render(make_report(items, notes=[])).splitlines()[1] == "  waived"
