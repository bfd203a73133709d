"""The main screen: the header, the item table, the detail pane, the notices and the key bindings.

It shows the review the app hands down (`show_review`) and turns keys into decisions: it asks the session
what you may do (signoff.prepare's refusals, computed without signing), opens the forms, and posts the
filled-in decision up to the app, which signs it in a worker. It never signs, loads or touches git itself.
"""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Input

from gate.ledger import Decision
from gate.report import ordered, printable
from gate.results import ItemResult
from gate.tui.screens.decision import DecisionScreen
from gate.tui.screens.help import HelpScreen
from gate.tui.screens.revoke import RevokeScreen
from gate.tui.screens.waive import WaiveScreen
from gate.tui.session import Choice, Review, Session, SignRequest, blocks
from gate.tui.widgets.detail import DetailPane, detail_text
from gate.tui.widgets.header import ReleaseHeader
from gate.tui.widgets.items import ItemTable
from gate.tui.widgets.notices import ErrorPanel, ReadyPanel, StatusLine


class MainScreen(Screen[None]):
    """Items on top, the highlighted item's detail below."""

    CSS_PATH = "main.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("a", "decide('approve')", "Approve"),
        Binding("r", "decide('reject')", "Reject"),
        Binding("w", "decide('waive')", "Waive"),
        Binding("x", "revoke", "Revoke"),
        Binding("slash", "filter", "Filter", key_display="/"),
        Binding("b", "only_blocking", "Blocking"),
        Binding("R", "rerun", "Re-run", key_display="R"),
        Binding("question_mark", "help", "Help", key_display="?"),
        Binding("q", "quit", "Quit"),
        Binding("escape", "dismiss_error", "Dismiss", show=False),
    ]

    class Decided(Message):
        """The person filled in a decision: the app signs it."""

        def __init__(self, request: SignRequest) -> None:
            super().__init__()
            self.request = request

    class RerunAsked(Message):
        """The person asked to re-run the check (or re-read the report file) and the ledger."""

    def __init__(self, session: Session) -> None:
        super().__init__()
        self.session = session
        self.review: Review | None = None
        self.only_blocking = False
        self.filter_text = ""
        self.error: tuple[str, str | None] | None = None
        self.busy: str | None = None
        self.status: tuple[str, str] = ("", "")
        self.refused: str | None = None
        """The last refusal shown (why you may not sign what you asked to)."""

    def compose(self) -> ComposeResult:
        yield ReleaseHeader(id="header")
        yield ErrorPanel(id="error")
        yield Input(placeholder="filter items: id, title, status, severity, stage, role", id="filter")
        yield ItemTable(id="items")
        yield DetailPane(id="detail")
        yield ReadyPanel(id="ready")
        yield StatusLine(id="status")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.query_one("#filter", Input).display = False
        self.query_one(ErrorPanel).show(None)
        self.query_one(ReadyPanel).show(None)
        self.query_one(DetailPane).border_title = "Detail"
        self._header()
        self.query_one(ItemTable).focus()

    # --- attributes flowing down -----------------------------------------------------------------

    def show_review(self, review: Review) -> None:
        """Show a (re)loaded review, keeping the highlighted item."""
        self.review = review
        self._refill()
        commands = None
        if review.cleared:
            commands = (
                self.session.commit_command(review),
                self.session.attest_command(review),
                review.loaded.checklist.release_role,
            )
        self.query_one(ReadyPanel).show(commands)

    def show_busy(self, what: str | None) -> None:
        """`loading…`, `signing…` while a worker runs; None when it is done."""
        self.busy = what
        self._header()
        self._status()
        if self.review is None:
            self._detail()

    def show_status(self, message: str, *, style: str = "") -> None:
        """What last happened, shown when nothing is running."""
        self.status = (message, style)
        self._status()

    def _status(self) -> None:
        if self.busy:
            self.query_one(StatusLine).say(self.busy + "…", style="dim")
        else:
            self.query_one(StatusLine).say(*self.status[:1], style=self.status[1])

    def show_error(self, message: str | None, hint: str | None = None) -> None:
        """Show an error (never a traceback) in the error panel; None clears it."""
        self.error = None if message is None else (message, hint)
        self.query_one(ErrorPanel).show(message, hint)

    # --- drawing ---------------------------------------------------------------------------------

    def _header(self) -> None:
        self.query_one(ReleaseHeader).show(self.review, release=self.session.options.release, loading=self.busy)

    def _visible(self) -> list[ItemResult]:
        if self.review is None:
            return []
        items = ordered(self.review.report)
        if self.only_blocking:
            items = [i for i in items if blocks(i)]
        words = self.filter_text.lower().split()
        if words:
            items = [i for i in items if all(w in self._haystack(i) for w in words)]
        return items

    @staticmethod
    def _haystack(item: ItemResult) -> str:
        state = item.signoff_state
        parts = [item.id, item.title, item.status.value, item.severity, *(item.stages or ["all"])]
        if state is not None:
            parts += [state.status.value, *(r.role for r in state.roles)]
        return " ".join(parts).lower()

    def _refill(self) -> None:
        table = self.query_one(ItemTable)
        keep = table.current
        items = self._visible()
        table.show(items, keep=keep)
        total = len(self.review.report.items) if self.review else 0
        title = f"Items {len(items)} of {total}" if len(items) != total else f"Items ({total})"
        if self.filter_text:
            title += f" · filter '{self.filter_text}'"
        if self.only_blocking:
            title += " · only what blocks"
        table.border_title = title
        self._header()
        self._detail()

    def _detail(self) -> None:
        pane = self.query_one(DetailPane)
        item_id = self.query_one(ItemTable).current
        if self.review is None or item_id is None:
            pane.border_title = "Detail"
            pane.show(None if self.review is not None else Text(self.busy or "nothing loaded", style="dim"))
            return
        pane.border_title = printable(item_id)
        choices = {d: self.session.choice(self.review, item_id, d) for d in ("approve", "reject", "waive")}
        pane.show(detail_text(self.review, item_id, choices, self.session.revocable(self.review, item_id)))

    @on(DataTable.RowHighlighted, "#items")
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._detail()

    # --- filter ----------------------------------------------------------------------------------

    def action_filter(self) -> None:
        box = self.query_one("#filter", Input)
        box.display = True
        box.focus()

    @on(Input.Changed, "#filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        self.filter_text = event.value.strip()
        self._refill()

    @on(Input.Submitted, "#filter")
    def _filter_done(self, event: Input.Submitted) -> None:
        box = self.query_one("#filter", Input)
        box.display = bool(self.filter_text)
        self.query_one(ItemTable).focus()

    def action_only_blocking(self) -> None:
        self.only_blocking = not self.only_blocking
        self._refill()

    def action_dismiss_error(self) -> None:
        box = self.query_one("#filter", Input)
        if box.has_focus:
            box.value = ""
            box.display = False
            self.query_one(ItemTable).focus()
            return
        self.show_error(None)

    # --- actions ---------------------------------------------------------------------------------

    def _target(self, what: str) -> tuple[Review, str] | None:
        if self.review is None:
            self.notify(f"nothing to {what}: no report is loaded", severity="warning")
            return None
        if self.busy and self.busy.startswith("signing"):
            self.notify(f"wait: {self.busy}", severity="warning")
            return None
        item_id = self.query_one(ItemTable).current
        if item_id is None:
            self.notify(f"nothing to {what}: no item is selected", severity="warning")
            return None
        return self.review, item_id

    def _refuse(self, decision: str, item_id: str, choice: Choice) -> None:
        self.refused = choice.refusal
        self.notify(
            printable(choice.refusal or "not allowed"),
            title=f"cannot {decision} '{printable(item_id)}'",
            severity="warning",
            timeout=8,
        )

    def action_decide(self, decision: Decision) -> None:
        target = self._target(decision)
        if target is None:
            return
        review, item_id = target
        choice = self.session.choice(review, item_id, decision)
        if not choice.allowed:
            self._refuse(decision, item_id, choice)
            return
        result = review.result(item_id)
        if decision == "waive":
            policy = review.definition(item_id).waiver
            assert policy is not None  # prepare refuses a waiver on an item without a waiver policy
            self.app.push_screen(
                WaiveScreen(result, policy, choice.roles, now=self.session.clock()),
                lambda answer: self._post(
                    None
                    if answer is None
                    else SignRequest("waive", item_id, answer.justification, answer.role, expires=answer.expires)
                ),
            )
            return
        self.app.push_screen(
            DecisionScreen(decision, result, choice.roles),
            lambda answer: self._post(
                None if answer is None else SignRequest(decision, item_id, answer.comment, answer.role)
            ),
        )

    def action_revoke(self) -> None:
        target = self._target("revoke")
        if target is None:
            return
        review, item_id = target
        entries = self.session.revocable(review, item_id)
        if not any(r.refusal is None for r in entries):
            reason = entries[0].refusal if entries else f"no sign-off on '{item_id}' is in force"
            self._refuse("revoke", item_id, Choice(refusal=reason))
            return
        result = review.result(item_id)

        def picked(entry_id: str | None) -> None:
            if entry_id is None:
                return
            self.app.push_screen(
                DecisionScreen("revoke", result, (), revoking=entry_id),
                lambda answer: self._post(
                    None if answer is None else SignRequest("revoke", item_id, answer.comment, revokes=entry_id)
                ),
            )

        self.app.push_screen(RevokeScreen(result, entries), picked)

    def _post(self, request: SignRequest | None) -> None:
        if request is not None:
            self.post_message(self.Decided(request))

    def action_rerun(self) -> None:
        self.post_message(self.RerunAsked())

    def action_help(self) -> None:
        self.app.push_screen(HelpScreen())

    async def action_quit(self) -> None:
        self.app.exit(0)
