"""The revoke picker: the item's sign-offs in force; the ones you may not revoke say why."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import PurePath
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label, OptionList, Static
from textual.widgets.option_list import Option

from gate.report import printable
from gate.results import ItemResult
from gate.tui.session import Revocable, entry_line


class RevokeScreen(ModalScreen[str | None]):
    """Pick the entry to revoke; returns its id."""

    CSS_PATH: ClassVar[list[str | PurePath]] = ["dialog.tcss", "revoke.tcss"]
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, item: ItemResult, entries: Sequence[Revocable]) -> None:
        super().__init__()
        self.item = item
        self.entries = entries

    def compose(self) -> ComposeResult:
        options = []
        for r in self.entries:
            prompt = Text.assemble(printable(entry_line(r.entry)), (f" [{r.entry.id[:12]}]", "dim"))
            prompt.append(f'\n  "{printable(r.entry.comment)}"', style="italic")
            if r.refusal:
                prompt.append(f"\n  {printable(r.refusal)}", style="yellow")
            options.append(Option(prompt, id=r.entry.id, disabled=r.refusal is not None))
        with Vertical(id="dialog", classes="dialog revoke"):
            yield Label(Text.assemble(("Revoke", "bold"), f" a sign-off on '{printable(self.item.id)}'"))
            yield OptionList(*options, id="entries")
            yield Static(Text("enter: choose · escape: cancel", style="dim"), classes="dialog-keys")

    def on_mount(self) -> None:
        entries = self.query_one("#entries", OptionList)
        entries.focus()
        first = next((i for i, r in enumerate(self.entries) if r.refusal is None), None)
        if first is not None:
            entries.highlighted = first

    @on(OptionList.OptionSelected, "#entries")
    def _picked(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def action_cancel(self) -> None:
        self.dismiss(None)
