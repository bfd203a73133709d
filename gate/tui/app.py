"""The sign-off app: owns the session and the workers; the main screen shows, the workers load and sign.

Loading (git, the check, the ledger) and signing (ssh-keygen, the ledger lock) run in `@work(thread=True)`
workers and report back with messages, so the screen never freezes. Every error becomes a message in
the app (an error panel or a notification), never a traceback. An encrypted key's passphrase is asked in
a modal: the signing thread waits for the modal's answer.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime

from textual import on, work
from textual.app import App
from textual.worker import get_current_worker

from gate import ledger
from gate.errors import GateError
from gate.signing import SigningError
from gate.tui.messages import EntryWritten, Loaded, LoadFailed, SignFailed
from gate.tui.screens.main import MainScreen
from gate.tui.screens.passphrase import PassphraseScreen
from gate.tui.session import Options, Review, Session, SignCancelled, SignRequest

PASSPHRASE_TRIES = 3
"""Wrong passphrases allowed per signature before giving up (as ssh does)."""


class SignoffApp(App[int]):
    """`gate signoff`: review the evidence of a release and sign decisions on its items."""

    TITLE = "gate signoff"
    ENABLE_COMMAND_PALETTE = False

    def __init__(self, session: Session, *, review: Review | None = None) -> None:
        super().__init__()
        self.session = session
        self.review = review
        self.main: MainScreen
        self.last_error: str | None = None
        """The last error shown (for tests and for people reading the status line)."""
        self.written: list[str] = []
        """Repo-relative paths of the entries written in this run."""

    async def on_mount(self) -> None:
        self.main = MainScreen(self.session)
        await self.push_screen(self.main)
        if self.review is not None:
            self.post_message(Loaded(self.review, rerun=True))
        else:
            self.main.show_busy("loading")
            self.load(rerun=True)

    # --- loading ---------------------------------------------------------------------------------

    @work(thread=True, exclusive=True, group="load", exit_on_error=False)
    def load(self, rerun: bool) -> None:
        """Load the review (rerun) or re-read the ledger for the current one; posts Loaded or LoadFailed."""
        try:
            review = self.session.load() if rerun or self.review is None else self.session.rejudge(self.review)
        except GateError as exc:
            self.post_message(LoadFailed(str(exc), exc.hint))
        except Exception as exc:  # noqa: BLE001 - a bug: shown in the app, never a traceback over the screen
            self.post_message(LoadFailed(f"internal error: {type(exc).__name__}: {exc}", _BUG_HINT))
        else:
            self.post_message(Loaded(review, rerun=rerun))

    @on(Loaded)
    def _loaded(self, message: Loaded) -> None:
        newly_cleared = self.review is not None and not self.review.cleared and message.review.cleared
        self.review = message.review
        self.main.show_busy(None)
        self.main.show_review(message.review)
        if message.rerun:
            report = message.review.report
            self.main.show_status(f"loaded {len(report.items)} items of release {message.review.release}")
        if newly_cleared:
            self.notify("every item is cleared: commit the sign-offs and write the attestation", timeout=10)

    @on(LoadFailed)
    def _load_failed(self, message: LoadFailed) -> None:
        self.main.show_busy(None)
        self._error(message.message, message.hint)
        self.main.show_status("not loaded: press R to try again, q to quit", style="bold")

    @on(MainScreen.RerunAsked)
    def _rerun(self) -> None:
        self.main.show_error(None)
        self.main.show_busy("re-running the check" if self.session.options.report is None else "re-reading")
        self.load(rerun=True)

    # --- signing ---------------------------------------------------------------------------------

    @on(MainScreen.Decided)
    def _decided(self, message: MainScreen.Decided) -> None:
        request = message.request
        self.main.show_error(None)
        self.main.show_busy(f"signing {request.decision} of '{request.item_id}'")
        self.sign(request)

    @work(thread=True, group="sign", exit_on_error=False)
    def sign(self, request: SignRequest) -> None:
        """Sign one decision; posts EntryWritten or SignFailed. Asks for a passphrase in a modal if needed."""
        review = self.review
        if review is None:
            self.post_message(SignFailed("nothing is loaded"))
            return
        problem: list[str] = []
        key = review.identity.key_file if review.identity else None

        def passphrase() -> str:
            return self.ask_passphrase(str(key), problem[-1] if problem else None)

        try:
            for attempt in range(PASSPHRASE_TRIES):
                try:
                    signed = self.session.sign(review, request, passphrase)
                    break
                except SigningError as exc:
                    if exc.message.startswith("wrong passphrase") and attempt < PASSPHRASE_TRIES - 1:
                        problem.append(exc.message + ": try again")
                        continue
                    raise
        except SignCancelled as exc:
            reason = problem[-1].removesuffix(": try again") if problem else exc.message
            self.post_message(SignFailed(f"not signed: {reason}"))
        except GateError as exc:
            self.post_message(SignFailed(f"not signed: {exc}", exc.hint))
        except Exception as exc:  # noqa: BLE001 - a bug: shown in the app, never a traceback over the screen
            self.post_message(SignFailed(f"internal error: {type(exc).__name__}: {exc}", _BUG_HINT))
        else:
            self.post_message(EntryWritten(signed))

    def ask_passphrase(self, key: str, problem: str | None) -> str:
        """Called from the signing thread: show the passphrase modal and wait for its answer."""
        answers: list[str | None] = []
        done = threading.Event()

        def answered(value: str | None) -> None:
            answers.append(value)
            done.set()

        try:
            self.call_from_thread(self.push_screen, PassphraseScreen(key, problem), answered)
        except RuntimeError:
            raise SignCancelled("the app closed before the passphrase was given") from None
        worker = get_current_worker()
        while not done.wait(0.1):
            if worker.is_cancelled:
                raise SignCancelled("the app closed before the passphrase was given")
        if answers[0] is None:
            raise SignCancelled("no passphrase given")
        return answers[0]

    @on(EntryWritten)
    def _written(self, message: EntryWritten) -> None:
        body = message.signed.body
        self.written.append(message.signed.path)
        target = f"'{body.item}'" if body.item else "the release"
        shown = message.signed.path.removesuffix(".json")[:-52] + "….json"  # the id's first 12 digits
        self.main.show_status(f"signed {body.decision} of {target} as {body.role or '-'}: {shown}")
        self.notify(f"{body.decision} of {target} written to {shown}", title="signed")
        self.main.show_busy("re-reading the ledger")
        self.load(rerun=False)

    @on(SignFailed)
    def _sign_failed(self, message: SignFailed) -> None:
        self.main.show_busy(None)
        self._error(message.message, message.hint)
        self.main.show_status(message.message, style="bold red")

    def _error(self, message: str, hint: str | None) -> None:
        self.last_error = message
        self.main.show_error(message, hint)


_BUG_HINT = "this is a bug in gate; run `gate --debug signoff ...` and report it"


def make_app(
    options: Options,
    *,
    clock: Callable[[], datetime] = ledger.now_utc,
    review: Review | None = None,
) -> SignoffApp:
    """The app for `gate signoff` and for the tests.

    `clock` is the time decisions are judged and signed at (frozen in tests). `review` starts the app on a
    review held in memory instead of loading one (the snapshot tests' fixed report).
    """
    return SignoffApp(Session(options, clock=clock), review=review)
