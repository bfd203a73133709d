"""Sign-off entries on disk: one signed JSON file per decision under `.gate/signoffs/<release>/`.

An entry binds the release id, the checklist digest, the item-definition digest and the evidence digest
(a retire binds the head checklist digest and one weakening fingerprint instead of an item). Its id is the
sha256 of its canonical JSON; the file is `<id>.json` holding the entry and its SSHSIG signature
(namespace `gate-signoff`). One file per entry means two reviewers signing on different clones merge in
git without conflict. Writes are atomic (temp, fsync, rename) under a lock; nothing is ever overwritten.

Reading fails closed: a file that does not parse, whose name is not its id, whose release is not its
folder's, or whose signature does not verify against signers.yaml makes the ledger invalid (exit 1),
naming the file.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_serializer, model_validator

from gate.errors import GateError
from gate.model import RELEASE_ID_PATTERN, canonical_json, sha256_hex
from gate.signers import Signers

NAMESPACE = "gate-signoff"
SIGNOFF_DIR = ".gate/signoffs"
ENTRY_SCHEMA_VERSION = 1
MAX_ENTRY_BYTES = 256 * 1024

Decision = Literal["approve", "reject", "waive", "revoke", "retire"]
Hex64 = Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]


class LedgerError(GateError):
    """The ledger is tampered or invalid: a negative verdict (exit 1), naming the file."""

    exit_code = 1


def _utc(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise ValueError("time must carry a zone")
    return value.astimezone(UTC).replace(microsecond=0)


class EntryBody(BaseModel):
    """What a signer signs. Every field is bound by the signature."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    schema_version: Literal[1] = 1
    type: Literal["gate-signoff"] = "gate-signoff"
    decision: Decision
    release: Annotated[str, Field(pattern=RELEASE_ID_PATTERN, max_length=200)]
    checklist_id: str
    checklist_digest: Hex64
    """The resolved checklist's digest (for retire: the head checklist's)."""
    item: str | None = None
    """The item id (approve, reject, waive; the revoked entry's item for revoke)."""
    item_digest: Hex64 | None = None
    evidence_digest: Hex64 | None = None
    role: str | None = None
    """The role the signer fills with this decision."""
    signer: str
    """The identity in .gate/signers.yaml."""
    key: str
    """SHA256 fingerprint of the signing key."""
    signed_at: datetime
    comment: Annotated[str, Field(min_length=1, max_length=10_000)]
    expires: datetime | None = None
    """A waiver's expiry."""
    revokes: Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")] | None = None
    """The id of the entry a revoke withdraws."""
    fingerprint: str | None = None
    """The weakening a retire consents to (ratchet)."""

    @model_validator(mode="before")
    @classmethod
    def _parse_times(cls, data: Any) -> Any:
        # JSON carries times as strings; strict mode would refuse them.
        if isinstance(data, dict):
            data = dict(data)
            for key in ("signed_at", "expires"):
                if isinstance(data.get(key), str):
                    try:
                        data[key] = datetime.fromisoformat(data[key].replace("Z", "+00:00"))
                    except ValueError:
                        raise ValueError(f"{key}: invalid time '{data[key]}'") from None
        return data

    @model_validator(mode="after")
    def _shape(self) -> Self:
        _utc(self.signed_at)
        if self.expires is not None:
            _utc(self.expires)
        itemish = self.decision in ("approve", "reject", "waive")
        if itemish and not (self.item and self.item_digest and self.evidence_digest and self.role):
            raise ValueError(f"a {self.decision} needs item, item_digest, evidence_digest and role")
        if (self.decision == "waive") != (self.expires is not None):
            raise ValueError("expires goes with waive, and a waive needs it")
        if (self.decision == "revoke") != (self.revokes is not None):
            raise ValueError("revokes goes with revoke, and a revoke needs it")
        if (self.decision == "retire") != (self.fingerprint is not None):
            raise ValueError("fingerprint goes with retire, and a retire needs it")
        if self.decision == "retire" and self.item is not None:
            raise ValueError("a retire names a weakening, not an item")
        return self

    @field_serializer("signed_at", "expires")
    def _ser_time(self, value: datetime | None) -> str | None:
        return None if value is None else _utc(value).strftime("%Y-%m-%dT%H:%M:%SZ")

    def payload(self) -> bytes:
        """The bytes that are signed and hashed: canonical JSON without nulls."""
        return canonical_json(self.model_dump(mode="json", exclude_none=True))

    @property
    def id(self) -> str:
        return sha256_hex(self.payload())


@dataclass(frozen=True)
class Entry:
    """A signed entry as read from disk."""

    body: EntryBody
    signature: str
    path: str
    """Repo-relative path of the file, for messages."""

    @property
    def id(self) -> str:
        return self.body.id


def ledger_dir(root: Path, release: str) -> Path:
    """`.gate/signoffs/<release>` under the repository root; the release id is validated first."""
    if not re.fullmatch(RELEASE_ID_PATTERN, release):
        raise GateError(f"invalid release id '{release}'", hint="release ids match [A-Za-z0-9][A-Za-z0-9._-]*")
    return root / SIGNOFF_DIR / release


def entry_file(body: EntryBody, signature: str) -> bytes:
    """The file's bytes: the entry and its armored signature, as pretty JSON."""
    doc = {"entry": body.model_dump(mode="json", exclude_none=True), "signature": signature}
    return (json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode()


def parse_entry(data: bytes, shown: str, *, release: str | None = None) -> Entry:
    """Parse one entry file; any problem is LedgerError naming the file."""
    try:
        doc = json.loads(data)
    except (ValueError, UnicodeDecodeError) as exc:
        raise LedgerError(f"{shown}: not a sign-off entry (invalid JSON: {exc})") from None
    if not isinstance(doc, dict) or set(doc) != {"entry", "signature"} or not isinstance(doc["signature"], str):
        raise LedgerError(f"{shown}: not a sign-off entry (expected keys 'entry' and 'signature')")
    try:
        body = EntryBody.model_validate(doc["entry"])
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise LedgerError(f"{shown}: invalid sign-off entry: {where}: {first['msg']}") from None
    name = Path(shown).name
    if name != f"{body.id}.json":
        raise LedgerError(f"{shown}: the file name is not the entry's id ({body.id[:16]}...): edited or renamed")
    if release is not None and body.release != release:
        raise LedgerError(
            f"{shown}: entry for release '{body.release}' in the folder of release '{release}' (replayed)"
        )
    return Entry(body, doc["signature"], shown)


def read_entries(root: Path, release: str) -> list[Entry]:
    """Every entry of a release, sorted by signing time then id. A missing folder is an empty ledger."""
    folder = ledger_dir(root, release)
    if not folder.exists():
        return []
    if folder.is_symlink() or not folder.is_dir():
        raise LedgerError(f"{SIGNOFF_DIR}/{release} is not a folder")
    entries = []
    for path in sorted(folder.iterdir()):
        shown = f"{SIGNOFF_DIR}/{release}/{path.name}"
        if path.name.startswith(".") or not path.name.endswith(".json"):
            continue
        if path.is_symlink() or not path.is_file():
            raise LedgerError(f"{shown}: not a regular file")
        if path.stat().st_size > MAX_ENTRY_BYTES:
            raise LedgerError(f"{shown}: over {MAX_ENTRY_BYTES} bytes; not a sign-off entry")
        entries.append(parse_entry(path.read_bytes(), shown, release=release))
    return sorted(entries, key=lambda e: (e.body.signed_at, e.id))


CLOCK_SKEW = timedelta(minutes=5)
"""How far in the future an entry's signing time may lie (clocks differ a little between machines)."""


def verify_entries(entries: Sequence[Entry], signers: Signers, *, now: datetime | None = None) -> None:
    """Every signature by a key signers.yaml lists for the entry's signer, valid when it was signed.

    An entry signed in the future (beyond CLOCK_SKEW) is refused: a forward-dated waiver would otherwise
    outlive its `max_days`, and a forward-dated approval could be prepared for evidence not yet seen.
    """
    from gate import signing

    limit = (now or now_utc()) + CLOCK_SKEW
    for entry in entries:
        if entry.body.signed_at > limit:
            raise LedgerError(
                f"{entry.path}: signed in the future ({entry.body.signed_at:%Y-%m-%dT%H:%M:%SZ}); "
                "a sign-off cannot be dated ahead of the clock"
            )
        body = entry.body
        signer = signers.identities.get(body.signer)
        if signer is None:
            raise LedgerError(f"{entry.path}: signed as '{body.signer}', who is not in .gate/signers.yaml")
        keys = [k for k in signer.keys if k.key.fingerprint == body.key]
        if not keys:
            raise LedgerError(f"{entry.path}: key {body.key} is not one of {body.signer}'s keys in .gate/signers.yaml")
        if not signers.key_valid_at(keys[0], body.signed_at):
            raise LedgerError(
                f"{entry.path}: {body.signer}'s key {body.key} was not valid at {body.signed_at:%Y-%m-%d}"
            )
        try:
            signing.verify(body.payload(), entry.signature, namespace=NAMESPACE, keys=[keys[0].key])
        except signing.SignatureInvalid as exc:
            raise LedgerError(f"{entry.path}: signature does not verify: {exc.message}") from None
        if body.role is not None and body.decision != "revoke" and body.role not in signer.roles:
            raise LedgerError(f"{entry.path}: {body.signer} signed as '{body.role}', a role they do not hold")


def _lock_path(root: Path) -> Path:
    git_dir = root / ".git"
    if git_dir.is_dir():
        return git_dir / "gate-signoffs.lock"
    return root / SIGNOFF_DIR / ".lock"


def write_entry(root: Path, body: EntryBody, signature: str) -> Path:
    """Write an entry atomically under a lock; an existing identical entry is kept. Returns the path."""
    from filelock import FileLock, Timeout

    folder = ledger_dir(root, body.release)
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{body.id}.json"
    data = entry_file(body, signature)
    lock = FileLock(str(_lock_path(root)), timeout=30)
    try:
        with lock:
            if target.exists():
                return target  # the same decision, already recorded (the id is the content hash)
            fd, tmp = tempfile.mkstemp(dir=folder, prefix=".entry-", suffix=".tmp")
            try:
                with os.fdopen(fd, "wb") as fh:
                    fh.write(data)
                    fh.flush()
                    os.fsync(fh.fileno())
                os.replace(tmp, target)
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise
            dir_fd = os.open(folder, os.O_RDONLY)
            try:
                os.fsync(dir_fd)
            finally:
                os.close(dir_fd)
    except Timeout:
        raise GateError(
            f"the sign-off ledger is locked by another gate process ({lock.lock_file})",
            hint="wait for it to finish, or remove the lock file if no gate process is running",
        ) from None
    return target


def sign_entry(
    body: EntryBody,
    *,
    key_file: Path | None = None,
    public_key: Any = None,
    passphrase: Callable[[], str] | None = None,
) -> str:
    """Sign an entry's payload (SSHSIG, namespace gate-signoff)."""
    from gate import signing

    return signing.sign(
        body.payload(), namespace=NAMESPACE, key_file=key_file, public_key=public_key, passphrase=passphrase
    )


def now_utc() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)
