"""What a check produces: statuses, observations, evidence results, item results and the Report.

Pure data (stdlib + pydantic). Collectors return `Evidence`; the engine assembles a `Report`; report
formats and the API read it. Digests here follow DESIGN "Digests": no timestamps, no absolute paths.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from json.encoder import encode_basestring as _encode_string  # the encoder json.dumps uses (ensure_ascii=False)
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from gate.model import SignoffRequirement, canonical_json, sha256_hex

SCHEMA_VERSION = 1
MAX_OBSERVATIONS = 200
"""Observations kept per evidence entry; the rest are counted in `omitted` (the digest covers `read`)."""


class Status(StrEnum):
    """Evidence and item statuses. ERROR blocks exactly like FAIL; WAIVED is an item status only."""

    PASS = "PASS"
    FAIL = "FAIL"
    ERROR = "ERROR"
    WAIVED = "WAIVED"


class Verdict(StrEnum):
    """The outcome of a check, mapped to exit codes by the CLI."""

    PASSED = "passed"
    BLOCKED = "blocked"
    PENDING = "awaiting-signoff"


class Result(BaseModel):
    # Serialised output always carries every field, so the report schema (mode="serialization") requires them.
    model_config = ConfigDict(extra="forbid", frozen=True, json_schema_serialization_defaults_required=True)


class Observation(Result):
    """One thing a collector saw, and where. `failing` marks the observations that make it FAIL."""

    message: str
    """What was seen, e.g. "grader.inputs contains 'reasoning'"."""
    path: str | None = None
    """Repo-relative (or artifacts-relative) POSIX path."""
    root: Literal["repo", "artifacts", "subject"] | None = None
    """Which root `path` is relative to."""
    line: int | None = None
    col: int | None = None
    pointer: str | None = None
    """A JSON pointer into the document, when the finding is at a value."""
    commit: str | None = None
    """A commit sha."""
    author: str | None = None
    """An author email."""
    test: str | None = None
    """A test id (classname::name)."""
    rule: str | None = None
    """A rule id (SARIF) or a canary id."""
    failing: bool = True
    volatile: bool = False
    """Shown, but left out of the evidence digest: detail that changes from run to run (a command's output,
    with its timings and paths), so it cannot make sign-offs and waivers STALE."""

    @property
    def where(self) -> str:
        """`path:line:col`, `path:line`, `path`, or the commit, for humans."""
        if self.path:
            out = self.path
            if self.line:
                out += f":{self.line}"
                if self.col:
                    out += f":{self.col}"
            return out
        if self.commit:
            return self.commit[:12]
        return ""


class Read(Result):
    """Something evidence was read from: a file's content hash or a commit; goes into the evidence digest."""

    path: str | None = None
    root: Literal["repo", "artifacts", "subject"] | None = None
    sha256: str | None = None
    commit: str | None = None


class Evidence(Result):
    """The result of one evidence entry."""

    kind: str
    label: str | None = None
    status: Status
    summary: str
    """One line: what was checked and what was found."""
    observations: list[Observation] = []
    omitted: int = 0
    """Observations left out past MAX_OBSERVATIONS."""
    fix: str | None = None
    """How to clear a FAIL or ERROR."""
    read: list[Read] = []
    """Content hashes and commits read (sorted, unique)."""
    emails: list[str] = []
    """Author, committer and co-author emails of the commits read (lower-case), for independence."""
    human_only: bool = False
    """True for `manual` evidence: a person, not a machine, checks it."""


def read_key(read: Read) -> bytes:
    """canonical_json(read.model_dump(mode="json")), built by hand: evidence() keys and orders reads by it, and
    model_dump plus json.dumps per read cost more than the rest of a 5000-file config check's bookkeeping."""

    def text(value: str | None) -> str:
        return "null" if value is None else _encode_string(value)

    return (
        f'{{"commit":{text(read.commit)},"path":{text(read.path)},"root":{text(read.root)},'
        f'"sha256":{text(read.sha256)}}}'
    ).encode()


def read_fields(read: Read) -> dict[str, str]:
    """read.model_dump(mode="json", exclude_defaults=True), built by hand for the same reason as read_key."""
    fields = (("path", read.path), ("root", read.root), ("sha256", read.sha256), ("commit", read.commit))
    return {name: value for name, value in fields if value is not None}


def evidence(
    kind: str,
    status: Status,
    summary: str,
    observations: list[Observation] | None = None,
    *,
    label: str | None = None,
    fix: str | None = None,
    read: list[Read] | None = None,
    emails: list[str] | None = None,
    human_only: bool = False,
) -> Evidence:
    """Build an Evidence, capping observations and sorting what was read (stable digests)."""
    obs = observations or []
    uniq = {read_key(r): r for r in (read or [])}
    return Evidence(
        kind=kind,
        label=label,
        status=status,
        summary=summary,
        observations=obs[:MAX_OBSERVATIONS],
        omitted=max(0, len(obs) - MAX_OBSERVATIONS),
        fix=fix if status is not Status.PASS else None,
        read=[uniq[k] for k in sorted(uniq)],
        emails=sorted({e.lower() for e in (emails or [])}),
        human_only=human_only,
    )


class Waiver(Result):
    """A valid waiver that turned an item's FAIL into WAIVED (set by the policy layer)."""

    by: str
    """The signer's identity in signers.yaml."""
    role: str
    """The role the signer waived as."""
    justification: str
    """Why the FAIL is accepted."""
    expires: datetime
    """When the waiver stops applying (UTC)."""


class SignoffStatus(StrEnum):
    """An item's sign-off state (DESIGN "Statuses and clearance")."""

    APPROVED = "APPROVED"
    PENDING = "PENDING"
    REJECTED = "REJECTED"
    STALE = "STALE"
    NOT_REQUIRED = "NOT_REQUIRED"


class RoleProgress(Result):
    """Quorum progress for one required role."""

    role: str
    needed: int
    signers: list[str] = []
    """Identities whose fresh approvals count for this role."""
    independent_of: str | None = None


class EntryView(Result):
    """One sign-off entry as the policy judged it for an item."""

    id: str
    decision: str
    signer: str
    role: str | None
    signed_at: datetime
    comment: str
    expires: datetime | None = None
    counted: bool
    """True when the entry counts (a fresh approval toward quorum, a valid waiver, a standing reject)."""
    reason: str | None = None
    """Why it does not count: stale (which digest changed), not independent, revoked, expired, ..."""


class SignoffState(Result):
    """Who signed an item, whether the quorum is met, and why entries do not count."""

    status: SignoffStatus
    roles: list[RoleProgress] = []
    entries: list[EntryView] = []

    @property
    def progress(self) -> str:
        """`safety-lead 1/1, auditor 0/1`."""
        return ", ".join(f"{r.role} {min(len(r.signers), r.needed)}/{r.needed}" for r in self.roles)


class ItemResult(Result):
    """One item's verdict."""

    id: str
    title: str
    severity: Literal["blocker", "major", "minor"]
    stages: list[str] | None
    status: Status
    evidence: list[Evidence]
    evidence_digest: str
    item_digest: str
    signoff: list[SignoffRequirement] = []
    location: str
    """file:line:col of the item's definition."""
    waiver: Waiver | None = None
    """The waiver that applies when the status is WAIVED."""
    signoff_state: SignoffState | None = None
    """Set when sign-offs were checked (not --evidence-only)."""

    @property
    def blocking(self) -> bool:
        return self.status in (Status.FAIL, Status.ERROR)


class ChecklistInfo(Result):
    id: str
    version: int
    title: str
    digest: str
    path: str
    """Repo-relative when the checklist is in the repository."""


class Summary(Result):
    items: int
    passed: int
    failed: int
    errors: int
    waived: int

    @classmethod
    def of(cls, items: list[ItemResult]) -> Summary:
        """Counts of the items by status."""
        return cls(
            items=len(items),
            passed=sum(i.status is Status.PASS for i in items),
            failed=sum(i.status is Status.FAIL for i in items),
            errors=sum(i.status is Status.ERROR for i in items),
            waived=sum(i.status is Status.WAIVED for i in items),
        )


class Weakening(Result):
    """One change that weakens the checklist or the signers list against the baseline (ratchet)."""

    fingerprint: str
    """16 hex digits: sha256 of the canonical JSON of {kind, item, path, base, head}; a retire entry cites it."""
    subject: Literal["checklist", "signers"]
    """Which file weakened: the checklist (with its includes) or .gate/signers.yaml."""
    kind: str
    """The kind of change, e.g. `item-removed`, `severity-lowered`, `signers.key-added`."""
    item: str | None
    """The item id (checklist), the identity (signers), or null for a top-level change."""
    path: str
    """The field that changed, within the item or identity (e.g. `evidence[0].min_files`)."""
    base: Any
    """The baseline's value (JSON), null when the thing was added."""
    head: Any
    """The new value (JSON), null when the thing was removed."""
    message: str
    """What changed, for people."""
    retired: bool
    """True when a valid retire entry by a holder of the baseline's owner role cites this fingerprint."""
    retired_by: str | None = None
    """The id of the retire entry that counts."""


class RetireView(Result):
    """A retire entry of the release, as the ratchet judged it."""

    id: str
    signer: str
    fingerprint: str
    signed_at: datetime
    comment: str
    counted: bool
    """True when it retires a current weakening: valid against the baseline's signers list, signed by a holder
    of the baseline's owner role, for this checklist digest, not revoked."""
    reason: str | None = None
    """Why it does not count."""


class BaselineInfo(Result):
    """The baseline a check compared the checklist and the signers list with (`gate check --baseline REF`)."""

    ref: str
    """The baseline as given (a tag, branch or commit)."""
    commit: str
    """The baseline commit."""
    checklist_path: str
    """Repo-relative path of the checklist, read at the baseline commit."""
    checklist_digest: str
    """The baseline checklist's digest (resolved with its includes)."""
    signers_digest: str
    """sha256 of .gate/signers.yaml at the baseline commit."""
    owner: str
    """The baseline checklist's owner role: only its holders (per the baseline's signers list) may retire."""
    weakenings: list[Weakening] = []
    strengthenings: int = 0
    """How many changes strengthen the checklist or the signers list."""
    retires: list[RetireView] = []
    """Every retire entry of the release, counted or not."""

    @property
    def blocking(self) -> list[Weakening]:
        """The weakenings no valid retire entry covers."""
        return [w for w in self.weakenings if not w.retired]


class Report(Result):
    """The result of `gate check`. Serialised as JSON with schema_version first."""

    schema_version: int = SCHEMA_VERSION
    gate_version: str
    checklist: ChecklistInfo
    release: str | None
    release_commit: str | None
    stage: str | None
    evidence_only: bool
    verdict: Verdict
    summary: Summary
    items: list[ItemResult]
    notes: list[str] = []
    """Things a reader must know: sign-offs not checked, artifacts not verified against a manifest."""
    baseline: BaselineInfo | None = None
    """Set with `--baseline REF`: the weakenings against the baseline and whether each is retired."""

    @property
    def blocking(self) -> list[ItemResult]:
        return [i for i in self.items if i.blocking]


def evidence_digest(results: list[Evidence]) -> str:
    """sha256 over an item's evidence: statuses, observations and what was read (DESIGN "Digests")."""
    payload = [
        {
            "kind": e.kind,
            "status": e.status.value,
            "summary": e.summary,
            "observations": [
                o.model_dump(mode="json", exclude_defaults=True) for o in e.observations if not o.volatile
            ],
            "omitted": e.omitted,
            "read": [read_fields(r) for r in e.read],
            "emails": e.emails,
        }
        for e in results
    ]
    return sha256_hex(canonical_json(payload))


def fold_status(statuses: list[Status]) -> Status:
    """ERROR over FAIL over PASS; an empty list is ERROR (an empty AND never passes)."""
    if not statuses or Status.ERROR in statuses:
        return Status.ERROR
    if Status.FAIL in statuses:
        return Status.FAIL
    return Status.PASS


__all__ = [
    "SCHEMA_VERSION",
    "BaselineInfo",
    "ChecklistInfo",
    "EntryView",
    "Evidence",
    "ItemResult",
    "Observation",
    "Read",
    "Report",
    "RetireView",
    "RoleProgress",
    "SignoffState",
    "SignoffStatus",
    "Status",
    "Summary",
    "Verdict",
    "Waiver",
    "Weakening",
    "evidence",
    "evidence_digest",
    "fold_status",
]
