"""Clearance: quorum, roles, independence, staleness, rejects and waivers -> each item's sign-off state.

Pure: takes a Report, the checklist's items, verified ledger entries, the signers list and the time, and
returns a new Report. Never runs the engine and never reads a file (DESIGN "Statuses and clearance").

- An approval counts when it is fresh (the checklist, item-definition and evidence digests it signed are
  the report's), not revoked, by a holder of a required role, and — for `independent_of: authors` — by
  someone whose emails are not among the author, committer or co-author emails of the commits the item
  read. Each person fills at most one required role per item.
- A reject by a holder of a required role blocks until it is revoked (even when stale).
- A waiver by an allowed role, fresh, unexpired and no longer than `max_days`, turns FAIL into WAIVED,
  never ERROR. An expired waiver leaves the FAIL standing.
- An item is cleared when its evidence is PASS or WAIVED and its quorum is met.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta

from gate.ledger import Entry
from gate.model import Item
from gate.results import (
    EntryView,
    ItemResult,
    Report,
    RoleProgress,
    SignoffState,
    SignoffStatus,
    Status,
    Summary,
    Verdict,
    Waiver,
    fold_status,
)
from gate.signers import Signers


def revoked_ids(entries: Sequence[Entry], signers: Signers, owner_role: str) -> dict[str, Entry]:
    """Entry id -> the revoke that withdrew it. Only its own signer or a holder of the owner role may revoke."""
    by_id = {e.id: e for e in entries}
    out: dict[str, Entry] = {}
    for e in entries:
        if e.body.decision != "revoke" or e.body.revokes is None:
            continue
        target = by_id.get(e.body.revokes)
        if target is None or target.body.decision == "revoke":
            continue
        signer = signers.identities.get(e.body.signer)
        if e.body.signer == target.body.signer or (signer is not None and owner_role in signer.roles):
            out[target.id] = e
    return out


def _staleness(entry: Entry, report: Report, item: ItemResult) -> str | None:
    body = entry.body
    if body.checklist_digest != report.checklist.digest:
        return "stale: the checklist changed since it was signed"
    if body.item_digest != item.item_digest:
        return "stale: the item's definition changed since it was signed"
    if body.evidence_digest != item.evidence_digest:
        return "stale: the evidence changed since it was signed"
    return None


def _view(entry: Entry, counted: bool, reason: str | None) -> EntryView:
    b = entry.body
    return EntryView(
        id=entry.id,
        decision=b.decision,
        signer=b.signer,
        role=b.role,
        signed_at=b.signed_at,
        comment=b.comment,
        expires=b.expires,
        counted=counted,
        reason=reason,
    )


def judge_item(
    result: ItemResult,
    item: Item,
    entries: Sequence[Entry],
    revoked: Mapping[str, Entry],
    report: Report,
    signers: Signers,
    now: datetime,
) -> ItemResult:
    """One item's sign-off state and, for a valid waiver, FAIL -> WAIVED."""
    mine = [e for e in entries if e.body.item == item.id and e.body.decision in ("approve", "reject", "waive")]
    required = {r.role: r for r in item.signoff}
    emails = {m.lower() for ev in result.evidence for m in ev.emails}
    views: list[EntryView] = []
    # A report judged before (e.g. a CI report made with --release) is judged afresh from its evidence: a
    # WAIVED item's waiver must be found again in this ledger (it may have been revoked or have expired since).
    status: Status = fold_status([e.status for e in result.evidence])
    result = result.model_copy(update={"status": status, "waiver": None, "signoff_state": None})
    waiver: Waiver | None = None
    rejected = False
    stale_seen = False
    candidates: dict[str, list[str]] = {}  # role -> signers with a countable fresh approval, in signing order

    for e in mine:
        b = e.body
        if e.id in revoked:
            views.append(_view(e, False, f"revoked by {revoked[e.id].body.signer} ({revoked[e.id].id[:12]})"))
            continue
        stale = _staleness(e, report, result)
        if b.decision == "reject":
            if b.role in required:
                rejected = True
                views.append(_view(e, True, "rejected: blocks until revoked" + (f" ({stale})" if stale else "")))
            else:
                views.append(_view(e, False, f"'{b.role}' is not a role this item requires"))
            continue
        if b.decision == "waive":
            reason = _waiver_problem(e, item, result, now) or stale
            if reason is None and waiver is None:
                assert b.expires is not None and b.role is not None
                waiver = Waiver(by=b.signer, role=b.role, justification=b.comment, expires=b.expires)
                status = Status.WAIVED
                views.append(_view(e, True, None))
            else:
                views.append(_view(e, False, reason or "another waiver already applies"))
            continue
        # approve
        if b.role not in required:
            views.append(_view(e, False, f"'{b.role}' is not a role this item requires"))
            continue
        if stale:
            stale_seen = True
            views.append(_view(e, False, stale))
            continue
        req = required[b.role]
        if req.independent_of == "authors":
            signer = signers.identities.get(b.signer)
            shared = sorted(set(signer.emails if signer else ()) & emails)
            if shared:
                views.append(
                    _view(e, False, f"not independent: {shared[0]} authored or committed commits this item read")
                )
                continue
        candidates.setdefault(b.role, [])
        if b.signer not in candidates[b.role]:
            candidates[b.role].append(b.signer)
        views.append(_view(e, True, None))

    # Each person fills at most one required role per item: assign in requirement order.
    used: set[str] = set()
    progress: list[RoleProgress] = []
    for req in item.signoff:
        chosen: list[str] = []
        for who in candidates.get(req.role, []):
            if who not in used and len(chosen) < req.count:
                chosen.append(who)
                used.add(who)
        progress.append(
            RoleProgress(role=req.role, needed=req.count, signers=chosen, independent_of=req.independent_of)
        )
    chosen_for = {(p.role, who) for p in progress for who in p.signers}
    views = [_settle(v, chosen_for, used) for v in views]

    if rejected:
        state = SignoffStatus.REJECTED
    elif not item.signoff:
        state = SignoffStatus.NOT_REQUIRED
    elif all(len(p.signers) >= p.needed for p in progress):
        state = SignoffStatus.APPROVED
    elif stale_seen:
        state = SignoffStatus.STALE
    else:
        state = SignoffStatus.PENDING
    return result.model_copy(
        update={
            "status": status,
            "waiver": waiver,
            "signoff_state": SignoffState(status=state, roles=progress, entries=views),
        }
    )


def _settle(view: EntryView, chosen_for: set[tuple[str, str]], used: set[str]) -> EntryView:
    """A countable approval that the assignment did not use says why."""
    if view.decision != "approve" or not view.counted or (view.role or "", view.signer) in chosen_for:
        return view
    if view.signer in used:
        reason = "counted for another role of this item (one person fills one role per item)"
    else:
        reason = "not needed: the quorum for this role is already met"
    return view.model_copy(update={"counted": False, "reason": reason})


def _waiver_problem(entry: Entry, item: Item, result: ItemResult, now: datetime) -> str | None:
    b = entry.body
    if item.waiver is None:
        return "this item allows no waivers"
    if b.role not in item.waiver.roles:
        return f"'{b.role}' may not waive this item (allowed: {', '.join(item.waiver.roles)})"
    assert b.expires is not None
    if b.expires - b.signed_at > timedelta(days=item.waiver.max_days):
        return f"waiver longer than the {item.waiver.max_days} days the item allows"
    if b.expires <= now:
        return f"expired {b.expires:%Y-%m-%d %H:%M}Z"
    if b.expires - now > timedelta(days=item.waiver.max_days):
        return (
            f"waiver longer than the {item.waiver.max_days} days the item allows (it runs until {b.expires:%Y-%m-%d})"
        )
    if result.status is Status.ERROR:
        return "a waiver never covers ERROR: the evidence could not be read"
    if result.status is Status.PASS:
        return "the evidence passes; the waiver is not needed"
    return None


def apply(
    report: Report,
    items: Mapping[str, Item],
    entries: Sequence[Entry],
    signers: Signers,
    *,
    owner_role: str,
    now: datetime,
) -> Report:
    """The report with every item's sign-off state, waivers applied, and the verdict recomputed."""
    revoked = revoked_ids(entries, signers, owner_role)
    judged = [judge_item(r, items[r.id], entries, revoked, report, signers, now) for r in report.items]
    blocked = any(
        r.status in (Status.FAIL, Status.ERROR)
        or (r.signoff_state is not None and r.signoff_state.status is SignoffStatus.REJECTED)
        for r in judged
    )
    cleared = all(
        r.status in (Status.PASS, Status.WAIVED)
        and r.signoff_state is not None
        and r.signoff_state.status in (SignoffStatus.APPROVED, SignoffStatus.NOT_REQUIRED)
        for r in judged
    )
    verdict = Verdict.BLOCKED if blocked else (Verdict.PASSED if cleared else Verdict.PENDING)
    summary = Summary.of(judged)
    notes = [n for n in report.notes if not n.startswith("sign-offs were not checked")]
    return report.model_copy(update={"items": judged, "verdict": verdict, "summary": summary, "notes": notes})
