"""Messages the app's workers post back to the UI loop (past tense: what happened).

Workers run in threads; `post_message` is the one thread-safe way they talk to the app.
"""

from __future__ import annotations

from textual.message import Message

from gate.tui.session import Review, Signed


class Loaded(Message):
    """A review was loaded (or the ledger re-read after a signature)."""

    def __init__(self, review: Review, *, rerun: bool) -> None:
        super().__init__()
        self.review = review
        self.rerun = rerun
        """True when the evidence was re-checked (R), False when only the ledger was re-read."""


class LoadFailed(Message):
    """Loading failed: the message (and hint) to show instead of the items."""

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__()
        self.message = message
        self.hint = hint


class EntryWritten(Message):
    """A decision was signed and written to the ledger."""

    def __init__(self, signed: Signed) -> None:
        super().__init__()
        self.signed = signed


class SignFailed(Message):
    """Signing failed or was refused: nothing was written."""

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__()
        self.message = message
        self.hint = hint
