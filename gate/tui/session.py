"""What the sign-off app does, without drawing: load a review, say what you may sign and why not, sign.

Every method here may block (git, ssh-keygen, the ledger lock), so the app calls them from worker threads
only. Every rule comes from gate.signoff (`prepare` refuses with the reason); nothing here decides on its
own whether a decision would count. Imports no textual, prints nothing.
"""

from __future__ import annotations

import shlex
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

from gate import gitrepo, ledger, policy, signoff
from gate.errors import GateError, UsageError
from gate.ledger import Decision, Entry, EntryBody
from gate.loader import LoadedChecklist
from gate.model import Item
from gate.results import EntryView, ItemResult, Report, SignoffStatus, Status, Verdict
from gate.signers import Signers
from gate.signoff import Identity, SignRefused, check_report, read_report

ARTIFACT_KINDS = frozenset({"json", "junit", "sarif", "canary"})
"""Evidence kinds read from --artifacts (DESIGN "Where evidence is read")."""


class SignCancelled(GateError):  # noqa: N818 - an expected condition, named for it (STYLE)
    """The person closed the passphrase prompt: nothing was signed."""


@dataclass(frozen=True)
class Options:
    """What `gate signoff` was asked to review (its command-line options)."""

    release: str
    checklist: Path
    repo: Path = Path()
    report: Path | None = None
    """A CI JSON report (`gate check --format json=...`); without it the check runs here."""
    artifacts: Path | None = None
    subjects: tuple[Path, ...] = ()
    release_ref: str | None = None
    use_manifest: bool = True
    key: Path | None = None
    """--key FILE; without it, the ssh-agent key signers.yaml lists for you."""
    stage: str | None = None
    """--stage STAGE: only that stage's items (checked here; a CI report is shown as CI made it)."""


@dataclass(frozen=True)
class Review:
    """One loaded state: the evidence, the ledger applied to it, and who is signing."""

    release: str
    loaded: LoadedChecklist
    evidence: Report
    """The report as checked, before the ledger is applied (re-judged after every signature)."""
    report: Report
    """The report with the ledger applied: sign-off states, waivers, the verdict."""
    entries: tuple[Entry, ...]
    signers: Signers | None
    root: Path | None
    """The repository's top folder (None for a review held in memory)."""
    commit: str
    identity: Identity | None
    no_key: str | None = None
    """Why there is no identity to sign with ("no key" and the reason)."""
    source: str = ""
    """Where the evidence came from: the report file, or "checked here"."""

    def result(self, item_id: str) -> ItemResult:
        return next(i for i in self.report.items if i.id == item_id)

    def definition(self, item_id: str) -> Item:
        return next(i for i in self.loaded.checklist.items if i.id == item_id)

    @property
    def cleared(self) -> bool:
        """Every item cleared: the release can be attested."""
        return self.report.verdict is Verdict.PASSED


@dataclass(frozen=True)
class Choice:
    """What you may do on an item: the roles you may sign a decision as, or why you may not."""

    roles: tuple[str, ...] = ()
    refusal: str | None = None

    @property
    def allowed(self) -> bool:
        return bool(self.roles) and self.refusal is None


@dataclass(frozen=True)
class Revocable:
    """An entry in force on an item, and whether you may revoke it (None) or why not."""

    entry: EntryView
    refusal: str | None = None


@dataclass(frozen=True)
class SignRequest:
    """A decision the person filled in, ready to be prepared and signed."""

    decision: Decision
    item_id: str
    comment: str
    role: str | None = None
    expires: datetime | None = None
    revokes: str | None = None


@dataclass(frozen=True)
class Signed:
    """A decision written to the ledger."""

    body: EntryBody
    path: str
    """Repo-relative path of the new entry file."""


@dataclass
class Session:
    """Loads and signs for one `gate signoff` run. `clock` is the time every decision is judged and signed at."""

    options: Options
    clock: Callable[[], datetime] = ledger.now_utc
    _cwd: Path = field(default_factory=Path.cwd)

    # --- loading -------------------------------------------------------------------------------

    def load(self) -> Review:
        """Load the checklist, the evidence (the report file, or a check run here), the ledger and your key."""
        from gate import api

        o = self.options
        now = self.clock()
        ledger.ledger_dir(Path(), o.release)  # validates the release id first
        loaded = api.load(o.checklist)
        top = gitrepo.toplevel(o.repo)
        if o.report is not None:
            report = read_report(o.report)
            check_report(report, loaded, str(o.report))
            if report.release not in (None, o.release):
                raise UsageError(f"{o.report} was made for release '{report.release}', not '{o.release}'")
            if not report.release_commit:
                raise UsageError(f"{o.report} has no release commit")
            source = f"from {o.report}"
        else:
            report = api.check(
                o.checklist,
                repo=o.repo,
                artifacts=o.artifacts,
                subjects=o.subjects,
                release_ref=o.release_ref,
                release=o.release,
                stage=o.stage,
                evidence_only=True,
                use_manifest=o.use_manifest,
                now=now,
            )
            source = "checked here"
        evidence = report.model_copy(update={"release": o.release})  # policy judges statuses afresh
        commit = report.release_commit or ""
        judged, entries, signers = signoff.evaluate_signoffs(evidence, loaded, top, commit, o.release, now)
        identity: Identity | None = None
        no_key: str | None = None
        try:
            identity = signoff.choose_key(signers, o.key)
        except GateError as exc:
            no_key = exc.message + (f" ({exc.hint})" if exc.hint else "")
        return Review(
            release=o.release,
            loaded=loaded,
            evidence=evidence,
            report=judged,
            entries=tuple(entries),
            signers=signers,
            root=top,
            commit=commit,
            identity=identity,
            no_key=no_key,
            source=source,
        )

    def rejudge(self, review: Review) -> Review:
        """Re-read and re-verify the ledger (after a signature) and apply it to the same evidence."""
        if review.root is None:
            return review
        judged, entries, signers = signoff.evaluate_signoffs(
            review.evidence, review.loaded, review.root, review.commit, review.release, self.clock()
        )
        return Review(
            release=review.release,
            loaded=review.loaded,
            evidence=review.evidence,
            report=judged,
            entries=tuple(entries),
            signers=signers,
            root=review.root,
            commit=review.commit,
            identity=review.identity,
            no_key=review.no_key,
            source=review.source,
        )

    # --- what you may do -----------------------------------------------------------------------

    def choice(self, review: Review, item_id: str, decision: Decision) -> Choice:
        """The roles you may sign `decision` on the item as, or signoff.prepare's reason why you may not."""
        if review.identity is None:
            return Choice(refusal=f"no key: {review.no_key or 'no signing key'}")
        item = review.definition(item_id)
        if decision in ("approve", "reject") and not item.signoff:
            return Choice(refusal=f"'{item_id}' needs no sign-off")
        if decision == "waive":
            allowed = list(item.waiver.roles) if item.waiver else []
        else:
            allowed = [r.role for r in item.signoff]
        held = [r for r in allowed if r in review.identity.signer.roles]
        now = self.clock()
        ok: list[str] = []
        reasons: list[str] = []
        tries: list[str | None] = list(held) or [None]
        for role in tries:
            try:
                self._prepare(
                    review,
                    SignRequest(
                        decision,
                        item_id,
                        comment="(checking)",
                        role=role,
                        # The shortest waiver: the form asks for the real expiry and prepare checks it again.
                        expires=now + timedelta(hours=1) if decision == "waive" else None,
                    ),
                    now,
                )
            except (SignRefused, UsageError) as exc:
                reasons.append(exc.message)
            else:
                if role is not None:
                    ok.append(role)
        return Choice(roles=tuple(ok)) if ok else Choice(refusal=reasons[0] if reasons else "not allowed")

    def revocable(self, review: Review, item_id: str) -> list[Revocable]:
        """The item's entries in force (not revoked), each with signoff.prepare's refusal if you may not revoke it."""
        result = review.result(item_id)
        state = result.signoff_state
        if state is None:
            return []
        revoked = (
            policy.revoked_ids(review.entries, review.signers, review.loaded.checklist.owner)
            if (review.signers is not None)
            else {}
        )
        out: list[Revocable] = []
        now = self.clock()
        for view in state.entries:
            if view.id in revoked:
                continue
            if review.identity is None:
                out.append(Revocable(view, f"no key: {review.no_key or 'no signing key'}"))
                continue
            try:
                self._prepare(review, SignRequest("revoke", item_id, comment="(checking)", revokes=view.id), now)
            except (SignRefused, UsageError) as exc:
                out.append(Revocable(view, exc.message))
            else:
                out.append(Revocable(view))
        return out

    # --- signing -------------------------------------------------------------------------------

    def sign(self, review: Review, request: SignRequest, passphrase: Callable[[], str] | None) -> Signed:
        """Prepare (refusing what would not count), sign with your key, and write the entry."""
        if review.identity is None:
            raise UsageError(f"no key: {review.no_key or 'no signing key'}")
        if review.root is None:
            raise UsageError("this review is held in memory: there is no ledger to write to")
        identity = review.identity
        body = self._prepare(review, request, self.clock())
        signature = ledger.sign_entry(
            body,
            key_file=identity.key_file,
            public_key=identity.agent_key,
            passphrase=passphrase if identity.key_file is not None else None,
        )
        path = ledger.write_entry(review.root, body, signature)
        return Signed(body, path.relative_to(review.root).as_posix())

    def _prepare(self, review: Review, request: SignRequest, now: datetime) -> EntryBody:
        assert review.identity is not None
        return signoff.prepare(
            decision=request.decision,
            release=review.release,
            report=review.report,
            loaded=review.loaded,
            entries=review.entries,
            identity=review.identity,
            comment=request.comment,
            now=now,
            item_id=request.item_id if request.decision != "revoke" else None,
            role=request.role,
            expires=request.expires,
            revokes=request.revokes,
        )

    # --- what to run next ----------------------------------------------------------------------

    def commit_command(self, review: Review) -> str:
        """The git command that commits the release's sign-off files."""
        folder = f"{ledger.SIGNOFF_DIR}/{review.release}"
        message = shlex.quote(f"gate: sign-offs for {review.release}")
        git = (
            "git"
            if review.root is None or review.root == self._cwd.resolve()
            else f"git -C {shlex.quote(str(review.root))}"
        )
        return f"{git} add {folder} && {git} commit -m {message}"

    def attest_command(self, review: Review) -> str:
        """The `gate attest` command that writes the release attestation (a holder of the release role runs it).

        It re-runs the check, so it gets the same inputs as this review; what is not known here (the model
        files, the CI artifacts behind a report) is a placeholder in capitals.
        """
        o = self.options
        words = ["gate", "attest", "--release", o.release, "--checklist", str(o.checklist)]
        if o.repo != Path():
            words += ["--repo", str(o.repo)]
        if o.artifacts is not None:
            words += ["--artifacts", str(o.artifacts)]
        if o.release_ref is not None:
            words += ["--release-ref", o.release_ref]
        stage = o.stage or review.report.stage
        if stage is not None:
            words += ["--stage", stage]
        if not o.use_manifest:
            words.append("--no-manifest")
        for subject in o.subjects:
            words += ["--subject", str(subject)]
        quoted = " ".join(shlex.quote(w) for w in words)
        reads_artifacts = any(e.kind in ARTIFACT_KINDS for i in review.report.items for e in i.evidence)
        if o.artifacts is None and reads_artifacts:
            quoted += " --artifacts CI_ARTIFACTS"
        if not o.subjects:
            quoted += " --subject MODEL_FILE"
        return quoted + " --out attestations"


def waiver_window(now: datetime, max_days: int) -> tuple[datetime, datetime]:
    """The first and last expiry dates (as end of day UTC) a waiver may have at `now` under `max_days`."""
    limit = now + timedelta(days=max_days)
    last = end_of_day(limit.date())
    if last > limit:
        last -= timedelta(days=1)
    first = end_of_day(now.date())
    return first, last


def end_of_day(day: date) -> datetime:
    """23:59:59 UTC of a date: a waiver dated D lasts through D (as `gate sign --expires D`)."""
    return datetime.combine(day, time(23, 59, 59), tzinfo=UTC)


def blocks(item: ItemResult) -> bool:
    """Whether the item keeps the release from passing: failing, rejected, or awaiting sign-off."""
    if item.status in (Status.FAIL, Status.ERROR):
        return True
    state = item.signoff_state
    return state is not None and state.status not in (SignoffStatus.APPROVED, SignoffStatus.NOT_REQUIRED)


def entry_line(view: EntryView) -> str:
    """`approve by carol (safety-lead), 2026-01-05 10:00Z`."""
    return f"{view.decision} by {view.signer} ({view.role or '-'}), {view.signed_at:%Y-%m-%d %H:%MZ}"
