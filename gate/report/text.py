"""The text report, for people: what failed, where, and how to clear it; passing items one line each.

Colour only when asked (status words and the verdict, as SGR codes); without it the output holds no escape
codes. Lines are never wrapped, so paths stay whole and greppable. Written directly rather than through rich:
a report has five styled words, and importing rich took a tenth of a small `gate check` (issue 10).
"""

from __future__ import annotations

from dataclasses import dataclass, field

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
SGR = {
    "green": "32",
    "yellow": "33",
    "bold red": "1;31",
    "bold magenta": "1;35",
    "bold green": "1;32",
    "bold yellow": "1;33",
}
"""The styles used, as SGR parameters (the 8 standard colours: any terminal shows them)."""


@dataclass
class Text:
    """One output line: text runs, each with a style or none."""

    plain: str = ""
    runs: list[tuple[str, str | None]] = field(default_factory=list)

    def __post_init__(self) -> None:
        if self.plain:
            self.runs.append((self.plain, None))

    @classmethod
    def assemble(cls, *parts: str | tuple[str, str] | Text) -> Text:
        line = cls()
        for part in parts:
            if isinstance(part, Text):
                line.runs.extend(part.runs)
            else:
                line.runs.append((part, None) if isinstance(part, str) else part)
        return line

    def append(self, text: str) -> None:
        self.runs.append((text, None))

    def render(self, *, color: bool) -> str:
        if not color:
            return "".join(text for text, _ in self.runs)
        return "".join(f"\x1b[{SGR[style]}m{text}\x1b[0m" if style and text else text for text, style in self.runs)


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
    # `width` is accepted for the renderers' common signature: lines are never wrapped.
    return "".join(line.render(color=color) + "\n" for line in lines)
