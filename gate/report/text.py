"""The text report, for people: what failed, where, and how to clear it; passing items one line each.

Renders with rich into a string. Colour only when asked (status words and the verdict); without it the
output holds no escape codes. Lines are never wrapped, so paths stay whole and greppable.
"""

from __future__ import annotations

from io import StringIO

from rich.console import Console
from rich.text import Text

from gate.report import (
    evidence_summary,
    failing,
    headline,
    observation_line,
    ordered,
    printable,
    waiver_line,
)
from gate.results import ItemResult, Report, SignoffStatus, Status

STATUS_STYLES = {
    Status.PASS: "green",
    Status.FAIL: "bold red",
    Status.ERROR: "bold magenta",
    Status.WAIVED: "yellow",
}
VERDICT_STYLES = {"PASSED": "bold green", "BLOCKED": "bold red", "PENDING": "bold yellow"}
STATUS_WIDTH = max(len(s.value) for s in Status) + 1


def render(report: Report, *, color: bool = False, width: int = 100) -> str:
    """The report as text; ANSI colour only when `color` is true."""
    lines: list[Text] = []
    for item in ordered(report):
        lines.extend(_item(item))
    lines.extend(_baseline(report))
    if report.notes or report.items:
        lines.append(Text())
    lines.extend(Text(f"note: {printable(note)}") for note in report.notes)
    word, counts, context = headline(report)
    lines.append(Text.assemble((word, VERDICT_STYLES[word]), f": {counts} ({printable(context)})"))
    return _to_string(lines, color=color, width=width)


def _item(item: ItemResult) -> list[Text]:
    status = item.status.value
    head = Text.assemble(
        (status, STATUS_STYLES[item.status]),
        " " * (STATUS_WIDTH - len(status)),
        f"{item.id} [{item.severity}] {printable(item.title)}",
    )
    if item.status is Status.PASS:
        head.append(f": {printable(evidence_summary(item))}")
        return [head, *_signoff(item)]
    if item.status is Status.WAIVED:
        head.append(f": {printable(evidence_summary(item))}")
        return [head, Text(f"  {printable(waiver_line(item.waiver))}"), *_signoff(item)]
    lines = [head]
    for ev, observations in failing(item):
        lines.extend(Text(f"  {printable(observation_line(o))}") for o in observations)
        if not observations:
            lines.append(Text(f"  {printable(ev.summary)}"))
        if ev.omitted:
            lines.append(Text(f"  +{ev.omitted} more"))
        if ev.fix:
            lines.append(Text(f"  fix: {printable(ev.fix)}"))
    lines.extend(_signoff(item))
    return lines


SIGNOFF_STYLES = {
    SignoffStatus.APPROVED: "green",
    SignoffStatus.PENDING: "yellow",
    SignoffStatus.STALE: "yellow",
    SignoffStatus.REJECTED: "bold red",
}


def _signoff(item: ItemResult) -> list[Text]:
    """`  sign-off: PENDING (safety-lead 1/1, auditor 0/1)` and why entries do not count."""
    state = item.signoff_state
    if state is None or state.status is SignoffStatus.NOT_REQUIRED:
        return []
    line = Text.assemble("  sign-off: ", (state.status.value, SIGNOFF_STYLES.get(state.status, "")))
    if state.progress:
        line.append(f" ({state.progress})")
    lines = [line]
    for entry in state.entries:
        if entry.reason:
            lines.append(Text(f"    {entry.decision} by {entry.signer} ({entry.id[:12]}): {printable(entry.reason)}"))
    return lines


def _baseline(report: Report) -> list[Text]:
    """`gate check --baseline`: each weakening with its fingerprint, retired or not, and retires that do not count."""
    info = report.baseline
    if info is None or not (info.weakenings or info.retires):
        return []
    lines = [Text(f"weakenings against baseline {printable(info.ref)} ({info.commit[:12]}):")]
    for w in info.weakenings:
        where = f"{w.subject}: " + (f"{w.item}: " if w.item else "")
        if w.retired:
            word = Text.assemble(("RETIRED", "yellow"), " ")
            tail = f" (retired by {(w.retired_by or '')[:12]})"
        else:
            word = Text.assemble(("WEAKENED", "bold red"))
            tail = ""
        lines.append(Text.assemble("  ", word, f" {w.fingerprint}  {printable(where + w.message)}{tail}"))
    for r in info.retires:
        if not r.counted:
            lines.append(Text(f"  retire by {r.signer} ({r.id[:12]}) of {r.fingerprint}: {printable(r.reason or '')}"))
    if info.blocking:
        lines.append(
            Text(
                f"  fix: revert the weakening, or get a holder of '{info.owner}' (per the baseline) to sign "
                f"`gate sign --release {report.release or 'ID'} --retire FINGERPRINT --baseline {printable(info.ref)}`"
            )
        )
    return lines


def _to_string(lines: list[Text], *, color: bool, width: int) -> str:
    out = StringIO()
    console = Console(
        file=out,
        width=width,
        force_terminal=color,
        force_jupyter=False,
        force_interactive=False,
        color_system="standard" if color else None,
        no_color=not color,
        legacy_windows=False,
        markup=False,
        emoji=False,
        highlight=False,
        soft_wrap=True,
        # The environment must not change the output (COLUMNS, NO_COLOR, TERM): the caller decides.
        _environ={},
    )
    for line in lines:
        console.print(line)
    return out.getvalue()
