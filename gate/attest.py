"""Release attestations: an in-toto Statement v1 in a DSSE envelope signed with SSHSIG, and their offline verification.

Owns the Statement and predicate models, DSSE's pre-authentication encoding, building the predicate from a
judged report and the ledger (`attest`), and `verify`, which trusts only the signers list the verifier names:
never one carried inside the attestation. Never prints and never renders (gate.render does); never imports
jinja2, rich or textual. DESIGN "Attestation"; DSSE: https://github.com/secure-systems-lab/dsse/blob/master/protocol.md;
in-toto Statement v1: https://github.com/in-toto/attestation/blob/main/spec/v1/statement.md
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import stat
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    JsonValue,
    PlainSerializer,
    ValidationError,
)
from pydantic.alias_generators import to_camel

from gate import __version__, gitrepo, ledger, loader, policy, signing, signoff
from gate.errors import GateError, UsageError
from gate.ledger import Entry, EntryBody
from gate.loader import LoadedChecklist
from gate.model import canonical_json, item_digest, sha256_hex
from gate.results import ItemResult, Report, SignoffStatus, Status, Verdict
from gate.signers import Signers, load_signers

PAYLOAD_TYPE = "application/vnd.in-toto+json"
STATEMENT_TYPE = "https://in-toto.io/Statement/v1"
PREDICATE_TYPE = "https://gate.invalid/attestation/release-gate/v1"
"""Stable: the predicate's major version is in the URI (in-toto's TypeURI rule); `gate.invalid` as in the schema ids."""
NAMESPACE = signing.ATTESTATION_NAMESPACE
"""The SSHSIG namespace of the envelope signature: `gate-attestation`."""
MAX_ATTESTATION_BYTES = 64 * 1024 * 1024
MAX_OBSERVATIONS = 10
"""Observation lines kept per evidence entry in the predicate's summary; the rest are counted in `omitted`."""
_CHUNK = 1024 * 1024


class AttestationInvalid(GateError):  # noqa: N818 - a negative verdict, named for it (STYLE)
    """The attestation is tampered or does not verify: exit 1, naming the file and the check that failed."""

    exit_code = 1


class AttestRefused(GateError):  # noqa: N818 - an expected refusal, named for it (STYLE)
    """`gate attest` refuses: the gate is not cleared or the signer may not attest. Every reason is listed."""

    exit_code = 1

    def __init__(self, message: str, reasons: Sequence[str], *, hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.reasons = list(reasons)

    def __str__(self) -> str:
        return "\n".join([self.message, *(f"  - {r}" for r in self.reasons)])


# ---------------------------------------------------------------------------------------------
# The Statement and the predicate (field names: in-toto's, lowerCamelCase in the predicate as in-toto's
# predicate guidelines ask; the Python names are snake_case and map through aliases)


def _utc(value: Any) -> Any:
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            raise ValueError(f"invalid time '{value[:40]}'") from None
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError("a time must carry a zone")
        return value.astimezone(UTC).replace(microsecond=0)
    return value


UtcTime = Annotated[
    datetime,
    BeforeValidator(_utc),
    PlainSerializer(lambda d: d.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"), return_type=str),
]
Hex64 = Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]
CommitSha = Annotated[str, Field(pattern=r"^[0-9a-f]{40}([0-9a-f]{24})?$")]


class Spec(BaseModel):
    """Base of the attestation models. Unknown fields are ignored when reading, as in-toto's parsing rules
    require (so nothing unknown is ever trusted: a signers list carried inside is never read)."""

    model_config = ConfigDict(extra="ignore", frozen=True, alias_generator=to_camel, populate_by_name=True)

    def as_json(self) -> dict[str, Any]:
        """The JSON form with the spec's field names."""
        return self.model_dump(mode="json", by_alias=True)


class ChecklistRef(Spec):
    id: str
    version: int
    title: str
    digest: Hex64
    """sha256 of the canonical JSON of the resolved checklist (DESIGN "Digests")."""
    path: str
    """Repo-relative POSIX path of the checklist at the release commit."""
    owner: str
    """The role that may revoke anyone's entry and consents to weakenings."""
    release_role: str
    """The role whose holder signs the attestation."""


class EvidenceSummary(Spec):
    kind: str
    label: str | None = None
    status: Status
    summary: str
    observations: list[str] = []
    """Up to MAX_OBSERVATIONS lines `where: what was seen`."""
    omitted: int = 0


class Requirement(Spec):
    role: str
    count: int = Field(ge=1)
    independent_of: Literal["authors"] | None = None


class WaiverPolicy(Spec):
    roles: list[str]
    max_days: int


class Approval(Spec):
    """A fresh approval that counts toward a requirement: the role, who, and the entry id."""

    role: str
    signer: str
    entry: Hex64


class AttestedItem(Spec):
    id: str
    title: str
    severity: str
    status: Status
    item_digest: Hex64
    evidence_digest: Hex64
    evidence: list[EvidenceSummary]
    signoff: list[Requirement]
    """The item's sign-off requirements."""
    waiver_policy: WaiverPolicy | None = None
    emails: list[str] = []
    """Author, committer and co-author emails of the commits the item read (lower-case), for independence."""
    signoff_status: SignoffStatus
    approvals: list[Approval] = []


class SignedEntry(Spec):
    """A sign-off entry exactly as signed: its body (snake_case, the signed content) and armored SSHSIG signature."""

    id: Hex64
    entry: dict[str, JsonValue]
    signature: str


class WaiverRecord(Spec):
    item: str
    entry: Hex64
    by: str
    role: str
    justification: str
    signed_at: UtcTime
    expires: UtcTime


class SignersFile(Spec):
    path: str
    sha256: Hex64
    """sha256 of the signers file's bytes at the release commit."""


class Tool(Spec):
    name: str
    version: str


class Attester(Spec):
    signer: str
    """The identity in the signers file."""
    key: str
    """The SHA256 fingerprint of the key that signs the envelope."""


class Predicate(Spec):
    """`https://gate.invalid/attestation/release-gate/v1`: the cleared gate of one release."""

    release: str
    release_commit: CommitSha
    verdict: Literal["passed"]
    checklist: ChecklistRef
    stage: str | None = None
    """The stage the release was gated at (its items only); null: every item of the checklist."""
    items: list[AttestedItem]
    signoffs: list[SignedEntry]
    """Every entry in the release's ledger, as signed (including revoked, stale and uncounted ones)."""
    signoff_set_digest: Hex64
    """sha256 of the sorted entry ids joined by newlines (UTF-8, no trailing newline)."""
    waivers: list[WaiverRecord]
    signers_file: SignersFile
    baseline: dict[str, JsonValue] | None = None
    """The ratchet's baseline (`--baseline REF`): commit, checklist and signers digests, every weakening
    with its fingerprint and whether a retire covers it; null when the release was not checked against one."""
    retired: list[dict[str, JsonValue]] = []
    """The retire entries that cleared weakenings: each the signed entry (id, body, signature), as in `signoffs`."""
    tool: Tool
    attested_at: UtcTime
    attested_by: Attester


class Subject(Spec):
    name: str = Field(min_length=1)
    digest: dict[str, str]

    @property
    def sha256(self) -> str:
        return self.digest.get("sha256", "")


class Statement(Spec):
    """An in-toto Statement v1 with the release-gate predicate."""

    statement_type: Literal["https://in-toto.io/Statement/v1"] = Field(alias="_type")
    subject: list[Subject] = Field(min_length=1)
    predicate_type: Literal["https://gate.invalid/attestation/release-gate/v1"] = Field(alias="predicateType")
    predicate: Predicate

    def payload(self) -> bytes:
        """The serialized body the envelope carries: canonical JSON (sorted keys, no spaces, UTF-8)."""
        return canonical_json(self.as_json())


# ---------------------------------------------------------------------------------------------
# DSSE


def pae(payload_type: str, body: bytes) -> bytes:
    """DSSE v1 pre-authentication encoding: "DSSEv1" SP LEN(type) SP type SP LEN(body) SP body (byte lengths)."""
    kind = payload_type.encode("utf-8")
    return b"DSSEv1 %d %s %d %s" % (len(kind), kind, len(body), body)


def set_digest(entry_ids: Sequence[str]) -> str:
    """The sign-off set digest: sha256 of the sorted entry ids joined by newlines (no trailing newline)."""
    return sha256_hex("\n".join(sorted(entry_ids)).encode("ascii"))


def _armor(blob: bytes) -> str:
    text = base64.b64encode(blob).decode("ascii")
    lines = [text[i : i + 70] for i in range(0, len(text), 70)]
    return "\n".join(["-----BEGIN SSH SIGNATURE-----", *lines, "-----END SSH SIGNATURE-----"]) + "\n"


def _dearmor(text: str) -> bytes:
    lines = [line.strip() for line in text.strip().splitlines()]
    return base64.b64decode("".join(lines[1:-1]), validate=True)


def sign_envelope(
    payload: bytes,
    *,
    key_file: Path | None = None,
    public_key: signing.PublicKey | None = None,
    passphrase: Callable[[], str] | None = None,
) -> dict[str, Any]:
    """A DSSE envelope over `payload` (an in-toto Statement), signed with SSHSIG in the gate-attestation namespace.

    `sig` is the base64 of the SSHSIG blob (the armor removed); `keyid` is the key's SHA256 fingerprint.
    """
    armored = signing.sign(
        pae(PAYLOAD_TYPE, payload), namespace=NAMESPACE, key_file=key_file, public_key=public_key, passphrase=passphrase
    )
    blob = _dearmor(armored)
    key = public_key if key_file is None else signing.public_key_of(key_file)
    assert key is not None
    return {
        "payload": base64.b64encode(payload).decode("ascii"),
        "payloadType": PAYLOAD_TYPE,
        "signatures": [{"keyid": key.fingerprint, "sig": base64.b64encode(blob).decode("ascii")}],
    }


def envelope_bytes(envelope: dict[str, Any]) -> bytes:
    """The envelope file: pretty JSON with a final newline."""
    return (json.dumps(envelope, indent=2, sort_keys=True) + "\n").encode()


# ---------------------------------------------------------------------------------------------
# Subjects


def hash_file(path: Path) -> str:
    """sha256 of a regular file, streamed. UsageError (exit 2) when it cannot be read."""
    try:
        st = path.stat()
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror}") from None
    if not stat.S_ISREG(st.st_mode):
        raise UsageError(f"{path} is not a regular file")
    digest = hashlib.sha256()
    try:
        with open(path, "rb") as fh:
            while chunk := fh.read(_CHUNK):
                digest.update(chunk)
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror}") from None
    return digest.hexdigest()


def subjects_of(paths: Sequence[Path]) -> list[Subject]:
    """One subject per file: its file name and sha256. Two files with the same name are a usage error."""
    if not paths:
        raise UsageError("an attestation needs at least one --subject (the model files it is about)")
    out: list[Subject] = []
    for path in paths:
        if any(s.name == path.name for s in out):
            raise UsageError(f"two subjects are named '{path.name}'; subject names must be unique")
        out.append(Subject(name=path.name, digest={"sha256": hash_file(path)}))
    return out


# ---------------------------------------------------------------------------------------------
# Attesting


def refusals(report: Report) -> list[str]:
    """Why the gate is not cleared, one line per item (empty when it is)."""
    reasons: list[str] = []
    if report.evidence_only or report.release is None:
        reasons.append("sign-offs were not checked (the check ran evidence-only)")
    for item in report.items:
        state = item.signoff_state
        if item.status in (Status.FAIL, Status.ERROR):
            bad = [e for e in item.evidence if e.status is not Status.PASS]
            detail = "; ".join(e.summary for e in bad) or "no evidence passed"
            reasons.append(f"item '{item.id}' is {item.status.value}: {detail}")
        if state is None:
            if item.signoff:
                reasons.append(f"item '{item.id}': its sign-offs were not checked")
            continue
        if state.status is SignoffStatus.REJECTED:
            rejects = [v for v in state.entries if v.decision == "reject" and v.counted]
            who = ", ".join(f"{v.signer} ({v.role}): {v.comment}" for v in rejects)
            reasons.append(f"item '{item.id}' is rejected by {who}")
        elif state.status is SignoffStatus.PENDING:
            reasons.append(f"item '{item.id}' awaits sign-off: {state.progress}")
        elif state.status is SignoffStatus.STALE:
            why = sorted({v.reason for v in state.entries if v.reason and v.reason.startswith("stale")})
            reasons.append(f"item '{item.id}' has stale sign-offs ({state.progress}): {'; '.join(why)}")
    if not reasons and report.verdict is not Verdict.PASSED:
        reasons.append(f"the verdict is {report.verdict.value}")
    return reasons


def _summary(item: ItemResult) -> list[EvidenceSummary]:
    out = []
    for ev in item.evidence:
        lines = [f"{o.where}: {o.message}" if o.where else o.message for o in ev.observations]
        out.append(
            EvidenceSummary(
                kind=ev.kind,
                label=ev.label,
                status=ev.status,
                summary=ev.summary,
                observations=lines[:MAX_OBSERVATIONS],
                omitted=ev.omitted + max(0, len(lines) - MAX_OBSERVATIONS),
            )
        )
    return out


def _approvals(item: ItemResult) -> list[Approval]:
    state = item.signoff_state
    if state is None:
        return []
    out = []
    for progress in state.roles:
        for who in progress.signers:
            view = next(
                v
                for v in state.entries
                if v.decision == "approve" and v.counted and v.role == progress.role and v.signer == who
            )
            out.append(Approval(role=progress.role, signer=who, entry=view.id))
    return out


def _waiver(item: ItemResult) -> WaiverRecord | None:
    if item.waiver is None or item.signoff_state is None:
        return None
    view = next(v for v in item.signoff_state.entries if v.decision == "waive" and v.counted)
    return WaiverRecord(
        item=item.id,
        entry=view.id,
        by=item.waiver.by,
        role=item.waiver.role,
        justification=item.waiver.justification,
        signed_at=view.signed_at,
        expires=item.waiver.expires,
    )


def build_statement(
    report: Report,
    loaded: LoadedChecklist,
    entries: Sequence[Entry],
    *,
    subjects: Sequence[Subject],
    signers_sha256: str,
    attester: Attester,
    now: datetime,
) -> Statement:
    """The Statement for a cleared report (DESIGN "Attestation": the predicate exactly as listed there)."""
    assert report.release is not None and report.release_commit is not None
    definitions = {i.id: i for i in loaded.checklist.items}
    items = []
    for item in report.items:
        policy_ = definitions[item.id].waiver
        items.append(
            AttestedItem(
                id=item.id,
                title=item.title,
                severity=item.severity,
                status=item.status,
                item_digest=item.item_digest,
                evidence_digest=item.evidence_digest,
                evidence=_summary(item),
                signoff=[
                    Requirement(role=r.role, count=r.count, independent_of=r.independent_of) for r in item.signoff
                ],
                waiver_policy=WaiverPolicy(roles=list(policy_.roles), max_days=policy_.max_days) if policy_ else None,
                emails=sorted({m.lower() for ev in item.evidence for m in ev.emails}),
                signoff_status=item.signoff_state.status if item.signoff_state else SignoffStatus.PENDING,
                approvals=_approvals(item),
            )
        )
    waivers = [w for w in (_waiver(i) for i in report.items) if w is not None]
    signed = [
        SignedEntry(id=e.id, entry=e.body.model_dump(mode="json", exclude_none=True), signature=e.signature)
        for e in entries
    ]
    predicate = Predicate(
        release=report.release,
        release_commit=report.release_commit,
        verdict="passed",
        stage=report.stage,
        checklist=ChecklistRef(
            id=report.checklist.id,
            version=report.checklist.version,
            title=report.checklist.title,
            digest=report.checklist.digest,
            path=report.checklist.path,
            owner=loaded.checklist.owner,
            release_role=loaded.checklist.release_role,
        ),
        items=items,
        signoffs=signed,
        signoff_set_digest=set_digest([e.id for e in entries]),
        waivers=waivers,
        signers_file=SignersFile(path=signoff.SIGNERS_PATH, sha256=signers_sha256),
        baseline=report.baseline.model_dump(mode="json") if report.baseline is not None else None,
        retired=[
            {"id": e.id, "entry": e.body.model_dump(mode="json", exclude_none=True), "signature": e.signature}
            for e in entries
            if e.body.decision == "retire"
            and report.baseline is not None
            and any(r.id == e.id and r.counted for r in report.baseline.retires)
        ],
        tool=Tool(name="gate", version=__version__),
        attested_at=now,
        attested_by=attester,
    )
    return Statement.model_validate(
        {"_type": STATEMENT_TYPE, "subject": list(subjects), "predicateType": PREDICATE_TYPE, "predicate": predicate}
    )


@dataclass(frozen=True)
class Attestation:
    """What `attest` made: the statement (for rendering) and the envelope file's bytes."""

    statement: Statement
    envelope: bytes
    signer: str


def unchecked_subjects(report: Report, subjects: Sequence[Subject]) -> list[str]:
    """Subjects no passing `digest` evidence covered, when the checklist checks digests at all.

    A checklist with `digest` items says which model files it vouches for; attesting another file alongside
    would bind a file nothing checked. (A checklist without `digest` items binds the files by the release
    role's signature alone; the predicate's items show no digest check.)
    """
    checked = {
        r.sha256
        for item in report.items
        for ev in item.evidence
        if ev.kind == "digest" and ev.status is Status.PASS
        for r in ev.read
        if r.root == "subject" and r.sha256
    }
    has_digest_items = any(ev.kind == "digest" for item in report.items for ev in item.evidence)
    if not has_digest_items:
        return []
    return [
        f"subject {s.name} (sha256 {s.sha256[:12]}) is not covered by any passing digest evidence: nothing "
        "checked this file; give only the model files the checklist's digest items verify"
        for s in subjects
        if s.sha256 not in checked
    ]


def attest(
    report: Report,
    loaded: LoadedChecklist,
    *,
    root: Path,
    subjects: Sequence[Path],
    key_file: Path | None,
    passphrase: Callable[[], str] | None = None,
    now: datetime,
) -> Attestation:
    """Sign the attestation of a cleared release; AttestRefused (every reason) when it is not cleared.

    `report` is the full check with sign-offs (`api.check(..., release=R)`). The ledger and signers.yaml are
    read again at the release commit and the result is verified as `gate verify` would before it is returned,
    so an attestation that would not verify (the ledger changed under the check) is never written.
    """
    if report.release is None or report.release_commit is None:
        raise AttestRefused("cannot attest", ["sign-offs were not checked (no release, or no release commit)"])
    hashed = subjects_of(subjects)  # unreadable subjects are exit 2, which goes before any refusal
    commit = report.release_commit
    rel = report.checklist.path
    if Path(rel).is_absolute() or rel.startswith("../") or gitrepo.tree_entry(root, commit, rel) is None:
        raise UsageError(
            f"the checklist {report.checklist.path} is not committed in the repository at {commit[:12]}",
            hint="commit it: `gate verify --repo` reads the checklist at the release commit",
        )
    signers_bytes = gitrepo.read_blob(root, commit, signoff.SIGNERS_PATH)
    signers = signoff.signers_at(root, commit)
    assert signers_bytes is not None  # signers_at raised otherwise
    identity = signoff.choose_key(signers, key_file)
    who = identity.signer.identity
    release_role = loaded.checklist.release_role
    reasons = []
    if release_role not in identity.signer.roles:
        reasons.append(
            f"{who} does not hold {release_role}, the checklist's release_role: only a holder signs the attestation"
        )
    if not identity.key.valid_at(now):
        reasons.append(
            f"{who}'s key {identity.key.fingerprint} is not valid now (see its window in {signoff.SIGNERS_PATH})"
        )
    reasons += refusals(report)
    reasons += unchecked_subjects(report, hashed)
    if reasons:
        n = len(reasons)
        raise AttestRefused(
            f"refusing to attest release {report.release} ({n} reason{'s' if n != 1 else ''}):", reasons
        )

    entries = ledger.read_entries(root, report.release)
    ledger.verify_entries(entries, signers)
    statement = build_statement(
        report,
        loaded,
        entries,
        subjects=hashed,
        signers_sha256=sha256_hex(signers_bytes),
        attester=Attester(signer=who, key=identity.key.fingerprint),
        now=now,
    )
    envelope = sign_envelope(
        statement.payload(), key_file=identity.key_file, public_key=identity.agent_key, passphrase=passphrase
    )
    data = envelope_bytes(envelope)
    try:
        verify(
            parse(data, f"{report.release}.intoto.json"),
            signers=signers,
            trusted=f"{signoff.SIGNERS_PATH} at {commit[:12]}",
            checklist_at=lambda at, rel: loader.load_at(root, at, rel),
            signers_file_sha256=sha256_hex(signers_bytes),
        )
    except AttestationInvalid as exc:
        raise AttestRefused(
            f"refusing to attest release {report.release}: the attestation would not verify:", [exc.message]
        ) from None
    return Attestation(statement, data, who)


# ---------------------------------------------------------------------------------------------
# Reading and verifying


@dataclass(frozen=True)
class Parsed:
    """An attestation file, decoded: the envelope's signature and the Statement."""

    shown: str
    payload: bytes
    keyid: str
    signature: bytes
    statement: Statement


def _first_error(exc: ValidationError) -> str:
    err = exc.errors(include_url=False)[0]
    where = ".".join(str(p) for p in err["loc"])
    return f"{where}: {err['msg']}" if where else str(err["msg"])


def parse(data: bytes, shown: str) -> Parsed:
    """Decode a DSSE envelope holding a gate Statement. Any problem is AttestationInvalid (exit 1) naming `shown`."""

    def bad(why: str) -> AttestationInvalid:
        return AttestationInvalid(f"{shown}: {why}")

    if len(data) > MAX_ATTESTATION_BYTES:
        raise bad(f"over {MAX_ATTESTATION_BYTES} bytes; not an attestation")
    try:
        doc = json.loads(data)
    except (ValueError, UnicodeDecodeError) as exc:
        raise bad(f"not a DSSE envelope (invalid JSON: {exc})") from None
    if not isinstance(doc, dict):
        raise bad("not a DSSE envelope (expected a JSON object)")
    missing = [k for k in ("payload", "payloadType", "signatures") if k not in doc]
    if missing:
        raise bad(f"not a DSSE envelope (missing {', '.join(missing)})")
    if doc["payloadType"] != PAYLOAD_TYPE:
        raise bad(f"payloadType is {_show(doc['payloadType'])}, not '{PAYLOAD_TYPE}'")
    sigs = doc["signatures"]
    if not isinstance(sigs, list) or len(sigs) != 1:
        count = len(sigs) if isinstance(sigs, list) else "no list of"
        raise bad(f"expected exactly one envelope signature, found {count}")
    sig = sigs[0]
    if not isinstance(sig, dict) or not isinstance(sig.get("sig"), str) or not isinstance(sig.get("keyid"), str):
        raise bad("the envelope signature needs 'keyid' and 'sig' strings")
    if not isinstance(doc["payload"], str):
        raise bad("the payload is not a base64 string")
    try:
        payload = base64.b64decode(doc["payload"], validate=True)
        signature = base64.b64decode(sig["sig"], validate=True)
    except (binascii.Error, ValueError):
        raise bad("the payload or the signature is not valid base64") from None
    try:
        statement = Statement.model_validate_json(payload)
    except ValidationError as exc:
        raise bad(f"the payload is not a gate in-toto Statement v1: {_first_error(exc)}") from None
    return Parsed(shown, payload, sig["keyid"], signature, statement)


def _show(value: object) -> str:
    text = str(value)
    return f"'{text[:60]}...'" if len(text) > 60 else f"'{text}'"


@dataclass(frozen=True)
class Verified:
    """What `verify` established, for the summary."""

    statement: Statement
    signer: str
    key: str
    trusted: str
    subjects_checked: list[str]
    """The names of the subjects a given --subject file matched."""
    checklist_checked: bool
    signers_file_matches: bool | None


def verify(
    parsed: Parsed,
    *,
    signers: Signers,
    trusted: str,
    subjects: Mapping[str, str] | None = None,
    checklist_at: Callable[[str, str], LoadedChecklist] | None = None,
    signers_file_sha256: str | None = None,
    signers_must_match: bool = True,
) -> Verified:
    """Check an attestation against a signers list the verifier trusts; AttestationInvalid naming the first failure.

    The envelope signature (SSHSIG over the DSSE PAE bytes, namespace gate-attestation) must be by a key of
    `signers`, whose holder holds the checklist's release role and whose key was valid when it attested. Each
    of `subjects` (a file as shown -> its sha256) must be an attested subject. `checklist_at(commit, path)`
    (with --repo) loads the checklist at the recorded commit to compare its digest, roles and requirements;
    `signers_file_sha256` is compared with the recorded signers digest when `checklist_at` is given.
    Then every entry's id, signature, signer, key and role; the sign-off set digest; and each item's clearance:
    quorum by distinct, independent people with fresh approvals, no standing reject, waivers unexpired at the
    attestation time.
    """
    shown = parsed.shown
    st = parsed.statement
    pred = st.predicate

    def bad(why: str) -> AttestationInvalid:
        return AttestationInvalid(f"{shown}: {why}")

    # 1. The envelope signature, by a trusted key.
    signed_by = _signing_key(parsed.signature)
    if signed_by is None:
        raise bad("the envelope signature is not an SSHSIG signature (truncated or malformed)")
    found = signers.by_key(signed_by)
    if found is None:
        raise bad(f"the envelope is signed by key {signed_by}, which is not in the trusted signers ({trusted})")
    signer, signer_key = found
    try:
        key = signing.verify(
            pae(PAYLOAD_TYPE, parsed.payload), _armor(parsed.signature), namespace=NAMESPACE, keys=[signer_key.key]
        )
    except signing.SignatureInvalid as exc:
        raise bad(f"the envelope signature does not verify: {exc.message}") from None
    who = signer.identity
    if parsed.keyid != key.fingerprint:
        raise bad(f"the envelope's keyid {_show(parsed.keyid)} is not the key that signed ({key.fingerprint})")

    # 2. The attester holds the release role (people and keys from the trusted list only; the role from the
    #    trusted checklist when there is one, checked first, so a forged releaseRole cannot pass).
    trusted_checklist = checklist_at(pred.release_commit, pred.checklist.path) if checklist_at is not None else None
    if trusted_checklist is not None:
        _check_checklist(pred, trusted_checklist, bad)
    role = trusted_checklist.checklist.release_role if trusted_checklist is not None else pred.checklist.release_role
    if role not in signer.roles:
        raise bad(
            f"the envelope is signed by {who} (key {key.fingerprint}), who does not hold {role}, the checklist's "
            f"release_role, in the trusted signers ({trusted})"
        )
    if not signer_key.valid_at(pred.attested_at):
        raise bad(f"{who}'s key {key.fingerprint} was not valid at the attestation time {_time(pred.attested_at)}")
    if pred.attested_by.signer != who or pred.attested_by.key != key.fingerprint:
        raise bad(
            f"the predicate names {pred.attested_by.signer} ({pred.attested_by.key}) as the attester, "
            f"but {who} ({key.fingerprint}) signed"
        )

    # 3. Subjects.
    for s in st.subject:
        if len(s.sha256) != 64 or any(c not in "0123456789abcdef" for c in s.sha256):
            raise bad(f"subject '{s.name}' needs a sha256 digest (64 lower-case hex digits)")
    checked = []
    for path, digest in (subjects or {}).items():
        matched = [s.name for s in st.subject if s.sha256 == digest]
        if not matched:
            listed = ", ".join(f"{s.name} (sha256 {s.sha256[:12]})" for s in st.subject)
            raise bad(f"subject {path} (sha256 {digest[:12]}) is not one of the attested subjects: {listed}")
        checked += matched

    # 4. With the repository: the checklist and the signers file at the recorded commit.
    matches: bool | None = None
    if signers_file_sha256 is not None:
        matches = signers_file_sha256 == pred.signers_file.sha256
        if checklist_at is not None and signers_must_match and not matches:
            raise bad(
                f"signers file digest mismatch: the attestation records {pred.signers_file.sha256[:12]}, "
                f"{signoff.SIGNERS_PATH} at commit {pred.release_commit[:12]} gives {signers_file_sha256[:12]}"
            )

    # 5. Every sign-off entry as signed, then the set digest.
    entries = _entries(pred, signers, bad)
    recomputed = set_digest([e.id for e in entries])
    if recomputed != pred.signoff_set_digest:
        raise bad(
            f"sign-off set digest mismatch: the attestation records {pred.signoff_set_digest[:12]}, its "
            f"{len(entries)} entries give {recomputed[:12]} (an entry was added or removed)"
        )

    # 6. Each item's clearance, re-checked from its requirements and emails.
    _check_items(pred, entries, signers, bad)
    return Verified(st, who, key.fingerprint, trusted, checked, checklist_at is not None, matches)


def _signing_key(blob: bytes) -> str | None:
    """The fingerprint of the public key an SSHSIG blob names (PROTOCOL.sshsig: magic, version, publickey)."""
    if len(blob) < 14 or blob[:6] != b"SSHSIG":
        return None
    size = int.from_bytes(blob[10:14], "big")
    key = blob[14 : 14 + size]
    if len(key) != size:
        return None
    return "SHA256:" + base64.b64encode(hashlib.sha256(key).digest()).decode("ascii").rstrip("=")


def _time(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _check_checklist(pred: Predicate, loaded: LoadedChecklist, bad: Callable[[str], AttestationInvalid]) -> None:
    """The checklist at the recorded commit is the one attested: digest, roles, and every item's requirements."""
    ref = pred.checklist
    at = f"{ref.path} at commit {pred.release_commit[:12]}"
    if loaded.digest != ref.digest:
        raise bad(
            f"checklist digest mismatch: the attestation records {ref.digest[:12]}, {at} gives {loaded.digest[:12]}"
        )
    cl = loaded.checklist
    recorded = (ref.id, ref.version, ref.owner, ref.release_role)
    actual = (cl.id, cl.version, cl.owner, cl.release_role)
    if recorded != actual:
        raise bad(f"the attested checklist id, version, owner or release_role {recorded} is not {at}'s {actual}")
    definitions = {i.id: i for i in cl.items_for(pred.stage)}
    if sorted(definitions) != sorted(i.id for i in pred.items):
        raise bad(f"the attested items {sorted(i.id for i in pred.items)} are not {at}'s {sorted(definitions)}")
    for item in pred.items:
        d = definitions[item.id]
        requirements = [Requirement(role=r.role, count=r.count, independent_of=r.independent_of) for r in d.signoff]
        waiver = WaiverPolicy(roles=list(d.waiver.roles), max_days=d.waiver.max_days) if d.waiver else None
        if item_digest(d) != item.item_digest or requirements != item.signoff or waiver != item.waiver_policy:
            raise bad(f"item '{item.id}': its definition, sign-off requirements or waiver policy differ from {at}")


def _entries(pred: Predicate, signers: Signers, bad: Callable[[str], AttestationInvalid]) -> list[Entry]:
    entries: list[Entry] = []
    seen: set[str] = set()
    for signed in pred.signoffs:
        label = f"sign-off entry {signed.id[:12]}"
        try:
            body = EntryBody.model_validate(signed.entry)
        except ValidationError as exc:
            raise bad(f"{label}: not a sign-off entry: {_first_error(exc)}") from None
        if body.id != signed.id:
            raise bad(f"{label}: its body does not hash to its id (it hashes to {body.id[:12]}): edited")
        if body.id in seen:
            raise bad(f"{label}: listed twice")
        seen.add(body.id)
        if body.release != pred.release:
            raise bad(f"{label}: signed for release '{body.release}', not '{pred.release}' (replayed)")
        if body.checklist_id != pred.checklist.id:
            raise bad(f"{label}: signed for checklist '{body.checklist_id}', not '{pred.checklist.id}'")
        if body.signed_at > pred.attested_at:
            raise bad(f"{label}: signed at {_time(body.signed_at)}, after the attestation ({_time(pred.attested_at)})")
        entries.append(Entry(body, signed.signature, label))
    try:
        ledger.verify_entries(entries, signers)
    except ledger.LedgerError as exc:
        # The ledger names .gate/signers.yaml; here the list is the verifier's trusted one.
        raise bad(exc.message.replace(f"in {signoff.SIGNERS_PATH}", "in the trusted signers")) from None
    return entries


def _check_items(
    pred: Predicate, entries: Sequence[Entry], signers: Signers, bad: Callable[[str], AttestationInvalid]
) -> None:
    """Each item's clearance, re-checked from the signed entries, its requirements and its emails."""
    by_id = {e.id: e for e in entries}
    revoked = policy.revoked_ids(entries, signers, pred.checklist.owner)
    waivers = {w.item: w for w in pred.waivers}
    ids = [i.id for i in pred.items]
    if len(set(ids)) != len(ids):
        raise bad("an item is listed twice")
    for w in pred.waivers:
        if w.item not in ids:
            raise bad(f"a waiver names item '{w.item}', which is not in the attestation")
    for item in pred.items:
        where = f"item '{item.id}'"
        if item.status not in (Status.PASS, Status.WAIVED):
            raise bad(f"{where} is {item.status.value}: the gate was not cleared")
        waiver = waivers.get(item.id)
        if (item.status is Status.WAIVED) != (waiver is not None):
            has = "has no waiver for it" if waiver is None else "lists a waiver for it"
            raise bad(f"{where} is {item.status.value} but the attestation {has}")
        if waiver is not None:
            _check_waiver(pred, item, waiver, by_id, revoked, bad)
        required = {r.role for r in item.signoff}
        for e in entries:
            b = e.body
            if b.decision == "reject" and b.item == item.id and b.role in required and e.id not in revoked:
                raise bad(f"{where} is rejected by {b.signer} as {b.role} (entry {e.id[:12]}), not revoked")
        _check_quorum(pred, item, by_id, revoked, signers, bad)


def _stale(entry: Entry, pred: Predicate, item: AttestedItem) -> str | None:
    """Why a decision was not signed for this checklist, item definition and evidence; None when it was."""
    b = entry.body
    if b.checklist_digest != pred.checklist.digest:
        return "signed for another checklist digest"
    if b.item_digest != item.item_digest:
        return "signed for another item definition"
    if b.evidence_digest != item.evidence_digest:
        return "signed for other evidence (evidence digest)"
    return None


def _check_waiver(
    pred: Predicate,
    item: AttestedItem,
    waiver: WaiverRecord,
    by_id: Mapping[str, Entry],
    revoked: Mapping[str, Entry],
    bad: Callable[[str], AttestationInvalid],
) -> None:
    """A WAIVED item's waiver: a signed, unrevoked, fresh waive by an allowed role, unexpired at attestedAt."""
    label = f"item '{item.id}': waiver entry {waiver.entry[:12]}"
    e = by_id.get(waiver.entry)
    if e is None:
        raise bad(f"{label} is not among the attestation's sign-off entries")
    b = e.body
    if b.decision != "waive" or b.item != item.id:
        raise bad(f"{label} is a {b.decision} of '{b.item}', not a waiver of this item")
    recorded = (waiver.by, waiver.role, waiver.justification, waiver.expires, waiver.signed_at)
    if (b.signer, b.role, b.comment, b.expires, b.signed_at) != recorded:
        raise bad(f"{label}: the waiver record does not match the signed entry")
    if e.id in revoked:
        raise bad(f"{label} by {b.signer} was revoked ({revoked[e.id].id[:12]})")
    if item.waiver_policy is None or b.role not in item.waiver_policy.roles:
        raise bad(f"{label}: '{b.role}' may not waive this item")
    assert b.expires is not None  # EntryBody: a waive has an expiry
    if b.expires - b.signed_at > timedelta(days=item.waiver_policy.max_days):
        raise bad(f"{label}: the waiver is longer than the {item.waiver_policy.max_days} days the item allows")
    if b.expires <= pred.attested_at:
        raise bad(
            f"{label} by {b.signer} expired at {_time(b.expires)}, before the attestation ({_time(pred.attested_at)})"
        )
    stale = _stale(e, pred, item)
    if stale:
        raise bad(f"{label} is stale: {stale}")


def _check_quorum(
    pred: Predicate,
    item: AttestedItem,
    by_id: Mapping[str, Entry],
    revoked: Mapping[str, Entry],
    signers: Signers,
    bad: Callable[[str], AttestationInvalid],
) -> None:
    """The recorded approvals, each re-checked, fill every requirement with distinct (and independent) people."""
    where = f"item '{item.id}'"
    expected = SignoffStatus.APPROVED if item.signoff else SignoffStatus.NOT_REQUIRED
    if item.signoff_status is not expected:
        raise bad(f"{where}: sign-off status {item.signoff_status.value}, expected {expected.value}")
    people: set[str] = set()
    counts: dict[str, int] = {}
    emails = {m.lower() for m in item.emails}
    for approval in item.approvals:
        label = f"{where}: approval by {approval.signer} as {approval.role} (entry {approval.entry[:12]})"
        e = by_id.get(approval.entry)
        if e is None:
            raise bad(f"{label} is not among the attestation's sign-off entries")
        b = e.body
        if (b.decision, b.item, b.role, b.signer) != ("approve", item.id, approval.role, approval.signer):
            raise bad(f"{label} does not match the signed entry ({b.decision} of '{b.item}' by {b.signer} as {b.role})")
        if e.id in revoked:
            raise bad(f"{label} was revoked ({revoked[e.id].id[:12]})")
        stale = _stale(e, pred, item)
        if stale:
            raise bad(f"{label} is stale: {stale}")
        requirement = next((r for r in item.signoff if r.role == approval.role), None)
        if requirement is None:
            raise bad(f"{label}: the item does not require '{approval.role}'")
        if requirement.independent_of == "authors":
            # The signer's emails come from the trusted signers list, the commits' from the predicate.
            holder = signers.identities.get(b.signer)
            shared = sorted(set(holder.emails if holder else ()) & emails)
            if shared:
                raise bad(f"{label} is not independent: {shared[0]} authored or committed commits this item read")
        if b.signer in people:
            raise bad(f"{label}: {b.signer} is counted twice for this item (one person fills one role)")
        people.add(b.signer)
        counts[approval.role] = counts.get(approval.role, 0) + 1
    for r in item.signoff:
        if counts.get(r.role, 0) < r.count:
            raise bad(
                f"{where}: quorum not met for {r.role}: needs {r.count}, the attestation has "
                f"{counts.get(r.role, 0)} valid approval(s)"
            )


def verify_file(
    path: Path,
    *,
    signers_file: Path | None = None,
    repo: Path | None = None,
    subjects: Sequence[Path] = (),
    checklist: Path | None = None,
) -> Verified:
    """`gate verify`: read the attestation, take the signers list the verifier trusts (a file, or the repository's
    `.gate/signers.yaml` at the recorded release commit: never a list inside the attestation), and verify.

    Unreadable input (a missing file, a commit not in the repository, an invalid signers file or checklist) is
    exit 2; an attestation that does not decode, parse or verify is AttestationInvalid (exit 1).
    """
    if (signers_file is None) == (repo is None):
        raise UsageError("give exactly one of --signers FILE and --repo DIR: the signers list you trust")
    if signers_file is not None and checklist is None:
        raise UsageError(
            "--signers needs --checklist FILE: the checklist you trust",
            hint="the release role and every sign-off requirement come from the checklist; the attestation's own "
            "copy of them is not trusted (or verify with --repo DIR, which reads the checklist at the release commit)",
        )
    # Hashed first (streamed, once): an unreadable subject is exit 2, before anything is judged.
    digests = {str(s): hash_file(s) for s in subjects}
    try:
        with open(path, "rb") as fh:
            data = fh.read(MAX_ATTESTATION_BYTES + 1)
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror}") from None
    shown = loader.display_path(path)
    if signers_file is not None:
        trusted = load_signers(signers_file)
        assert checklist is not None
        trusted_checklist = loader.load(checklist)
        parsed = parse(data, shown)
        raw_signers = signers_file.read_bytes()
        return verify(
            parsed,
            signers=trusted,
            trusted=loader.display_path(signers_file),
            subjects=digests,
            checklist_at=lambda commit, path: trusted_checklist,
            signers_file_sha256=sha256_hex(raw_signers),
            signers_must_match=False,
        )
    assert repo is not None
    root = gitrepo.toplevel(repo)
    parsed = parse(data, shown)
    commit = parsed.statement.predicate.release_commit
    try:
        gitrepo.resolve_commit(root, commit)
    except gitrepo.GitError:
        raise UsageError(
            f"the attested release commit {commit[:12]} is not in {repo}",
            hint="fetch it (a full clone), or verify with --signers FILE",
        ) from None
    raw = gitrepo.read_blob(root, commit, signoff.SIGNERS_PATH)
    if raw is None:
        raise AttestationInvalid(
            f"{shown}: there is no {signoff.SIGNERS_PATH} at the attested release commit {commit[:12]}"
        )

    def checklist_at(at: str, rel: str) -> LoadedChecklist:
        inside = not Path(rel).is_absolute() and ".." not in Path(rel).parts
        if not inside or gitrepo.tree_entry(root, at, rel) is None:
            raise AttestationInvalid(f"{shown}: the attested checklist {rel} is not in commit {at[:12]}")
        return loader.load_at(root, at, rel)

    return verify(
        parsed,
        signers=signoff.signers_at(root, commit),
        trusted=f"{signoff.SIGNERS_PATH} at {commit[:12]}",
        subjects=digests,
        checklist_at=checklist_at,
        signers_file_sha256=sha256_hex(raw),
    )
