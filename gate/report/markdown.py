"""The Markdown report, for pull-request comments and CI step summaries (GitHub Flavored Markdown).

A verdict heading, a table of every item, details for the blocking items, then the notes. Text read
from evidence is escaped: in table cells nothing it holds can end a cell, start a link, inline HTML
or a mention; observations sit in code spans. No I/O.
"""

from __future__ import annotations

import re

from gate.report import (
    evidence_summary,
    failing,
    failing_summary,
    headline,
    observation_line,
    ordered,
    printable,
    waiver_line,
)
from gate.results import ItemResult, Report, Status

MAX_OBSERVATIONS = 20
"""Observations shown per evidence entry; the rest are counted, so a comment stays within GitHub's size limit."""

# Backslash-escape ASCII punctuation that Markdown or GitHub acts on (CommonMark "Backslash escapes").
_MARKDOWN = re.compile(r"([\\`*_\[\]<>|~&])")


def render(report: Report) -> str:
    """The report as Markdown, ending with a newline."""
    word, counts, context = headline(report)
    out = [
        f"## gate: {word}",
        "",
        f"{text(counts)} ({text(context)})",
        "",
        "| Status | Item | Severity | Summary |",
        "| --- | --- | --- | --- |",
    ]
    for item in ordered(report):
        summary = waiver_line(item.waiver) if item.status is Status.WAIVED else _summary(item)
        cells = [f"**{item.status.value}**", f"{code(item.id, cell=True)}: {text(item.title)}", item.severity]
        out.append(f"| {' | '.join(cells)} | {text(summary)} |")
    blocking = [i for i in ordered(report) if i.blocking]
    if blocking:
        out += ["", "### Blocking items"]
        for item in blocking:
            out += ["", f"#### {item.status.value} {code(item.id)} [{item.severity}]: {text(item.title)}", ""]
            out += _details(item)
    if report.notes:
        out += ["", "### Notes", ""]
        out += [f"- {text(note)}" for note in report.notes]
    return "\n".join(out) + "\n"


def _summary(item: ItemResult) -> str:
    return failing_summary(item) if item.blocking else evidence_summary(item)


def _details(item: ItemResult) -> list[str]:
    lines: list[str] = []
    for ev, observations in failing(item):
        shown = observations[:MAX_OBSERVATIONS]
        lines += [f"- {code(observation_line(o))}" for o in shown]
        if not observations:
            lines.append(f"- {text(ev.summary)}")
        more = ev.omitted + len(observations) - len(shown)
        if more:
            lines.append(f"- +{more} more")
        if ev.fix:
            lines.append(f"- fix: {text(ev.fix)}")
    return lines


def text(value: str) -> str:
    """Plain text safe in a table cell or a heading: escaped, on one line."""
    return _MARKDOWN.sub(r"\\\1", printable(value))


def code(value: str, *, cell: bool = False) -> str:
    """A code span showing `value` verbatim: a fence longer than any backtick run inside."""
    value = printable(value)
    longest = max((len(run) for run in re.findall("`+", value)), default=0)
    fence = "`" * (longest + 1)
    if value.startswith("`") or value.endswith("`") or (value.startswith(" ") and value.endswith(" ")):
        value = f" {value} "
    if cell:
        # GFM splits table rows on `|` before reading code spans; `\|` inside a span shows as `|`.
        value = value.replace("|", "\\|")
    return f"{fence}{value}{fence}"
