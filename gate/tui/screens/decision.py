"""The decision form: approve, reject or revoke with a comment (and a role, when you hold several that fit)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import PurePath
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Select, Static

from gate.ledger import Decision
from gate.report import printable
from gate.results import ItemResult

EXPLAIN = {
    "approve": "Your approval binds the checklist, the item's definition and its evidence as they are now "
    "(evidence digest {digest}); any change makes it stale.",
    "reject": "A reject by a required role blocks the release until it is revoked.",
    "revoke": "The revoke withdraws entry {entry}; the decision it made stops counting.",
}


@dataclass(frozen=True)
class DecisionAnswer:
    comment: str
    role: str | None


class DecisionScreen(ModalScreen[DecisionAnswer | None]):
    """A modal asking for the comment that goes into the signed entry."""

    CSS_PATH: ClassVar[list[str | PurePath]] = ["dialog.tcss", "decision.tcss"]
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel")]

    def __init__(
        self, decision: Decision, item: ItemResult, roles: tuple[str, ...], *, revoking: str | None = None
    ) -> None:
        super().__init__()
        self.decision = decision
        self.item = item
        self.roles = roles
        self.revoking = revoking

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog", classes=f"dialog {self.decision}"):
            title = Text.assemble((self.decision.title(), "bold"), f" '{printable(self.item.id)}'")
            if len(self.roles) == 1:
                title.append(f" as {self.roles[0]}")
            yield Static(title, classes="dialog-title")
            yield Static(Text(printable(self.item.title)), classes="dialog-subtitle")
            explain = EXPLAIN[self.decision].format(
                digest=self.item.evidence_digest[:12], entry=(self.revoking or "")[:12]
            )
            yield Static(Text(explain), classes="dialog-explain")
            if len(self.roles) > 1:
                yield Label("as role")
                yield Select([(r, r) for r in self.roles], value=self.roles[0], allow_blank=False, id="role")
            yield Label("Comment")
            yield Input(placeholder="comment (required): what you checked, why", id="comment")
            yield Static("", id="form-error", classes="form-error")
            yield Static(Text("enter: sign · escape: cancel", style="dim"), classes="dialog-keys")

    def on_mount(self) -> None:
        self.query_one("#comment", Input).focus()

    @on(Input.Submitted, "#comment")
    def _submitted(self, event: Input.Submitted) -> None:
        comment = event.value.strip()
        if not comment:
            self.query_one("#form-error", Static).update("a comment is required")
            return
        role: str | None = self.roles[0] if self.roles else None
        if len(self.roles) > 1:
            value = self.query_one("#role", Select).value
            role = value if isinstance(value, str) else None
        self.dismiss(DecisionAnswer(comment, role))

    def action_cancel(self) -> None:
        self.dismiss(None)
