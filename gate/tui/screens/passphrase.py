"""The passphrase prompt for an encrypted key file: asked inside the app, never on the terminal behind it."""

from __future__ import annotations

from pathlib import PurePath
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from gate.report import printable


class PassphraseScreen(ModalScreen[str | None]):
    """A password Input; returns the passphrase, or None when cancelled."""

    CSS_PATH: ClassVar[list[str | PurePath]] = ["dialog.tcss", "passphrase.tcss"]
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, key: str, problem: str | None = None) -> None:
        super().__init__()
        self.key = key
        self.problem = problem

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog", classes="dialog passphrase"):
            yield Static(Text("Passphrase", style="bold"), classes="dialog-title")
            yield Static(Text(f"{printable(self.key)} is encrypted. Its passphrase signs this one decision."))
            yield Input(password=True, placeholder="passphrase", id="passphrase")
            yield Static(Text(printable(self.problem or "")), id="form-error", classes="form-error")
            keys = "enter: sign · escape: cancel (ssh-add the key to sign without this prompt)"
            yield Static(Text(keys, style="dim"))

    def on_mount(self) -> None:
        self.query_one("#passphrase", Input).focus()

    @on(Input.Submitted, "#passphrase")
    def _submitted(self, event: Input.Submitted) -> None:
        self.dismiss(event.value)

    def action_cancel(self) -> None:
        self.dismiss(None)
