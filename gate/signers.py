"""`.gate/signers.yaml`: who may sign, with which SSH keys, in which roles; git's allowed_signers derived from it.

Owns the signers file format, its validation (every problem as `file:line:col: dotted.path: message`) and
the static quorum check (enough distinct people hold each role). Never prints, never exits, never signs.

```yaml
version: 1
signers:
  alice:                       # identity (slug), used in sign-off entries
    name: Alice Chen
    emails: [alice@lab.example, 12345+alice@users.noreply.github.com]
    roles: [safety-lead]
    keys:
      - key: ssh-ed25519 AAAAC3... alice@laptop
        valid_after: 2026-01-01        # optional: a date (00:00 UTC) or a date and time with a zone
        valid_before: 2027-01-01       # optional
```
`emails` lists every address the person commits with (lower-cased on load); an email or a key may belong
to one identity only. A key is valid from `valid_after` through `valid_before`, both inclusive, as
ssh-keygen reads the same window in allowed_signers.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator, Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Annotated, Any, Self

from pydantic import (
    AfterValidator,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    PlainValidator,
    PrivateAttr,
    StrictInt,
    StrictStr,
    ValidationError,
    WithJsonSchema,
    model_validator,
)

from gate import loader
from gate.errors import Location, Problem, ProblemsError
from gate.model import Checklist, Item, Model, Slug, _one_or_many
from gate.signing import PublicKey

DEFAULT_PATH = ".gate/signers.yaml"
NAMESPACES = ("git", "gate-signoff", "gate-attestation")
"""Namespaces a derived allowed_signers line accepts: `git` so that the same file serves git commit and tag
signatures (`git.trailers` and `git.ref` with `signed: true`), the others for sign-offs and attestations."""


# ---------------------------------------------------------------------------------------------
# The file format


def _key(value: object) -> PublicKey:
    if isinstance(value, PublicKey):
        return value
    if not isinstance(value, str):
        raise ValueError(f"expected an SSH public key line, got {loader._describe(value)}")
    try:
        return PublicKey.parse(value)
    except ValueError as exc:
        raise ValueError(f"invalid SSH public key: {exc}") from None


def _when(value: object) -> datetime:
    """A date (00:00 UTC) or an ISO 8601 date and time with a zone -> an aware UTC datetime."""
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, str):
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            try:
                day = date.fromisoformat(value)
            except ValueError:
                raise ValueError(f"invalid date '{value}'") from None
            return datetime(day.year, day.month, day.day, tzinfo=UTC)
        try:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
        except ValueError:
            raise ValueError(
                f"invalid time '{loader._clip(value)}': give a date (2026-01-01) or a date and time with a zone "
                "(2026-01-01T09:00:00Z)"
            ) from None
    else:
        raise ValueError(f"expected a date (2026-01-01) or a date and time with a zone, got {loader._describe(value)}")
    if parsed.tzinfo is None:
        raise ValueError(f"'{value}' has no time zone; add Z or an offset such as +00:00")
    if parsed.microsecond:
        raise ValueError(f"'{value}' has fractional seconds; allowed_signers counts whole seconds")
    return parsed.astimezone(UTC)


def _email(value: str) -> str:
    # allowed_signers reads the principals field as a pattern list: a comma separates patterns, * and ?
    # are wildcards and ! negates, so an address holding one would grant more than it says.
    if not re.fullmatch(r"[^\s@,*?!\"'<>]+@[^\s@,*?!\"'<>]+", value) or any(ord(c) < 32 for c in value):
        raise ValueError(f"'{loader._clip(value)}' is not an email address (one address, no spaces, no , * ? !)")
    return value.lower()


def _text(value: str) -> str:
    if any(ord(c) < 32 or ord(c) == 127 for c in value):
        raise ValueError("contains a control character")
    return value


def _version(value: int) -> int:
    if value != 1:
        raise ValueError(f"unsupported version {value}; this gate reads version 1")
    return value


KeyLine = Annotated[
    PublicKey,
    PlainValidator(_key),
    PlainSerializer(lambda k: f"{k.line()} {k.comment}".rstrip(), return_type=str),
    WithJsonSchema({"type": "string"}),
]
When = Annotated[
    datetime,
    PlainValidator(_when),
    PlainSerializer(lambda d: d.isoformat().replace("+00:00", "Z"), return_type=str),
    WithJsonSchema({"type": "string"}),
]
Email = Annotated[StrictStr, AfterValidator(_email)]


class _Strict(Model):
    model_config = ConfigDict(strict=True)


class SignerKey(_Strict):
    """One SSH public key of a signer, with an optional validity window."""

    key: KeyLine
    """The public key line as in a .pub file: type, base64 key, optional comment."""
    valid_after: When | None = None
    """The key signs validly at or after this time: a date (00:00 UTC) or a date and time with a zone."""
    valid_before: When | None = None
    """The key signs validly at or before this time."""

    @property
    def fingerprint(self) -> str:
        """The key's `SHA256:...` fingerprint."""
        return self.key.fingerprint

    def valid_at(self, when: datetime) -> bool:
        """Whether the key was valid at `when` (an aware datetime): both ends inclusive, as ssh-keygen."""
        if self.valid_after is not None and when < self.valid_after:
            return False
        return self.valid_before is None or when <= self.valid_before


class Signer(_Strict):
    """A person who may sign: the emails they commit with, their keys and their roles."""

    name: Annotated[StrictStr, Field(min_length=1, max_length=200), AfterValidator(_text)]
    """The person's name, for people reading the list and the sign-offs."""
    emails: Annotated[list[Email], BeforeValidator(_one_or_many), Field(min_length=1, max_length=100)]
    """Every address the person commits with (lower-cased); used for independence and allowed_signers."""
    roles: Annotated[list[Slug], BeforeValidator(_one_or_many), Field(max_length=200)] = Field(default_factory=list)
    """Roles the person holds (as named in checklists)."""
    keys: Annotated[list[SignerKey], Field(min_length=1, max_length=100)]
    """The person's SSH public keys."""

    _identity: str = PrivateAttr(default="")

    @property
    def identity(self) -> str:
        """The identity (the key under `signers:`), as sign-off entries name the signer."""
        return self._identity


class Signers(_Strict):
    """A signers file: version and identity -> signer."""

    version: Annotated[StrictInt, AfterValidator(_version)]
    """The format version: 1."""
    signers: Annotated[dict[Slug, Signer], Field(min_length=1, max_length=1000)]
    """Identity (a slug, used in sign-off entries) -> the person."""

    @model_validator(mode="after")
    def _name_identities(self) -> Self:
        for identity, signer in self.signers.items():
            signer._identity = identity
        return self

    @property
    def identities(self) -> dict[str, Signer]:
        """Identity -> signer, in file order."""
        return self.signers

    def holders(self, role: str) -> list[Signer]:
        """The signers holding role, in file order."""
        return [s for s in self.signers.values() if role in s.roles]

    def by_key(self, fingerprint: str) -> tuple[Signer, SignerKey] | None:
        """The signer and key with this `SHA256:...` fingerprint, or None."""
        for signer in self.signers.values():
            for key in signer.keys:
                if key.fingerprint == fingerprint:
                    return signer, key
        return None

    def key_valid_at(self, signer_key: SignerKey, when: datetime) -> bool:
        """Whether the key was inside its validity window at `when` (an aware datetime)."""
        return signer_key.valid_at(when)

    def by_email(self, email: str) -> Signer | None:
        """The signer who commits with this address (compared lower-cased), or None."""
        wanted = email.strip().lower()
        for signer in self.signers.values():
            if wanted in signer.emails:
                return signer
        return None


# ---------------------------------------------------------------------------------------------
# Loading


def load_signers(path: Path) -> Signers:
    """Read and validate a signers file; ProblemsError with file:line:col problems when it is invalid."""
    shown = loader.display_path(path)
    return _parse(loader.read_text(path, shown, what="signers file"), shown)


def parse_signers(data: bytes, shown: str) -> Signers:
    """Validate signers file content (e.g. read from git at the release commit); `shown` names it in problems."""
    if len(data) > loader.MAX_BYTES:
        raise ProblemsError([Problem(Location(shown), f"signers file is over the {loader.MAX_BYTES}-byte limit")])
    data = data.removeprefix(b"\xef\xbb\xbf")
    nul = data.find(b"\x00")
    if nul >= 0:
        line, col = _line_col(data, nul)
        raise ProblemsError([Problem(Location(shown, line, col), "binary file (NUL byte); a signers file is text")])
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line, col = _line_col(data, exc.start)
        message = f"not UTF-8 (byte 0x{data[exc.start]:02x}); save the file as UTF-8"
        raise ProblemsError([Problem(Location(shown, line, col), message)]) from None
    return _parse(text, shown)


def _line_col(data: bytes, offset: int) -> tuple[int, int]:
    start = data.rfind(b"\n", 0, offset) + 1
    return data.count(b"\n", 0, offset) + 1, len(data[start:offset].decode("utf-8", "replace")) + 1


def _parse(text: str, shown: str) -> Signers:
    data, pos = loader.parse_yaml(text, shown)
    if data is None:
        raise ProblemsError([Problem(Location(shown, 1, 1), "empty file; a signers file needs version and signers")])
    if not isinstance(data, dict):
        raise ProblemsError([Problem(pos.value(()), f"the top level must be a mapping, got {loader._describe(data)}")])
    try:
        signers = Signers.model_validate(data)
    except ValidationError as exc:
        raise ProblemsError(_problems(exc, data, pos)) from None
    problems = list(_file_rules(signers, pos))
    if problems:
        raise ProblemsError(problems)
    return signers


_Path = tuple[str | int, ...]


def _model_at(path: _Path) -> type[_Strict] | None:
    """The model that reads the mapping at path (for the keys allowed there)."""
    if path == ():
        return Signers
    if len(path) == 2 and path[0] == "signers":
        return Signer
    if len(path) == 4 and path[0] == "signers" and path[2] == "keys" and isinstance(path[3], int):
        return SignerKey
    return None


def _problems(exc: ValidationError, data: Any, pos: loader.Positions) -> list[Problem]:
    """loader.validation_problems, with unknown keys checked against this file's models (not a checklist's)."""
    problems = loader.validation_problems(exc, data, pos)
    fixed: dict[str, Problem] = {}
    implied: set[tuple[str, str]] = set()  # (dotted parent, key) a typo stands for: not also "missing"
    for err in exc.errors(include_url=False):
        if err["type"] != "extra_forbidden":
            continue
        path: _Path = tuple(err["loc"])
        model = _model_at(path[:-1])
        allowed = [f.alias or name for name, f in model.model_fields.items()] if model else []
        key = str(path[-1])
        match = loader._close_match(key, allowed)
        message = f"unknown key '{loader._clip(key)}'" + (f". Did you mean '{match}'?" if match else "")
        hints = (f"allowed keys here: {', '.join(allowed)}",) if allowed else ()
        fixed[loader.dotted(path)] = Problem(pos.key(path), message, loader.dotted(path), hints)
        if match:
            implied.add((loader.dotted(path[:-1]), match))
    out = []
    for p in problems:
        if p.message.startswith("unknown key '") and p.field in fixed:
            out.append(fixed[p.field])
        elif (m := re.fullmatch(r"missing required key '(.*)'", p.message)) and (p.field, m[1]) in implied:
            continue
        elif p.field.startswith("signers.") and " is not a valid name: " in p.message:
            out.append(Problem(p.where, p.message.replace(" valid name: ", " valid identity: "), p.field, p.hints))
        else:
            out.append(p)
    return out


def _file_rules(signers: Signers, pos: loader.Positions) -> Iterator[Problem]:
    """Rules across entries: one identity per email and per key, windows that are not empty."""
    email_at: dict[str, tuple[str, int]] = {}
    key_at: dict[bytes, tuple[str, int]] = {}
    for identity, signer in signers.signers.items():
        for i, email in enumerate(signer.emails):
            path: _Path = ("signers", identity, "emails", i)
            if email in email_at:
                yield Problem(pos.value(path), _twice("email", f"'{email}'", identity, *email_at[email]), _dot(path))
            else:
                email_at[email] = (identity, pos.value(path).line)
        for r, role in enumerate(signer.roles):
            if role in signer.roles[:r]:
                path = ("signers", identity, "roles", r)
                yield Problem(pos.value(path), f"role '{role}' listed twice", _dot(path))
        for k, entry in enumerate(signer.keys):
            path = ("signers", identity, "keys", k, "key")
            blob = entry.key.blob
            if blob in key_at:
                yield Problem(pos.value(path), _twice("key", entry.fingerprint, identity, *key_at[blob]), _dot(path))
            else:
                key_at[blob] = (identity, pos.value(path).line)
            after, before = entry.valid_after, entry.valid_before
            if after is not None and before is not None and before <= after:
                path = ("signers", identity, "keys", k, "valid_before")
                yield Problem(
                    pos.value(path),
                    f"valid_before ({_show_time(before)}) must be later than valid_after ({_show_time(after)})",
                    _dot(path),
                )


def _twice(what: str, shown: str, identity: str, first: str, line: int) -> str:
    if first == identity:
        return f"{what} {shown} listed twice (first at line {line})"
    return f"{what} {shown} is already listed for '{first}' (line {line}); one {what} belongs to one identity"


def _dot(path: _Path) -> str:
    return loader.dotted(path)


def _show_time(when: datetime) -> str:
    """`2026-01-01` for midnight UTC, else `2026-01-01T09:30:00Z`."""
    if (when.hour, when.minute, when.second) == (0, 0, 0):
        return f"{when.year:04d}-{when.month:02d}-{when.day:02d}"
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


def table(signers: Signers) -> str:
    """The signers as an aligned text table: one row per identity, more lines for more emails, roles or keys."""
    header = ("IDENTITY", "NAME", "ROLES", "EMAILS", "KEY", "VALID")
    rows: list[tuple[str, ...]] = [header]
    for identity, signer in signers.signers.items():
        keys = [(f"{k.key.type} {k.fingerprint}", validity(k)) for k in signer.keys]
        roles = signer.roles or ["-"]
        for n in range(max(len(roles), len(signer.emails), len(keys))):
            first = n == 0
            rows.append(
                (
                    identity if first else "",
                    signer.name if first else "",
                    roles[n] if n < len(roles) else "",
                    signer.emails[n] if n < len(signer.emails) else "",
                    *(keys[n] if n < len(keys) else ("", "")),
                )
            )
    widths = [max(len(row[c]) for row in rows) for c in range(len(header))]
    return "".join(
        "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip() + "\n" for row in rows
    )


def validity(key: SignerKey) -> str:
    """A key's window in words: `any time`, `from 2026-01-01`, `until 2027-01-01`, `2026-01-01 to 2027-01-01`."""
    after, before = key.valid_after, key.valid_before
    if after is not None and before is not None:
        return f"{_show_time(after)} to {_show_time(before)}"
    if after is not None:
        return f"from {_show_time(after)}"
    if before is not None:
        return f"until {_show_time(before)}"
    return "any time"


# ---------------------------------------------------------------------------------------------
# allowed_signers (ssh-keygen(1), ALLOWED SIGNERS)


def _ssh_time(when: datetime) -> str:
    """YYYYMMDDhhmmssZ: UTC, which ssh-keygen reads as UTC thanks to the Z (else as local time)."""
    w = when.astimezone(UTC)
    return f"{w.year:04d}{w.month:02d}{w.day:02d}{w.hour:02d}{w.minute:02d}{w.second:02d}Z"


def allowed_signers(signers: Signers, *, namespaces: Sequence[str] = NAMESPACES) -> str:
    """git's and ssh-keygen's allowed_signers file: one line per key, principals = the signer's emails.

    `principals namespaces="..." [valid-after="..."] [valid-before="..."] keytype base64`. Each key is
    accepted for its own signer's addresses only, in the given namespaces, within its validity window.
    """
    for ns in namespaces:
        if not re.fullmatch(r"[A-Za-z0-9@._+-]+", ns):
            raise ValueError(f"invalid namespace {ns!r}")
    if not namespaces:
        raise ValueError("give at least one namespace")
    lines = []
    for signer in signers.signers.values():
        principals = ",".join(signer.emails)
        for entry in signer.keys:
            options = [f'namespaces="{",".join(namespaces)}"']
            if entry.valid_after is not None:
                options.append(f'valid-after="{_ssh_time(entry.valid_after)}"')
            if entry.valid_before is not None:
                options.append(f'valid-before="{_ssh_time(entry.valid_before)}"')
            lines.append(f"{principals} {','.join(options)} {entry.key.line()}\n")
    return "".join(lines)


# ---------------------------------------------------------------------------------------------
# Quorum: can the people in the file meet every sign-off requirement at all?


def quorum_problems(signers: Signers, checklist: Checklist) -> list[str]:
    """Roles and quorums the signers cannot fill, one message each (empty when every one can be met).

    The owner and release roles and every waiver role need a holder. Each item's sign-off requirements
    need enough *distinct* people, since one person fills at most one required role per item (DESIGN
    "Statuses and clearance"): a bipartite matching of people to required places. Independence from the
    item's authors depends on the commits read, so it is left to `gate check`.
    """
    problems = []
    for what, role in (("owner", checklist.owner), ("release_role", checklist.release_role)):
        if not signers.holders(role):
            problems.append(f"the checklist's {what} '{role}' has no holder in the signers file")
    for item in checklist.items:
        problem = _item_quorum(signers, item)
        if problem:
            problems.append(problem)
        for role in item.waiver.roles if item.waiver else []:
            if not signers.holders(role):
                problems.append(f"item '{item.id}' allows waivers by '{role}', but nobody holds that role")
    return problems


def _item_quorum(signers: Signers, item: Item) -> str | None:
    reqs = item.signoff
    places = [req.role for req in reqs for _ in range(req.count)]
    if not places:
        return None
    people = {s.identity: set(s.roles) for s in signers.signers.values()}
    if _max_matching(places, people) == len(places):
        return None
    needs = " + ".join(f"{req.count} {req.role}" for req in reqs)
    needs += " from distinct people" if len(places) > 1 else ""
    return f"item '{item.id}' needs {needs}, but {_shortfall(reqs, people)}"


def _max_matching(places: list[str], people: dict[str, set[str]]) -> int:
    """Kuhn's augmenting paths: the most places that distinct people holding their roles can fill."""
    filled_by: dict[str, int] = {}  # person -> the place they fill

    def assign(place: int, seen: set[str]) -> bool:
        for person, roles in people.items():
            if places[place] in roles and person not in seen:
                seen.add(person)
                if person not in filled_by or assign(filled_by[person], seen):
                    filled_by[person] = place
                    return True
        return False

    return sum(assign(p, set()) for p in range(len(places)))


_MAX_SUBSET_ROLES = 12


def _shortfall(reqs: Sequence[Any], people: dict[str, set[str]]) -> str:
    """Why the places cannot be filled, by Hall's theorem: the smallest set of roles needing more
    places than it has distinct holders."""
    roles = [req.role for req in reqs]
    counts = {req.role: req.count for req in reqs}
    sizes = range(1, len(roles) + 1) if len(roles) <= _MAX_SUBSET_ROLES else [len(roles)]
    for size in sizes:
        for subset in itertools.combinations(roles, size):
            holders = [p for p, held in people.items() if held & set(subset)]
            if sum(counts[r] for r in subset) > len(holders):
                if len(subset) == len(roles):
                    which = ("that role", "either role")[len(roles) - 1] if len(roles) <= 2 else "any of these roles"
                else:
                    which = _and_or(list(subset), "or")
                if not holders:
                    return f"nobody holds {which}"
                verb = "holds" if len(holders) == 1 else "hold"
                return f"only {_and_or(holders, 'and')} {verb} {which}"
    return "the roles cannot be filled by distinct people"


def _and_or(words: list[str], conjunction: str) -> str:
    if len(words) == 1:
        return words[0]
    return f"{', '.join(words[:-1])} {conjunction} {words[-1]}"
