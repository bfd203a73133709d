"""Report output formats: each turns a `Report` into a string. Nothing here prints or touches files.

`render(fmt, report)` picks a format; the helpers below are shared by the formats (report order, the
verdict line, and the escaping of text read from evidence before it reaches a terminal or a page).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from gate.errors import UsageError
from gate.results import Evidence, ItemResult, Observation, Report, Status, Verdict, Waiver

FORMATS = ("text", "json", "junit", "sarif", "markdown", "codeclimate")
"""The formats `--format` accepts. GitHub Actions output (gate.report.github) is written beside them, not chosen."""

SEVERITY_ORDER = {"blocker": 0, "major": 1, "minor": 2}

NO_EVIDENCE = "no evidence was collected"

VERDICT_WORDS = {Verdict.PASSED: "PASSED", Verdict.BLOCKED: "BLOCKED", Verdict.PENDING: "PENDING"}


def render(fmt: str, report: Report, *, color: bool = False, width: int = 100) -> str:
    """The report in format `fmt` (one of FORMATS). `color` and `width` apply to `text` only."""
    # Formats are imported on use so that `json` output never pays for rich.
    if fmt == "text":
        from gate.report import text

        return text.render(report, color=color, width=width)
    if fmt == "json":
        from gate.report import json

        return json.render(report)
    if fmt == "junit":
        from gate.report import junit

        return junit.render(report)
    if fmt == "sarif":
        from gate.report import sarif

        return sarif.render(report)
    if fmt == "markdown":
        from gate.report import markdown

        return markdown.render(report)
    if fmt == "codeclimate":
        from gate.report import codeclimate

        return codeclimate.render(report)
    raise UsageError(f"unknown report format '{fmt}'", hint=f"formats: {', '.join(FORMATS)}")


def ordered(report: Report) -> list[ItemResult]:
    """Blocking items first (blocker, major, minor), then the rest; checklist order within a group."""
    blocking = sorted(report.blocking, key=lambda i: SEVERITY_ORDER[i.severity])  # sorted() is stable
    return blocking + [i for i in report.items if not i.blocking]


def failing(item: ItemResult) -> Iterator[tuple[Evidence, list[Observation]]]:
    """The evidence entries that FAIL or ERROR, each with its failing observations (possibly none).

    A blocking item always yields something: with no such entry (an item without evidence is ERROR,
    since an empty AND never passes), a stand-in entry that says so.
    """
    found = False
    for ev in item.evidence:
        if ev.status in (Status.FAIL, Status.ERROR):
            found = True
            yield ev, [o for o in ev.observations if o.failing]
    if not found and item.blocking:
        yield Evidence(kind="none", status=item.status, summary=NO_EVIDENCE), []


def evidence_summary(item: ItemResult) -> str:
    """The evidence summaries of an item, one line."""
    return "; ".join(ev.summary for ev in item.evidence) or NO_EVIDENCE


def failing_summary(item: ItemResult) -> str:
    """The summaries of the entries that make an item FAIL or ERROR (all of them when none do)."""
    return "; ".join(ev.summary for ev, _ in failing(item)) or evidence_summary(item)


def observation_line(obs: Observation) -> str:
    """`where: message`, or the message alone when the observation has no place."""
    return f"{obs.where}: {obs.message}" if obs.where else obs.message


def waiver_line(waiver: Waiver | None) -> str:
    """`waived by alice (safety-lead) until 2026-05-15: why`, or `waived` when the report carries no details."""
    if waiver is None:
        return "waived"
    return f"waived by {waiver.by} ({waiver.role}) until {waiver.expires:%Y-%m-%d}: {waiver.justification}"


def headline(report: Report) -> tuple[str, str, str]:
    """The verdict word, the counts and the context, e.g. ("BLOCKED", "2 of 5 items fail, 1 error",
    "checklist cot-isolation v3, release commit 1a2b3c4d5e6f")."""
    s = report.summary
    if report.verdict is Verdict.BLOCKED:
        counts = [f"{s.failed} of {s.items} items fail"]
        if s.errors:
            counts.append(f"{s.errors} error" + ("s" if s.errors != 1 else ""))
    else:
        counts = [f"{s.passed} of {s.items} items pass"]
    if s.waived:
        counts.append(f"{s.waived} waived")
    unretired = len(report.baseline.blocking) if report.baseline is not None else 0
    if unretired:
        counts.append(f"{unretired} weakening{'s' if unretired != 1 else ''} not retired")
    if report.verdict is Verdict.PENDING:
        counts.append("awaiting sign-off")
    context = [f"checklist {report.checklist.id} v{report.checklist.version}"]
    if report.stage:
        context.append(f"stage {report.stage}")
    if report.release:
        context.append(f"release {report.release}")
    if report.release_commit:
        context.append(f"release commit {report.release_commit[:12]}")
    return VERDICT_WORDS[report.verdict], ", ".join(counts), ", ".join(context)


# C0 and C1 controls (a terminal acts on ESC, CR, BS ...), and the Unicode bidirectional overrides
# and isolates that reorder what a reader sees ("Trojan Source", CVE-2021-42574).
_UNPRINTABLE = re.compile(r"[\x00-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def printable(value: str) -> str:
    """`value` with control and bidi characters shown as escapes, for formats a person reads.

    Evidence text comes from the repository under review; it must not move the cursor, recolour the
    terminal, start a new line that looks like gate's own output, or reorder what a reviewer sees.
    """
    return _UNPRINTABLE.sub(_escape, value)


def _escape(match: re.Match[str]) -> str:
    char = match[0]
    code = ord(char)
    return _NAMED.get(char) or (f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")


__all__ = [
    "FORMATS",
    "evidence_summary",
    "failing",
    "failing_summary",
    "headline",
    "observation_line",
    "ordered",
    "printable",
    "render",
    "waiver_line",
]
