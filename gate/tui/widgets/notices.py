"""Notices under and over the table: the error panel, the status line and the "ready to attest" panel."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from gate.report import printable


class ErrorPanel(Static):
    """The last error (message and hint) until it is dismissed (escape) or an action succeeds."""

    def show(self, message: str | None, hint: str | None = None) -> None:
        if message is None:
            self.display = False
            self.update("")
            return
        text = Text.assemble(("error: ", "bold"), printable(message))
        if hint:
            text.append(f"\nhint: {printable(hint)}")
        self.update(text)
        self.display = True


class StatusLine(Static):
    """One line: what is running (loading, signing) or what last happened."""

    def say(self, message: str, *, style: str = "") -> None:
        self.update(Text(printable(message), style=style))


class ReadyPanel(Static):
    """Shown when every item is cleared: the commands that commit the sign-offs and write the attestation."""

    def show(self, commands: tuple[str, str, str] | None) -> None:
        if commands is None:
            self.display = False
            return
        commit, attest, role = commands
        self.update(
            Text.assemble(
                ("Every item is cleared. ", "bold green"),
                f"Commit the sign-offs, then a {role} writes the attestation:\n",
                f"  {commit}\n",
                f"  {attest}",
            )
        )
        self.display = True
