"""The help screen: the keys, and what the states mean."""

from __future__ import annotations

from pathlib import PurePath
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

KEYS = [
    ("↑ ↓", "move between items; the detail pane follows"),
    ("a", "approve the item (your role, a comment)"),
    ("r", "reject it: blocks the release until revoked"),
    ("w", "waive a FAIL: a justification and an expiry, within the policy"),
    ("x", "revoke a sign-off (yours, or any as the checklist owner)"),
    ("/", "filter by text (id, title, status, severity, stage, role)"),
    ("b", "only what blocks: failing, rejected, or awaiting sign-off"),
    ("R", "re-run the check (or re-read the report) and the ledger"),
    ("?", "this help"),
    ("q", "quit"),
]
STATES = [
    ("Evidence", "PASS, FAIL, ERROR (unreadable, never waivable), WAIVED"),
    ("Sign-off", "APPROVED, PENDING (n/m per role), STALE, REJECTED"),
    ("Refusals", "what you may not sign says why (role, independence, FAIL)"),
    ("Signing", "--key FILE (passphrase asked here) or your ssh-agent key"),
    ("Entries", "one file each in .gate/signoffs/RELEASE/: commit them"),
]


def help_text() -> Text:
    lines = [Text("gate signoff — keys", style="bold"), Text()]
    lines += [Text.assemble((f"  {key:<4}", "bold"), f" {what}") for key, what in KEYS]
    lines += [Text(), Text("What you see", style="bold"), Text()]
    lines += [Text.assemble((f"  {name:<9}", "bold"), f" {what}") for name, what in STATES]
    lines += [Text(), Text("escape, q or ? closes this help", style="dim")]
    return Text("\n").join(lines)


class HelpScreen(ModalScreen[None]):
    """Keys and states, over the main screen."""

    CSS_PATH: ClassVar[list[str | PurePath]] = ["dialog.tcss", "help.tcss"]
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Close"),
        Binding("q", "close", "Close", show=False),
        Binding("question_mark", "close", "Close", show=False),
    ]

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="dialog", classes="dialog help"):
            yield Static(help_text())

    def action_close(self) -> None:
        self.dismiss(None)
