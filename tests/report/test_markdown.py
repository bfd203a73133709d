"""The Markdown report: exact output on the fixed report; evidence text cannot break the table or the page."""

from __future__ import annotations

import re

from markdown_it import MarkdownIt  # rich's Markdown parser, already pinned: no new dependency

from gate.report import render
from gate.report.markdown import MAX_OBSERVATIONS, code, text
from gate.report.markdown import render as render_markdown
from gate.results import Observation, Report
from tests.report.conftest import make_report, sample_items

EXPECTED = """\
## gate: BLOCKED

2 of 6 items fail, 1 error, 1 waived \
(checklist cot-isolation v3, stage pre-release, release v1.3.0, release commit 1a2b3c4d5e6f)

| Status | Item | Severity | Summary |
| --- | --- | --- | --- |
| **FAIL** | `grader-configs-exclude-cot`: No RL grader receives the reasoning trace | blocker | \
grader.inputs contains 'reasoning' in 5 of 40 files |
| **FAIL** | `reward-code-reviewed`: Every reward change is reviewed | major | \
1 of 3 commits touching rl/reward/\\*\\* in v1.2.0..1a2b3c4d5e6f lacks Reviewed-by |
| **ERROR** | `cot-tests-pass`: The CoT isolation tests pass | minor | \
stale artifact: junit/results.xml; 1 of 12 selected tests failed |
| **PASS** | `release-tag-signed`: The release tag is annotated and signed | major | \
tag v1.3.0 is annotated and signed by release-bot |
| **WAIVED** | `no-cot-in-reward-logs`: No canary reaches the reward logs | major | \
waived by alice (safety-lead) until 2026-05-15: debug logging only; the grader never reads this log |
| **PASS** | `design-doc-reviewed`: The isolation design doc is reviewed | minor | docs/cot-isolation.md |

### Blocking items

#### FAIL `grader-configs-exclude-cot` [blocker]: No RL grader receives the reasoning trace

- `rl/envs/math.yaml:12:5: grader.inputs contains 'reasoning'`
- `rl/envs/code, v2.yaml:7: grader.inputs contains 'reasoning'`
- +3 more
- fix: drop 'reasoning' from grader.inputs, or get a waiver signed by safety-lead

#### FAIL `reward-code-reviewed` [major]: Every reward change is reviewed

- `0123456789ab: no Reviewed-by trailer (author mallory@example.com)`
- fix: get the commit reviewed and add a Reviewed-by trailer, or revert it

#### ERROR `cot-tests-pass` [minor]: The CoT isolation tests pass

- `junit/results.xml: built from commit 9f8e7d6c5b4a, not the release commit`
- fix: re-run \\`gate artifacts record\\` in CI for the release commit
- `junit/results.xml:41: tests.test_grader::test_grader_is_blind failed: AssertionError`
- fix: fix the failing test

### Notes

- sign-offs were not checked (--evidence-only)
"""


def html(markdown: str) -> str:
    return MarkdownIt("gfm-like").render(markdown)


def test_markdown_report_of_the_sample_is_exact(report: Report) -> None:
    assert render_markdown(report) == EXPECTED
    assert render("markdown", report) == EXPECTED


def test_markdown_passed_report_has_no_blocking_section_or_notes(passed_report: Report) -> None:
    assert render_markdown(passed_report) == (
        "## gate: PASSED\n"
        "\n"
        "2 of 2 items pass (checklist cot-isolation v3, stage pre-release, release v1.3.0, "
        "release commit 1a2b3c4d5e6f)\n"
        "\n"
        "| Status | Item | Severity | Summary |\n"
        "| --- | --- | --- | --- |\n"
        "| **PASS** | `release-tag-signed`: The release tag is annotated and signed | major | "
        "tag v1.3.0 is annotated and signed by release-bot |\n"
        "| **PASS** | `design-doc-reviewed`: The isolation design doc is reviewed | minor | docs/cot-isolation.md |\n"
    )


def test_markdown_table_renders_one_row_per_item_with_four_cells(report: Report) -> None:
    page = html(render_markdown(report))
    rows = re.findall(r"<tr>(.*?)</tr>", page, flags=re.DOTALL)
    assert len(rows) == 1 + len(report.items)
    assert all(row.count("<td>") == 4 for row in rows[1:])


def hostile_report() -> Report:
    items = sample_items()
    ev = items[2].evidence[0]
    obs = Observation(message="a | b `c` ``d`` <img src=x> [l](http://e) *e*\nnext", path="p|q.yaml", line=1)
    ev = ev.model_copy(update={"observations": [obs], "omitted": 0, "summary": "x | y `z` <b>w</b> [l](u) *s* _t_"})
    items[2] = items[2].model_copy(update={"evidence": [ev], "title": "Title | with `ticks`"})
    return make_report(items)


def test_markdown_escapes_pipes_and_backticks_in_cells() -> None:
    out = render_markdown(hostile_report())
    row = next(line for line in out.splitlines() if "grader-configs-exclude-cot" in line and line.startswith("|"))
    assert row == (
        "| **FAIL** | `grader-configs-exclude-cot`: Title \\| with \\`ticks\\` | blocker | "
        "x \\| y \\`z\\` \\<b\\>w\\</b\\> \\[l\\](u) \\*s\\* \\_t\\_ |"
    )
    page = html(out)
    assert "<td>x | y `z` &lt;b&gt;w&lt;/b&gt; [l](u) *s* _t_</td>" in page
    assert "<img" not in page
    rows = re.findall(r"<tr>(.*?)</tr>", page, flags=re.DOTALL)
    assert all(row.count("<td>") == 4 for row in rows[1:])


def test_markdown_observations_are_verbatim_code_spans() -> None:
    out = render_markdown(hostile_report())
    line = "- ```p|q.yaml:1: a | b `c` ``d`` <img src=x> [l](http://e) *e*\\nnext```"
    assert line in out.splitlines()
    assert "<li><code>p|q.yaml:1: a | b `c` ``d`` &lt;img src=x&gt; [l](http://e) *e*\\nnext</code></li>" in html(out)


def test_markdown_code_span_pads_leading_or_trailing_backticks() -> None:
    assert code("`x`") == "`` `x` ``"
    assert code("a|b", cell=True) == "`a\\|b`"
    assert code("a|b") == "`a|b`"
    assert html(f"- {code('`x`')}") == "<ul>\n<li><code>`x`</code></li>\n</ul>\n"
    assert text("a\nb\x1b") == "a\\\\nb\\\\x1b"


def test_markdown_caps_observations_per_entry_and_counts_the_rest() -> None:
    items = sample_items()
    ev = items[2].evidence[0]
    many = [Observation(message=f"m{i}", path=f"f{i}.yaml") for i in range(MAX_OBSERVATIONS + 5)]
    items[2] = items[2].model_copy(update={"evidence": [ev.model_copy(update={"observations": many, "omitted": 3})]})
    out = render_markdown(make_report(items))
    assert out.count("- `f") == MAX_OBSERVATIONS
    assert "- +8 more\n" in out
