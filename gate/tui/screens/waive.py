"""The waive form: a justification and an expiry date, validated against the item's waiver policy."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from pathlib import PurePath
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Select, Static

from gate.model import WaiverPolicy
from gate.report import failing_summary, printable
from gate.results import ItemResult
from gate.tui.session import end_of_day, waiver_window


@dataclass(frozen=True)
class WaiveAnswer:
    justification: str
    expires: datetime
    role: str | None


def check_expiry(text: str, item_id: str, policy: WaiverPolicy, now: datetime) -> datetime | str:
    """The expiry (end of that day, UTC) for `YYYY-MM-DD`, or why it is refused."""
    first, last = waiver_window(now, policy.max_days)
    try:
        day = date.fromisoformat(text.strip())
    except ValueError:
        return f"expiry: '{printable(text.strip())}' is not a date (YYYY-MM-DD)"
    expires = end_of_day(day)
    if expires < first:
        return f"expiry: {day} is in the past"
    if expires > last:
        return (
            f"expiry: {day} is after {last:%Y-%m-%d}: '{item_id}' allows waivers of at most {policy.max_days} "
            f"day{'s' if policy.max_days != 1 else ''}"
        )
    return expires


class WaiveScreen(ModalScreen[WaiveAnswer | None]):
    """A modal with the justification and the expiry; enter moves on, and signs from the last field."""

    CSS_PATH: ClassVar[list[str | PurePath]] = ["dialog.tcss", "waive.tcss"]
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, item: ItemResult, policy: WaiverPolicy, roles: tuple[str, ...], *, now: datetime) -> None:
        super().__init__()
        self.item = item
        self.policy = policy
        self.roles = roles
        self.now = now

    def compose(self) -> ComposeResult:
        first, last = waiver_window(self.now, self.policy.max_days)
        days = self.policy.max_days
        with Vertical(id="dialog", classes="dialog waive"):
            title = Text.assemble(("Waive", "bold"), f" '{printable(self.item.id)}'")
            if len(self.roles) == 1:
                title.append(f" as {self.roles[0]}")
            yield Static(title, classes="dialog-title")
            yield Static(Text(printable(self.item.title)), classes="dialog-subtitle")
            yield Static(
                Text.assemble(
                    (self.item.status.value, "bold red"),
                    f": {printable(failing_summary(self.item))}\n",
                    "A waiver turns this FAIL into WAIVED until it expires, for this evidence only (digest "
                    f"{self.item.evidence_digest[:12]}). Policy: {', '.join(self.policy.roles)} may waive it for at "
                    f"most {days} day{'s' if days != 1 else ''}.",
                ),
                classes="dialog-explain",
            )
            if len(self.roles) > 1:
                yield Label("as role")
                yield Select([(r, r) for r in self.roles], value=self.roles[0], allow_blank=False, id="role")
            yield Label("Justification")
            yield Input(placeholder="why the FAIL is accepted, and until what fix (required)", id="justification")
            yield Label(f"Expires (end of the day, UTC): {first:%Y-%m-%d} to {last:%Y-%m-%d}")
            yield Input(placeholder=f"YYYY-MM-DD, at the latest {last:%Y-%m-%d}", id="expires")
            yield Static("", id="form-error", classes="form-error")
            yield Static(Text("tab: next field · enter: sign · escape: cancel", style="dim"), classes="dialog-keys")

    def on_mount(self) -> None:
        self.query_one("#justification", Input).focus()

    @on(Input.Submitted, "#justification")
    def _next(self) -> None:
        self.query_one("#expires", Input).focus()

    @on(Input.Submitted, "#expires")
    def _submitted(self) -> None:
        error = self.query_one("#form-error", Static)
        justification = self.query_one("#justification", Input).value.strip()
        if not justification:
            error.update("a justification is required")
            self.query_one("#justification", Input).focus()
            return
        expires = check_expiry(self.query_one("#expires", Input).value, self.item.id, self.policy, self.now)
        if isinstance(expires, str):
            error.update(expires)
            return
        role: str | None = self.roles[0] if self.roles else None
        if len(self.roles) > 1:
            value = self.query_one("#role", Select).value
            role = value if isinstance(value, str) else None
        self.dismiss(WaiveAnswer(justification, expires, role))

    def action_cancel(self) -> None:
        self.dismiss(None)
