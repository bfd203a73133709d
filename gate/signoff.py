"""Signing a decision: which key, which role, and the refusals (DESIGN "Sign-offs"). Used by `gate sign` and the TUI.

`evaluate_signoffs` applies the ledger to a report (reads signers.yaml at the release commit and the
entries under .gate/signoffs/<release>/). `prepare` builds the entry a person is about to sign and
refuses, with a reason, what the policy would never count: a role they do not hold, an approval by an
author for an independent requirement, approving failing evidence that is not waived, waiving passing
evidence or an ERROR, a waiver longer than the policy allows. Never prints.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from gate import gitrepo, ledger, policy
from gate.errors import GateError, UsageError
from gate.ledger import Decision, Entry, EntryBody
from gate.loader import LoadedChecklist
from gate.results import ItemResult, Report, Status
from gate.signers import Signer, SignerKey, Signers, parse_signers

SIGNERS_PATH = ".gate/signers.yaml"


class SignRefused(GateError):  # noqa: N818 - an expected refusal, named for it (STYLE)
    """The decision would not count or is not allowed: a negative verdict (exit 1) with the reason."""

    exit_code = 1


def signers_at(root: Path, commit: str) -> Signers:
    """signers.yaml as of the release commit (never the work tree): the list a release is judged by."""
    data = gitrepo.read_blob(root, commit, SIGNERS_PATH)
    if data is None:
        raise GateError(
            f"no {SIGNERS_PATH} at the release commit {commit[:12]}",
            hint="commit the list of signers (`gate signers` documents the format)",
        )
    return parse_signers(data, SIGNERS_PATH)


def evaluate_signoffs(
    report: Report, loaded: LoadedChecklist, root: Path, commit: str, release: str, now: datetime
) -> tuple[Report, list[Entry], Signers]:
    """Apply the verified ledger of a release to a report (clearance, waivers, verdict)."""
    signers = signers_at(root, commit)
    entries = ledger.read_entries(root, release)
    ledger.verify_entries(entries, signers, now=now)
    items = {i.id: i for i in loaded.checklist.items}
    judged = policy.apply(report, items, entries, signers, owner_role=loaded.checklist.owner, now=now)
    return judged, entries, signers


def read_report(path: Path) -> Report:
    """A `gate check --format json` report; UsageError naming the file when it is not one."""
    from pydantic import ValidationError

    try:
        return Report.model_validate_json(path.read_bytes())
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror}") from None
    except ValidationError as exc:
        raise UsageError(f"{path} is not a gate JSON report: {exc.errors()[0]['msg']}") from None


def check_report(report: Report, loaded: LoadedChecklist, shown: str) -> None:
    """A CI report is signed only if it is self-consistent with the local checklist.

    Its checklist digest must be the local checklist's, every item's definition digest the local item's,
    and every evidence digest must be recomputed from the evidence the report shows: a report whose
    observations were edited (to make a leak look harmless) no longer matches its own digest.
    """
    from gate.model import item_digest
    from gate.results import evidence_digest

    if report.checklist.digest != loaded.digest:
        raise SignRefused(
            f"{shown} was made with another checklist (digest {report.checklist.digest[:12]}, the local "
            f"{loaded.shown} is {loaded.digest[:12]})",
            hint="sign with the checklist of the release commit, or ask CI for a fresh report",
        )
    local = {i.id: i for i in loaded.checklist.items}
    for item in report.items:
        if item.id not in local or item_digest(local[item.id]) != item.item_digest:
            raise SignRefused(f"{shown}: item '{item.id}' does not match the local checklist's definition")
        if evidence_digest(item.evidence) != item.evidence_digest:
            raise SignRefused(
                f"{shown}: the evidence shown for '{item.id}' does not match its evidence digest: the report was "
                "edited after gate wrote it",
                hint="ask CI for the report it wrote, or sign after checking locally (without --report)",
            )


@dataclass(frozen=True)
class Identity:
    """Who is signing, and with what."""

    signer: Signer
    key: SignerKey
    key_file: Path | None
    agent_key: Any = None


def choose_key(signers: Signers, key_file: Path | None) -> Identity:
    """`--key FILE`, else the one ssh-agent key signers.yaml lists; several or none is a usage error."""
    from gate import signing

    signing.require_ssh_keygen()
    if key_file is not None:
        if not key_file.is_file():
            raise UsageError(f"key file {key_file} does not exist")
        public = signing.public_key_of(key_file)
        found = signers.by_key(public.fingerprint)
        if found is None:
            raise UsageError(
                f"key {public.fingerprint} ({key_file}) is not in {SIGNERS_PATH}",
                hint="add its public key to your identity in signers.yaml (a change the checklist owner must sign)",
            )
        return Identity(found[0], found[1], key_file)
    matches = [(k, signers.by_key(k.fingerprint)) for k in signing.agent_keys()]
    known = [(k, f) for k, f in matches if f is not None]
    if not known:
        raise UsageError(
            "no signing key: no ssh-agent key is listed in " + SIGNERS_PATH,
            hint="pass --key FILE, or add your key to ssh-agent (ssh-add)",
        )
    if len(known) > 1:
        listed = ", ".join(f"{f[0].identity} {k.fingerprint}" for k, f in known if f is not None)
        raise UsageError(
            f"several ssh-agent keys are listed in {SIGNERS_PATH}: {listed}", hint="choose one with --key FILE"
        )
    agent_key, found = known[0]
    assert found is not None
    return Identity(found[0], found[1], None, agent_key)


def _item(report: Report, item_id: str) -> ItemResult:
    for item in report.items:
        if item.id == item_id:
            return item
    known = ", ".join(i.id for i in report.items)
    raise UsageError(f"no item '{item_id}' in the report", hint=f"items: {known}")


def _role(wanted: str | None, holds: Sequence[str], allowed: Sequence[str], who: str, what: str) -> str:
    usable = [r for r in allowed if r in holds]
    if wanted is not None:
        if wanted not in allowed:
            raise SignRefused(f"'{wanted}' cannot {what} (allowed roles: {', '.join(allowed) or 'none'})")
        if wanted not in holds:
            raise SignRefused(f"{who} does not hold the role '{wanted}'")
        return wanted
    if not usable:
        raise SignRefused(
            f"{who} holds none of the roles that may {what} ({', '.join(allowed) or 'none'}); "
            f"{who}'s roles: {', '.join(holds) or 'none'}"
        )
    if len(usable) > 1:
        raise UsageError(f"{who} holds several roles that may {what}: {', '.join(usable)}", hint="choose with --role")
    return usable[0]


def prepare(
    *,
    decision: Decision,
    release: str,
    report: Report,
    loaded: LoadedChecklist,
    entries: Sequence[Entry],
    identity: Identity,
    comment: str,
    now: datetime,
    item_id: str | None = None,
    role: str | None = None,
    expires: datetime | None = None,
    revokes: str | None = None,
) -> EntryBody:
    """The entry to sign, or SignRefused saying why the decision would not count."""
    signer = identity.signer
    who = signer.identity
    base: dict[str, Any] = {
        "decision": decision,
        "release": release,
        "checklist_id": report.checklist.id,
        "checklist_digest": report.checklist.digest,
        "signer": who,
        "key": identity.key.key.fingerprint,
        "signed_at": now,
        "comment": comment,
    }
    if decision == "revoke":
        if revokes is None:
            raise UsageError("--revoke needs the id of the entry to revoke")
        targets = [e for e in entries if e.id.startswith(revokes)]
        if len(targets) != 1:
            raise UsageError(
                f"{'no' if not targets else 'several'} sign-off entries of release {release} match '{revokes}'"
            )
        target = targets[0]
        if target.body.signer != who and loaded.checklist.owner not in signer.roles:
            raise SignRefused(
                f"only {target.body.signer} (who signed it) or a holder of '{loaded.checklist.owner}' may revoke "
                f"{target.id[:12]}"
            )
        return EntryBody.model_validate({**base, "item": target.body.item, "revokes": target.id})
    if item_id is None:
        raise UsageError(f"--{decision} needs --item ID")
    result = _item(report, item_id)
    item = next(i for i in loaded.checklist.items if i.id == item_id)
    if decision == "waive":
        if item.waiver is None:
            raise SignRefused(f"item '{item_id}' allows no waivers")
        chosen = _role(role, signer.roles, item.waiver.roles, who, f"waive '{item_id}'")
        if result.status is Status.PASS:
            raise SignRefused(f"the evidence of '{item_id}' passes: waiving passing evidence is refused")
        if result.status is Status.ERROR:
            raise SignRefused(
                f"the evidence of '{item_id}' is ERROR (unreadable): a waiver never covers ERROR; make it readable"
            )
        if expires is None:
            raise UsageError("--waive needs --expires DATE")
        if expires <= now:
            raise SignRefused(f"the waiver would expire in the past ({expires:%Y-%m-%d})")
        latest = now + timedelta(days=item.waiver.max_days)
        if expires > latest:
            raise SignRefused(
                f"the waiver would last until {expires:%Y-%m-%d %H:%M}Z; item '{item_id}' allows at most "
                f"{item.waiver.max_days} days, until {latest:%Y-%m-%d %H:%M}Z",
                hint=f"give --expires {(latest - timedelta(days=1)):%Y-%m-%d} (a date means the end of that day, UTC) "
                "or an exact time",
            )
    else:
        required = [r.role for r in item.signoff]
        chosen = _role(role, signer.roles, required, who, f"{decision} '{item_id}'")
        if decision == "approve":
            requirement = next(r for r in item.signoff if r.role == chosen)
            if requirement.independent_of == "authors":
                emails = {m.lower() for ev in result.evidence for m in ev.emails}
                shared = sorted(set(signer.emails) & emails)
                if shared:
                    raise SignRefused(
                        f"{who} is not independent of the commits '{item_id}' read ({shared[0]} authored or "
                        f"committed some), and '{chosen}' must be"
                    )
            if result.status not in (Status.PASS, Status.WAIVED):
                raise SignRefused(
                    f"the evidence of '{item_id}' is {result.status.value}: approving evidence that fails and is not "
                    "waived is refused; fix it, or get a waiver first"
                )
    return EntryBody.model_validate(
        {
            **base,
            "item": item_id,
            "item_digest": result.item_digest,
            "evidence_digest": result.evidence_digest,
            "role": chosen,
            "expires": expires if decision == "waive" else None,
        }
    )
