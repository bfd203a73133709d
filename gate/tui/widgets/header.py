"""The header: which release, checklist and commit are under review, the verdict, and who you are."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from gate.report import VERDICT_WORDS, printable
from gate.results import Report
from gate.tui.session import Review, blocks

VERDICT_STYLES = {"PASSED": "bold green", "BLOCKED": "bold red", "PENDING": "bold yellow"}


def header_text(review: Review | None, *, release: str, loading: str | None = None) -> Text:
    """Three lines: the release under review; its verdict; you, your roles and your key."""
    top = Text.assemble(("gate signoff", "bold"), " · release ", (release, "bold"))
    if review is None:
        return Text("\n").join([top, Text(loading or "not loaded", style="dim"), Text("you: …", style="dim")])
    report = review.report
    commit = report.release_commit or review.commit
    top.append(f" · checklist {printable(report.checklist.id)} v{report.checklist.version}")
    top.append(f" · release commit {commit[:12]}" if commit else " · no release commit")
    word = VERDICT_WORDS[report.verdict]
    verdict = Text.assemble((word, VERDICT_STYLES[word]), f" · {counts(report)}")
    if review.source:
        verdict.append(f" · evidence {printable(review.source)}", style="dim")
    return Text("\n").join([top, verdict, identity_text(review)])


def counts(report: Report) -> str:
    """`1/3 items cleared · evidence 2/3 pass, 1 fail`: how many items need nothing more, then the evidence."""
    s = report.summary
    out = [f"{s.passed}/{s.items} pass"]
    out += [f"{s.failed} fail"] if s.failed else []
    out += [f"{s.errors} error{'s' if s.errors != 1 else ''}"] if s.errors else []
    out += [f"{s.waived} waived"] if s.waived else []
    cleared = sum(not blocks(i) for i in report.items)
    return f"{cleared}/{s.items} items cleared · evidence " + ", ".join(out)


def identity_text(review: Review) -> Text:
    """`you: carol (safety-lead, release-manager) · key SHA256:...`, or `you: no key — the reason`."""
    identity = review.identity
    if identity is None:
        return Text.assemble("you: ", ("no key", "bold red"), f" — {printable(review.no_key or 'no signing key')}")
    signer = identity.signer
    roles = ", ".join(signer.roles) or "no roles"
    source = "ssh-agent" if identity.key_file is None and identity.agent_key is not None else "key file"
    if identity.key_file is None and identity.agent_key is None:
        source = "listed"
    return Text.assemble(
        "you: ",
        (signer.identity, "bold"),
        f" ({roles}) · key {identity.key.key.fingerprint} ({identity.key.key.type}, {source})",
    )


class ReleaseHeader(Static):
    """Shows `header_text` for the review the screen hands down."""

    def show(self, review: Review | None, *, release: str, loading: str | None = None) -> None:
        self.update(header_text(review, release=release, loading=loading))
