"""The detail pane: an item's rationale, every evidence entry with its observations, the evidence digest,
the sign-offs given (fresh, counted, or why not), and what you may do on it (or why you may not).

Text read from the repository under review goes through `printable` and into rich Text (never markup),
so it cannot restyle the screen or move the cursor.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.widgets import Static

from gate.report import printable
from gate.results import EntryView, Evidence, ItemResult, Observation, SignoffStatus
from gate.tui.session import Choice, Review, Revocable
from gate.tui.widgets.items import SIGNOFF_STYLES, STATUS_STYLES

KEYS = {"approve": "a", "reject": "r", "waive": "w"}
HEADING = "bold underline"


def _observation(obs: Observation, kind: str) -> list[Text]:
    mark = ("✗ ", "red") if obs.failing else ("· ", "dim")
    line = Text.assemble("    ", mark)
    facts = []
    if obs.path:
        line.append(printable(obs.where), style="bold")
        line.append(": ")
        if obs.commit:
            facts.append(f"commit {obs.commit[:12]}" + (f" by {printable(obs.author)}" if obs.author else ""))
    elif obs.commit:
        # A commit is the place: `9f8e7d6c5b4a by alice@example.com: Reviewed-by: ...`
        line.append(obs.commit[:12], style="bold")
        line.append(f" by {printable(obs.author)}: " if obs.author else ": ")
    if obs.author and not obs.commit:
        facts.append(f"author {printable(obs.author)}")
    line.append(printable(obs.message))
    if obs.test:
        facts.append(f"test {printable(obs.test)}")
    if obs.rule:
        facts.append(f"{'canary' if kind == 'canary' else 'rule'} {printable(obs.rule)}")
    if obs.pointer:
        facts.append(f"at {printable(obs.pointer)}")
    lines = [line]
    if facts:
        lines.append(Text("      " + " · ".join(facts), style="dim"))
    return lines


def _evidence(ev: Evidence) -> list[Text]:
    head = Text.assemble("  ", (ev.status.value, STATUS_STYLES[ev.status]), f" {ev.kind}")
    if ev.label:
        head.append(f" ({printable(ev.label)})")
    head.append(f": {printable(ev.summary)}")
    lines = [head]
    for obs in ev.observations:
        lines.extend(_observation(obs, ev.kind))
    if ev.omitted:
        lines.append(Text(f"    +{ev.omitted} more observations", style="dim"))
    if ev.fix:
        lines.append(Text(f"    fix: {printable(ev.fix)}", style="italic"))
    if ev.read:
        files = sum(1 for r in ev.read if r.sha256)
        commits = sum(1 for r in ev.read if r.commit and not r.sha256)
        parts = [f"{files} file{'s' if files != 1 else ''}"] if files else []
        parts += [f"{commits} commit{'s' if commits != 1 else ''}"] if commits else []
        if parts:
            lines.append(Text(f"    read {', '.join(parts)}", style="dim"))
    return lines


def _entry(view: EntryView) -> list[Text]:
    if view.counted and view.reason is None:
        mark, note, style = "✓ ", "fresh, counts", "green"
    elif view.counted:
        mark, note, style = "! ", view.reason or "", "bold red"
    else:
        mark, note, style = "✗ ", view.reason or "does not count", "yellow"
    line = Text.assemble(
        "  ",
        (mark, style),
        (view.decision, "bold"),
        f" by {printable(view.signer)} ({printable(view.role or '-')}), {view.signed_at:%Y-%m-%d %H:%MZ}",
    )
    if view.expires is not None:
        line.append(f", until {view.expires:%Y-%m-%d}")
    line.append(f" [{view.id[:12]}]", style="dim")
    return [
        line,
        Text.assemble("      ", (printable(note), style)),
        Text(f'      "{printable(view.comment)}"', style="italic"),
    ]


def _signoffs(item: ItemResult) -> list[Text]:
    state = item.signoff_state
    head = Text("Sign-off", style=HEADING)
    if state is None:
        return [head, Text("  not checked", style="dim")]
    head.append("  ")
    head.append(state.status.value, style=SIGNOFF_STYLES[state.status])
    lines = [head]
    for p in state.roles:
        who = ", ".join(p.signers) or "nobody yet"
        extra = ", independent of the authors" if p.independent_of == "authors" else ""
        lines.append(Text(f"  {p.role} {min(len(p.signers), p.needed)}/{p.needed}{extra}: {who}"))
    if state.status is SignoffStatus.NOT_REQUIRED:
        lines.append(Text("  this item needs no sign-off", style="dim"))
    if not state.entries:
        lines.append(Text("  no sign-offs given yet", style="dim"))
    for view in state.entries:
        lines.extend(_entry(view))
    if item.waiver is not None:
        w = item.waiver
        lines.append(
            Text(f"  waived by {printable(w.by)} ({w.role}) until {w.expires:%Y-%m-%d}: {printable(w.justification)}")
        )
    return lines


def _yours(review: Review, choices: Mapping[str, Choice], revocable: Sequence[Revocable]) -> list[Text]:
    who = review.identity.signer.identity if review.identity else "no key"
    lines = [Text(f"You ({printable(who)})", style=HEADING)]
    for decision, key in KEYS.items():
        choice = choices.get(decision)
        if choice is None:
            continue
        line = Text.assemble("  ", (key, "bold"), f" {decision}: ")
        if choice.allowed:
            line.append(f"as {' or '.join(choice.roles)}", style="green")
        else:
            line.append(printable(choice.refusal or "not allowed"), style="yellow")
        lines.append(line)
    line = Text.assemble("  ", ("x", "bold"), " revoke: ")
    mine = [r for r in revocable if r.refusal is None]
    if mine:
        line.append(", ".join(f"{r.entry.decision} by {r.entry.signer} [{r.entry.id[:12]}]" for r in mine), "green")
    elif revocable:
        line.append(printable(revocable[0].refusal or ""), style="yellow")
    else:
        line.append("no sign-off in force to revoke", style="dim")
    lines.append(line)
    return lines


def detail_text(review: Review, item_id: str, choices: Mapping[str, Choice], revocable: Sequence[Revocable]) -> Text:
    """Everything about one item, as the detail pane shows it."""
    item = review.result(item_id)
    definition = review.definition(item_id)
    title = Text.assemble((printable(item.id), "bold"), "  ", printable(item.title))
    location = item.location
    if review.root is not None:
        location = location.removeprefix(f"{review.root}/")
    meta = Text(
        f"{item.severity} · stages: {', '.join(item.stages) if item.stages else 'all'} · defined at "
        f"{printable(location)}",
        style="dim",
    )
    lines: list[Text] = [title, meta, Text(), Text("Why", style=HEADING)]
    lines.append(Text(f"  {printable(definition.rationale.strip())}" if definition.rationale.strip() else "  -"))
    lines += [Text(), Text.assemble(("Evidence", HEADING), "  ", (item.status.value, STATUS_STYLES[item.status]))]
    for ev in item.evidence:
        lines.extend(_evidence(ev))
    lines.append(Text(f"  evidence digest sha256:{item.evidence_digest}", style="dim"))
    lines += [Text(), *_signoffs(item), Text(), *_yours(review, choices, revocable)]
    return Text("\n").join(lines)


class DetailPane(Vertical):
    """A bordered pane holding a scrollable Static with `detail_text` for the highlighted item.

    The border is on this outer box, so the scrollbar sits inside it.
    """

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="detail-scroll"):
            yield Static(id="detail-body")

    def show(self, text: Text | None) -> None:
        body = self.query_one("#detail-body", Static)
        body.update(text if text is not None else Text("no item selected", style="dim"))
        self.query_one("#detail-scroll", VerticalScroll).scroll_home(animate=False)
