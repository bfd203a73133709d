"""The ratchet: checklist and signers diffs against a baseline, and which weakenings the owner retired.

`diff_checklists` and `diff_signers` list every change as a strengthening, a weakening or neutral (DESIGN
principle 5); a weakening has a stable fingerprint. `compare` reads the baseline from git (the checklist at
REF:<same path>, signers at REF:.gate/signers.yaml); `judge` decides which weakenings a retire entry covers,
against the BASELINE's owner role and signers list, so a change cannot approve itself. Never prints.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel

from gate import gitrepo, ledger, loader, policy
from gate.errors import GateError, UsageError
from gate.ledger import Entry, EntryBody
from gate.loader import LoadedChecklist
from gate.model import SEVERITIES, Checklist, Item, SignoffRequirement, WaiverPolicy, canonical_json, sha256_hex
from gate.results import BaselineInfo, Report, RetireView, Verdict, Weakening
from gate.signers import SignerKey, Signers, parse_signers

Effect = Literal["weakening", "strengthening", "neutral"]
Subject = Literal["checklist", "signers"]
SIGNERS_PATH = ".gate/signers.yaml"
FINGERPRINT_PATTERN = r"^[0-9a-f]{16}$"


@dataclass(frozen=True)
class Change:
    """One difference between a baseline and a head, classified."""

    effect: Effect
    kind: str
    """e.g. `item-removed`, `severity-lowered`, `signers.key-added`."""
    item: str | None
    """The item id (checklist) or the identity (signers); None for a top-level change."""
    path: str
    """The field within the item or identity, e.g. `evidence[0].min_files`."""
    base: Any
    head: Any
    message: str
    subject: Subject = "checklist"

    @property
    def fingerprint(self) -> str:
        """16 hex digits of sha256 over the canonical JSON of {kind, item, path, base, head}: the same change
        between the same two versions has the same fingerprint on every machine."""
        data = {"kind": self.kind, "item": self.item, "path": self.path, "base": self.base, "head": self.head}
        return sha256_hex(canonical_json(data))[:16]

    @property
    def where(self) -> str:
        """`items[configs].severity`, `owner`, `signers.alice.roles`."""
        if self.subject == "signers":
            head = f"signers.{self.item}" if self.item else "signers"
            return f"{head}.{self.path}" if self.path else head
        if self.item is None:
            return self.path
        return f"items[{self.item}].{self.path}" if self.path else f"items[{self.item}]"

    def as_json(self) -> dict[str, Any]:
        return {
            "effect": self.effect,
            "fingerprint": self.fingerprint,
            "subject": self.subject,
            "kind": self.kind,
            "item": self.item,
            "path": self.path,
            "where": self.where,
            "base": self.base,
            "head": self.head,
            "message": self.message,
        }


def weakenings(changes: Sequence[Change]) -> list[Change]:
    return [c for c in changes if c.effect == "weakening"]


def _show(value: Any, limit: int = 60) -> str:
    """A value for a message: 'text' quoted, others as compact JSON, clipped."""
    text = f"'{value}'" if isinstance(value, str) else canonical_json(value).decode()
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _dump(model: BaseModel) -> Any:
    """JSON form of a model as digests see it: aliases, defaults left out."""
    return model.model_dump(mode="json", by_alias=True, exclude_defaults=True)


# ---------------------------------------------------------------------------------------------
# Checklists


def diff_checklists(
    base: Checklist,
    head: Checklist,
    *,
    base_includes: Sequence[str] = (),
    head_includes: Sequence[str] = (),
) -> list[Change]:
    """Every change from base to head (both resolved with their includes), weakenings first.

    `*_includes` are the included files as repo-relative paths: a dropped include is a weakening.
    """
    out: list[Change] = []

    def top(effect: Effect, kind: str, path: str, b: Any, h: Any, message: str) -> None:
        out.append(Change(effect, kind, None, path, b, h, message))

    if base.id != head.id:
        # Policies downstream (attestation consumers) select by checklist id: a rename can take a release out
        # of their scope.
        top("weakening", "id-changed", "id", base.id, head.id, f"checklist id changed from '{base.id}' to '{head.id}'")
    for key, word in (("owner", "owner"), ("release_role", "release role")):
        b, h = getattr(base, key), getattr(head, key)
        if b != h:
            top("weakening", f"{key.replace('_', '-')}-changed", key, b, h, f"{word} changed from '{b}' to '{h}'")
    for stage in base.stages:
        if stage not in head.stages:
            top("weakening", "stage-undeclared", "stages", stage, None, f"stage '{stage}' no longer declared")
    for stage in head.stages:
        if stage not in base.stages:
            top("neutral", "stage-declared", "stages", None, stage, f"stage '{stage}' declared")
    for inc in base_includes:
        if inc not in head_includes:
            top("weakening", "include-removed", "include", inc, None, f"no longer includes {inc}")
    for inc in head_includes:
        if inc not in base_includes:
            top("neutral", "include-added", "include", None, inc, f"now includes {inc} (its items are listed)")
    for key in ("title", "description", "version"):
        b, h = getattr(base, key), getattr(head, key)
        if b != h:
            top("neutral", f"{key}-changed", key, b, h, f"{key} changed")
    if _dump_roles(base) != _dump_roles(head):
        top("neutral", "roles-changed", "roles", _dump_roles(base), _dump_roles(head), "role definitions changed")

    head_items = {i.id: i for i in head.items}
    base_items = {i.id: i for i in base.items}
    for item in base.items:
        if item.id not in head_items:
            out.append(Change("weakening", "item-removed", item.id, "", _dump(item), None, f"item '{item.id}' removed"))
        else:
            out.extend(_diff_item(item, head_items[item.id]))
    for item in head.items:
        if item.id not in base_items:
            out.append(Change("strengthening", "item-added", item.id, "", None, _dump(item), f"item '{item.id}' added"))
    order = {"weakening": 0, "strengthening": 1, "neutral": 2}
    return sorted(out, key=lambda c: order[c.effect])  # stable: file order within each group


def _dump_roles(cl: Checklist) -> dict[str, Any]:
    return {name: _dump(role) for name, role in sorted(cl.roles.items())}


def _diff_item(base: Item, head: Item) -> Iterator[Change]:
    iid = base.id

    def change(effect: Effect, kind: str, path: str, b: Any, h: Any, message: str) -> Change:
        return Change(effect, kind, iid, path, b, h, message)

    for key in ("title", "rationale"):
        if getattr(base, key) != getattr(head, key):
            yield change("neutral", f"{key}-changed", key, getattr(base, key), getattr(head, key), f"{key} changed")
    if base.examples != head.examples:
        b_ex, h_ex = [_dump(e) for e in base.examples], [_dump(e) for e in head.examples]
        yield change("neutral", "examples-changed", "examples", b_ex, h_ex, "examples changed")
    if base.severity != head.severity:
        raised = SEVERITIES.index(head.severity) < SEVERITIES.index(base.severity)
        word = "raised" if raised else "lowered"
        yield change(
            "strengthening" if raised else "weakening",
            f"severity-{word}",
            "severity",
            base.severity,
            head.severity,
            f"severity {word} from {base.severity} to {head.severity}",
        )
    yield from _diff_stages(base, head, change)
    yield from _diff_evidence(base, head, change)
    yield from _diff_signoff(base.signoff, head.signoff, change)
    yield from _diff_waiver(base.waiver, head.waiver, change)


_Make = Callable[[Effect, str, str, Any, Any, str], Change]


def _diff_stages(base: Item, head: Item, change: _Make) -> Iterator[Change]:
    """An item without `stages` runs in every stage. Leaving a stage means the item no longer runs there."""
    if base.stages == head.stages:
        return
    if base.stages is None:
        assert head.stages is not None
        yield change(
            "weakening",
            "stages-narrowed",
            "stages",
            None,
            head.stages,
            f"ran in every stage, now only in {', '.join(head.stages)}",
        )
        return
    if head.stages is None:
        yield change("strengthening", "stages-widened", "stages", base.stages, None, "now runs in every stage")
        return
    for stage in base.stages:
        if stage not in head.stages:
            yield change("weakening", "stage-removed", "stages", stage, None, f"no longer runs in stage '{stage}'")
    for stage in head.stages:
        if stage not in base.stages:
            yield change("strengthening", "stage-added", "stages", None, stage, f"now also runs in stage '{stage}'")


# --- evidence ----------------------------------------------------------------------------------

# How a field may change and stay at least as strict. A field not listed here: any change is a weakening
# (the diff cannot prove that a changed glob, query or regular expression is not looser).
RAISE, LOWER, FEWER, MORE, ON, OFF = "raise", "lower", "fewer", "more", "on", "off"
FIELD_RULES: dict[str, dict[str, str]] = {
    "config": {"min_files": RAISE},
    "json": {"min_files": RAISE},
    "code.pattern": {"allowlist": FEWER},
    "code.imports": {"source": MORE, "forbidden": MORE, "transitive": ON},
    "git.trailers": {"require": MORE, "not_author": ON, "signed": ON, "bots": FEWER, "min_commits": RAISE},
    "git.ref": {"annotated": ON, "signed": ON, "at_release_commit": ON, "clean": ON},
    "junit": {"min_count": RAISE, "allow_skipped": OFF},
    "sarif": {"tools": MORE},
    "canary": {"must_occur_in": MORE, "min_bytes": RAISE},
}
SARIF_LEVELS = ("error", "warning", "note")
"""Results at the level or above fail: a lower level lets more results fail."""


def _pair(base: Sequence[Any], head: Sequence[Any]) -> tuple[list[tuple[int, int]], list[int], list[int]]:
    """Match evidence entries: identical ones first (order does not matter: all must pass), then by kind and
    label, then by kind in order. Any pairing is sound: a head entry is only called stronger than the base
    entry it is paired with, and unpaired base entries are removals (weakenings)."""
    b_key = [canonical_json(_dump(s)) for s in base]
    h_key = [canonical_json(_dump(s)) for s in head]
    free_b = list(range(len(base)))
    free_h = list(range(len(head)))
    pairs: list[tuple[int, int]] = []

    def match(fits: Callable[[int, int], bool], keep: bool) -> None:
        for h in list(free_h):
            found = next((b for b in free_b if fits(b, h)), None)
            if found is not None:
                free_b.remove(found)
                free_h.remove(h)
                if keep:
                    pairs.append((found, h))

    match(lambda b, h: b_key[b] == h_key[h], keep=False)

    def same_label(b: int, h: int) -> bool:
        return base[b].kind == head[h].kind and head[h].label is not None and base[b].label == head[h].label

    match(same_label, keep=True)
    match(lambda b, h: base[b].kind == head[h].kind, keep=True)
    return pairs, free_b, free_h


def _diff_evidence(base: Item, head: Item, change: _Make) -> Iterator[Change]:
    pairs, removed, added = _pair(base.evidence, head.evidence)
    for b in removed:
        spec = base.evidence[b]
        yield change(
            "weakening", "evidence-removed", f"evidence[{b}]", _dump(spec), None, f"evidence ({_name(spec)}) removed"
        )
    for b, h in sorted(pairs):
        yield from _diff_spec(b, base.evidence[b], head.evidence[h], change)
    for h in added:
        spec = head.evidence[h]
        yield change(
            "strengthening", "evidence-added", f"evidence[{h}]", None, _dump(spec), f"evidence ({_name(spec)}) added"
        )


def _name(spec: Any) -> str:
    return f"{spec.kind} '{spec.label}'" if spec.label else str(spec.kind)


def _diff_spec(index: int, base: Any, head: Any, change: _Make) -> Iterator[Change]:
    b_data = base.model_dump(mode="json", by_alias=True)
    h_data = head.model_dump(mode="json", by_alias=True)
    rules = FIELD_RULES.get(base.kind, {})
    for key in b_data:
        b, h = b_data[key], h_data[key]
        if b == h or key == "kind":
            continue
        path = f"evidence[{index}].{key}"
        if key == "label":
            yield change("neutral", "label-changed", path, b, h, "label changed")
        elif key == "assert":
            yield _diff_assert(path, b, h, change)
        elif key == "each":
            # Every file (with at least min_files >= 1 of them) implies at least one file.
            effect: Effect = "strengthening" if (b, h) == ("any-file", "file") else "weakening"
            yield change(effect, f"evidence-{_word(effect)}", path, b, h, f"{key} changed from {b} to {h}")
        elif base.kind == "sarif" and key == "level":
            stricter = SARIF_LEVELS.index(h) > SARIF_LEVELS.index(b)
            effect = "strengthening" if stricter else "weakening"
            yield change(effect, f"evidence-{_word(effect)}", path, b, h, f"level changed from {b} to {h}")
        elif base.kind == "sarif" and key == "rules":
            yield from _diff_sarif_rules(path, b, h, change)
        else:
            yield from _diff_field(path, key, rules.get(key), b, h, change)


def _word(effect: Effect) -> str:
    return {"strengthening": "strengthened", "weakening": "weakened", "neutral": "changed"}[effect]


def _diff_field(path: str, key: str, rule: str | None, b: Any, h: Any, change: _Make) -> Iterator[Change]:
    if rule in (RAISE, LOWER):
        up = h > b
        word = "raised" if up else "lowered"
        effect: Effect = "strengthening" if up == (rule == RAISE) else "weakening"
        yield change(effect, f"threshold-{word}", path, b, h, f"{key} {word} from {b} to {h}")
    elif rule in (ON, OFF):
        effect = "strengthening" if h == (rule == ON) else "weakening"
        yield change(effect, f"evidence-{_word(effect)}", path, b, h, f"{key} changed from {_show(b)} to {_show(h)}")
    elif rule in (FEWER, MORE):
        for value in b:
            if value not in h:
                effect = "strengthening" if rule == FEWER else "weakening"
                yield change(effect, "entry-removed", path, value, None, f"{_show(value)} removed from {key}")
        for value in h:
            if value not in b:
                effect = "strengthening" if rule == MORE else "weakening"
                yield change(effect, "entry-added", path, None, value, f"{_show(value)} added to {key}")
    else:
        yield change("weakening", "evidence-changed", path, b, h, f"{key} changed from {_show(b)} to {_show(h)}")


def _diff_sarif_rules(path: str, b: list[str], h: list[str], change: _Make) -> Iterator[Change]:
    """`rules: []` counts every rule; a list counts only those."""
    if not b:
        yield change("weakening", "entry-added", path, b, h, f"only rules {_show(h)} count now (was every rule)")
        return
    if not h:
        yield change("strengthening", "entry-removed", path, b, h, "every rule counts now")
        return
    yield from _diff_field(path, "rules", MORE, b, h, change)


def _diff_assert(path: str, b: dict[str, Any], h: dict[str, Any], change: _Make) -> Change:
    """Stronger when the values the head accepts are a subset of those the base accepts."""
    ((b_op, b_val),) = b.items()
    ((h_op, h_val),) = h.items()
    stronger = False
    numbers = all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in (b_val, h_val))
    if numbers and b_op in ("gt", "ge") and h_op in ("gt", "ge"):
        # {x > h} within {x > b} (or >=): h >= b, except `ge h` within `gt b` needs h > b.
        stronger = h_val > b_val or (h_val == b_val and not (b_op == "gt" and h_op == "ge"))
    elif numbers and b_op in ("lt", "le") and h_op in ("lt", "le"):
        stronger = h_val < b_val or (h_val == b_val and not (b_op == "lt" and h_op == "le"))
    elif b_op == h_op == "in" and isinstance(b_val, list) and isinstance(h_val, list):
        stronger = all(v in b_val for v in h_val)
    elif b_op == h_op == "not_in" and isinstance(b_val, list) and isinstance(h_val, list):
        stronger = all(v in h_val for v in b_val)
    if stronger:
        word = {"gt": "raised", "ge": "raised", "lt": "lowered", "le": "lowered"}.get(h_op, "narrowed")
        return change("strengthening", f"threshold-{word}", path, b, h, f"assert {word}: {_show(b)} -> {_show(h)}")
    return change("weakening", "assert-changed", path, b, h, f"assert changed from {_show(b)} to {_show(h)}")


# --- sign-off and waiver -----------------------------------------------------------------------


def _diff_signoff(base: list[SignoffRequirement], head: list[SignoffRequirement], change: _Make) -> Iterator[Change]:
    b_req = {r.role: r for r in base}
    h_req = {r.role: r for r in head}
    for role, req in b_req.items():
        path = f"signoff[{role}]"
        if role not in h_req:
            yield change("weakening", "signoff-removed", path, _dump(req), None, f"sign-off by '{role}' removed")
            continue
        new = h_req[role]
        if new.count != req.count:
            up = new.count > req.count
            yield change(
                "strengthening" if up else "weakening",
                "quorum-raised" if up else "quorum-lowered",
                f"{path}.count",
                req.count,
                new.count,
                f"quorum of '{role}' {'raised' if up else 'lowered'} from {req.count} to {new.count}",
            )
        if new.independent_of != req.independent_of:
            added = new.independent_of is not None
            yield change(
                "strengthening" if added else "weakening",
                "independence-added" if added else "independence-removed",
                f"{path}.independent_of",
                req.independent_of,
                new.independent_of,
                f"'{role}' must {'now' if added else 'no longer'} be independent of the authors",
            )
    for role, req in h_req.items():
        if role not in b_req:
            yield change(
                "strengthening", "signoff-added", f"signoff[{role}]", None, _dump(req), f"sign-off by '{role}' added"
            )


def _diff_waiver(base: WaiverPolicy | None, head: WaiverPolicy | None, change: _Make) -> Iterator[Change]:
    if base == head:
        return
    if base is None:
        assert head is not None
        yield change(
            "weakening",
            "waiver-added",
            "waiver",
            None,
            _dump(head),
            f"waivers now allowed ({', '.join(head.roles)}, at most {head.max_days} days)",
        )
        return
    if head is None:
        yield change("strengthening", "waiver-removed", "waiver", _dump(base), None, "waivers no longer allowed")
        return
    if head.max_days != base.max_days:
        up = head.max_days > base.max_days
        yield change(
            "weakening" if up else "strengthening",
            "waiver-days-raised" if up else "waiver-days-lowered",
            "waiver.max_days",
            base.max_days,
            head.max_days,
            f"waiver max_days {'raised' if up else 'lowered'} from {base.max_days} to {head.max_days}",
        )
    for role in base.roles:
        if role not in head.roles:
            yield change(
                "strengthening", "waiver-role-removed", "waiver.roles", role, None, f"'{role}' may no longer waive"
            )
    for role in head.roles:
        if role not in base.roles:
            yield change("weakening", "waiver-role-added", "waiver.roles", None, role, f"'{role}' may now waive")


# ---------------------------------------------------------------------------------------------
# Signers


def diff_signers(base: Signers, head: Signers) -> list[Change]:
    """Every change to .gate/signers.yaml that matters for who may sign what, weakenings first.

    Weakenings: a new identity, key, role or email, a key's validity window widened, an email removed (it
    makes its owner look independent of the commits made with it). Removals of identities, keys and roles,
    and narrowed windows, are strengthenings; a name change is neutral.
    """
    out: list[Change] = []

    def add(effect: Effect, kind: str, who: str, path: str, b: Any, h: Any, message: str) -> None:
        out.append(Change(effect, f"signers.{kind}", who, path, b, h, message, subject="signers"))

    for who, signer in base.signers.items():
        if who not in head.signers:
            add("strengthening", "identity-removed", who, "", _signer_json(signer), None, f"identity '{who}' removed")
    for who, new in head.signers.items():
        old = base.signers.get(who)
        if old is None:
            add("weakening", "identity-added", who, "", None, _signer_json(new), f"identity '{who}' added")
            continue
        if old.name != new.name:
            add("neutral", "name-changed", who, "name", old.name, new.name, "name changed")
        for role in old.roles:
            if role not in new.roles:
                add("strengthening", "role-removed", who, "roles", role, None, f"{who} no longer holds '{role}'")
        for role in new.roles:
            if role not in old.roles:
                add("weakening", "role-added", who, "roles", None, role, f"{who} now holds '{role}'")
        for email in old.emails:
            if email not in new.emails:
                add("weakening", "email-removed", who, "emails", email, None, f"{who} no longer lists {email}")
        for email in new.emails:
            if email not in old.emails:
                add("weakening", "email-added", who, "emails", None, email, f"{who} now lists {email}")
        old_keys = {k.fingerprint: k for k in old.keys}
        new_keys = {k.fingerprint: k for k in new.keys}
        for fp, key in old_keys.items():
            if fp not in new_keys:
                add("strengthening", "key-removed", who, f"keys[{fp}]", _key_json(key), None, f"key {fp} removed")
        for fp, key in new_keys.items():
            if fp not in old_keys:
                add("weakening", "key-added", who, f"keys[{fp}]", None, _key_json(key), f"key {fp} added")
            else:
                for effect, path, b, h, message in _diff_window(old_keys[fp], key):
                    add(effect, f"key-window-{_word(effect)}", who, f"keys[{fp}].{path}", b, h, message)
    order = {"weakening": 0, "strengthening": 1, "neutral": 2}
    return sorted(out, key=lambda c: order[c.effect])


def _signer_json(signer: Any) -> dict[str, Any]:
    return {
        "name": signer.name,
        "emails": list(signer.emails),
        "roles": list(signer.roles),
        "keys": [_key_json(k) for k in signer.keys],
    }


def _key_json(key: SignerKey) -> dict[str, Any]:
    """A key as the fingerprint sees it: the key itself and its window (its comment does not count)."""
    return {"key": key.key.line(), "valid_after": _when(key.valid_after), "valid_before": _when(key.valid_before)}


def _when(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat().replace("+00:00", "Z")


def _diff_window(old: SignerKey, new: SignerKey) -> Iterator[tuple[Effect, str, Any, Any, str]]:
    """valid_after earlier (or removed) and valid_before later (or removed) widen the window."""
    b, h = old.valid_after, new.valid_after
    if b != h:
        wider = h is None or (b is not None and h < b)
        yield (
            "weakening" if wider else "strengthening",
            "valid_after",
            _when(b),
            _when(h),
            f"valid_after changed from {_when(b) or 'none'} to {_when(h) or 'none'}",
        )
    b, h = old.valid_before, new.valid_before
    if b != h:
        wider = h is None or (b is not None and h > b)
        yield (
            "weakening" if wider else "strengthening",
            "valid_before",
            _when(b),
            _when(h),
            f"valid_before changed from {_when(b) or 'none'} to {_when(h) or 'none'}",
        )


# ---------------------------------------------------------------------------------------------
# Reading the two sides


def include_paths(loaded: LoadedChecklist) -> list[str]:
    """The files a checklist includes (transitively), repo-relative: `COMMIT12:path` for one read from git
    (`loader.load_at`), a path on disk (relative to the working directory) otherwise."""
    out = []
    for shown in loaded.includes:
        prefix, sep, rest = shown.partition(":")
        if sep and re.fullmatch(r"[0-9a-f]{12}", prefix) and not Path(shown).exists():
            out.append(rest)
            continue
        path = Path(shown).resolve()
        try:
            out.append(path.relative_to(loaded.root.resolve()).as_posix())
        except ValueError:
            out.append(path.as_posix())
    return out


def read_checklist(spec: str, repo: Path) -> LoadedChecklist:
    """A checklist from a file, or `REF:path` from git (path from the repository root), with includes."""
    if Path(spec).exists() or Path(spec).is_symlink():
        return loader.load(Path(spec))
    root, commit, path = _git_spec(spec, repo)
    return loader.load_at(root, commit, path)


def read_signers(spec: str, repo: Path) -> Signers:
    """A signers file from disk, or `REF:path` from git."""
    from gate.signers import load_signers

    if Path(spec).exists() or Path(spec).is_symlink():
        return load_signers(Path(spec))
    root, commit, path = _git_spec(spec, repo)
    data = gitrepo.read_blob(root, commit, path)
    if data is None:
        raise UsageError(f"no file {path} at {spec.partition(':')[0]} ({commit[:12]})")
    return parse_signers(data, spec)


def _git_spec(spec: str, repo: Path) -> tuple[Path, str, str]:
    ref, sep, path = spec.partition(":")
    if not sep or not ref or not path:
        raise UsageError(f"no such file '{spec}'", hint="give a file, or REF:path read from git (v1.2:checks/a.yaml)")
    root = gitrepo.toplevel(repo)
    return root, gitrepo.resolve_commit(root, ref), path.removeprefix("./")


# ---------------------------------------------------------------------------------------------
# The baseline of a release (`gate check --baseline`, `gate sign --retire`)


@dataclass(frozen=True)
class Comparison:
    """The checklist and signers at the release commit against those at the baseline."""

    ref: str
    commit: str
    path: str
    """Repo-relative path of the checklist."""
    base: LoadedChecklist
    head: LoadedChecklist
    base_signers: Signers
    base_signers_digest: str
    changes: list[Change]

    @property
    def weakenings(self) -> list[Change]:
        return weakenings(self.changes)

    @property
    def strengthenings(self) -> list[Change]:
        return [c for c in self.changes if c.effect == "strengthening"]


def compare(root: Path, commit: str, loaded: LoadedChecklist, ref: str, head_signers: Signers) -> Comparison:
    """Read the baseline at `ref` and diff the checklist and the signers list at the release commit with it."""
    try:
        rel = loaded.path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        raise UsageError(
            f"--baseline needs the checklist inside the repository; {loaded.shown} is not under {root}"
        ) from None
    head = loader.load_at(root, commit, rel)
    if head.digest != loaded.digest:
        raise GateError(
            f"checklist {rel} differs from the release commit {commit[:12]}",
            hint="commit the change: gate reads checklists as of the release commit",
        )
    base_commit = gitrepo.resolve_commit(root, ref)
    if gitrepo.tree_entry(root, base_commit, rel) is None:
        raise UsageError(
            f"no checklist {rel} at the baseline {ref} ({base_commit[:12]})",
            hint="the baseline must hold the same checklist path; a brand-new checklist has no baseline yet",
        )
    base = loader.load_at(root, base_commit, rel)
    data = gitrepo.read_blob(root, base_commit, SIGNERS_PATH)
    if data is None:
        raise UsageError(
            f"no {SIGNERS_PATH} at the baseline {ref} ({base_commit[:12]})",
            hint="the baseline's signers list says who may retire a weakening; choose a baseline that has one",
        )
    base_signers = parse_signers(data, f"{ref}:{SIGNERS_PATH}")
    changes = diff_checklists(
        base.checklist, head.checklist, base_includes=include_paths(base), head_includes=include_paths(head)
    ) + diff_signers(base_signers, head_signers)
    return Comparison(ref, base_commit, rel, base, head, base_signers, sha256_hex(data), changes)


def _retire_problem(entry: Entry, cmp: Comparison, current: set[str], revoked: dict[str, Entry]) -> str | None:
    """Why a retire entry does not count, or None. Judged against the BASELINE's owner and signers list."""
    from gate import signing

    body = entry.body
    owner = cmp.base.checklist.owner
    if entry.id in revoked:
        return f"revoked by {revoked[entry.id].body.signer} ({revoked[entry.id].id[:12]})"
    if body.fingerprint not in current:
        return "cites no current weakening"
    if body.checklist_digest != cmp.head.digest:
        return "stale: signed for another version of the checklist"
    signer = cmp.base_signers.identities.get(body.signer)
    if signer is None:
        return f"{body.signer} is not in the baseline's signers list"
    if owner not in signer.roles:
        return f"{body.signer} does not hold '{owner}' (the baseline's owner role) in the baseline's signers list"
    keys = [k for k in signer.keys if k.fingerprint == body.key]
    if not keys:
        return f"key {body.key} is not {body.signer}'s in the baseline's signers list"
    if not keys[0].valid_at(body.signed_at):
        return f"{body.signer}'s key was not valid at {body.signed_at:%Y-%m-%d} per the baseline's signers list"
    try:
        signing.verify(body.payload(), entry.signature, namespace=ledger.NAMESPACE, keys=[keys[0].key])
    except signing.SignatureInvalid as exc:
        return f"signature does not verify against the baseline's signers list: {exc.message}"
    return None


def judge(cmp: Comparison, entries: Sequence[Entry], head_signers: Signers) -> BaselineInfo:
    """Which weakenings valid retire entries cover. `entries` are the release's verified ledger entries."""
    revoked = policy.revoked_ids(entries, head_signers, cmp.head.checklist.owner)
    current = {c.fingerprint for c in cmp.weakenings}
    retired_by: dict[str, str] = {}
    views = []
    for entry in entries:
        if entry.body.decision != "retire":
            continue
        reason = _retire_problem(entry, cmp, current, revoked)
        assert entry.body.fingerprint is not None
        if reason is None:
            retired_by.setdefault(entry.body.fingerprint, entry.id)
        b = entry.body
        views.append(
            RetireView(
                id=entry.id,
                signer=b.signer,
                fingerprint=entry.body.fingerprint,
                signed_at=b.signed_at,
                comment=b.comment,
                counted=reason is None,
                reason=reason,
            )
        )
    found = [
        Weakening(
            fingerprint=c.fingerprint,
            subject=c.subject,
            kind=c.kind,
            item=c.item,
            path=c.path,
            base=c.base,
            head=c.head,
            message=c.message,
            retired=c.fingerprint in retired_by,
            retired_by=retired_by.get(c.fingerprint),
        )
        for c in cmp.weakenings
    ]
    return BaselineInfo(
        ref=cmp.ref,
        commit=cmp.commit,
        checklist_path=cmp.path,
        checklist_digest=cmp.base.digest,
        signers_digest=cmp.base_signers_digest,
        owner=cmp.base.checklist.owner,
        weakenings=found,
        strengthenings=len(cmp.strengthenings),
        retires=views,
    )


def apply_baseline(report: Report, info: BaselineInfo) -> Report:
    """The report with the baseline recorded; any weakening no retire covers blocks the release."""
    blocking = info.blocking
    n = len(info.weakenings)
    note = (
        f"baseline {info.ref} ({info.commit[:12]}): {n} weakening{'s' if n != 1 else ''}, "
        f"{n - len(blocking)} retired by '{info.owner}'"
    )
    update: dict[str, Any] = {"baseline": info, "notes": [*report.notes, note]}
    if blocking:
        update["verdict"] = Verdict.BLOCKED
    return report.model_copy(update=update)


def check_baseline(
    report: Report,
    loaded: LoadedChecklist,
    root: Path,
    commit: str,
    ref: str,
    entries: Sequence[Entry],
    head_signers: Signers,
) -> Report:
    """`gate check --baseline REF`: compare, judge the retire entries, and block on what is not retired."""
    cmp = compare(root, commit, loaded, ref, head_signers)
    return apply_baseline(report, judge(cmp, entries, head_signers))


def prepare_retire(
    *,
    cmp: Comparison,
    release: str,
    signer_identity: str,
    key_fingerprint: str,
    fingerprint: str,
    comment: str,
    now: datetime,
) -> EntryBody:
    """The retire entry to sign, or SignRefused when it would not count: only a holder of the owner role AS
    THE BASELINE DEFINES IT, with a key the baseline's signers list gives them, may retire a weakening."""
    from gate.signoff import SignRefused

    fp = fingerprint.strip().lower()
    if not re.fullmatch(FINGERPRINT_PATTERN, fp):
        raise UsageError(f"'{fingerprint}' is not a weakening fingerprint (16 hex digits)")
    if fp not in {c.fingerprint for c in cmp.weakenings}:
        raise UsageError(
            f"no weakening {fp} between the baseline {cmp.ref} and {cmp.path} at the release commit",
            hint=f"`gate diff {cmp.ref}:{cmp.path} {cmp.path}` lists the weakenings and their fingerprints",
        )
    owner = cmp.base.checklist.owner
    signer = cmp.base_signers.identities.get(signer_identity)
    where = f"the baseline's signers list ({cmp.ref}:{SIGNERS_PATH})"
    if signer is None or owner not in signer.roles:
        raise SignRefused(
            f"{signer_identity} does not hold '{owner}' in {where}: only a holder of the baseline's owner role may "
            "retire a weakening"
        )
    keys = [k for k in signer.keys if k.fingerprint == key_fingerprint]
    if not keys:
        raise SignRefused(f"key {key_fingerprint} is not {signer_identity}'s in {where}; sign with a key listed there")
    if not keys[0].valid_at(now):
        raise SignRefused(f"{signer_identity}'s key {key_fingerprint} is not valid now per {where}")
    return EntryBody.model_validate(
        {
            "decision": "retire",
            "release": release,
            "checklist_id": cmp.head.checklist.id,
            "checklist_digest": cmp.head.digest,
            "signer": signer_identity,
            "key": key_fingerprint,
            "signed_at": now,
            "comment": comment,
            "fingerprint": fp,
        }
    )
