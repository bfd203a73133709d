"""The tamper suite: each forgery is detected with a message naming the entry.

Content mutations are re-signed with a valid key, so each check is exercised on its own, not just the
signature check (issue 6 acceptance).
"""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from gate import api, ledger
from gate.cli import main
from gate.ledger import EntryBody
from gate.results import Report
from tests.signoff.conftest import LEAKY, Release, build_release

NOW = datetime.now(UTC).replace(microsecond=0)


def evidence(rel: Release) -> Report:
    return api.check(rel.checklist, repo=rel.repo.path, evidence_only=True)


def body(rel: Release, item_id: str, **changes: Any) -> EntryBody:
    item = item_id
    report = evidence(rel)
    result = next(i for i in report.items if i.id == item)
    fields: dict[str, Any] = {
        "decision": "approve",
        "release": "r1",
        "checklist_id": report.checklist.id,
        "checklist_digest": report.checklist.digest,
        "item": item,
        "item_digest": result.item_digest,
        "evidence_digest": result.evidence_digest,
        "role": "safety-lead" if item == "configs" else "auditor",
        "signer": "carol" if item == "configs" else "bob",
        "signed_at": NOW,
        "comment": "looks fine",
    }
    fields.update(changes)
    if "key" not in changes:
        from gate.signing import public_key_of

        fields["key"] = public_key_of(rel.keys[fields["signer"]]).fingerprint
    return EntryBody.model_validate(fields)


def put(rel: Release, entry: EntryBody, *, key: str | None = None) -> Path:
    """Sign with a real key (the signer's own unless told) and write it into the ledger."""
    signature = ledger.sign_entry(entry, key_file=rel.keys[key or entry.signer])
    return ledger.write_entry(rel.repo.path, entry, signature)


def verify(rel: Release) -> int:
    return main(["ledger", "verify", "--release", "r1", "--repo", str(rel.repo.path)])


def check(rel: Release) -> int:
    return main(["check", "--checklist", rel.checklist, "--repo", str(rel.repo.path), "--release", "r1"])


def test_a_valid_ledger_verifies(release: Release, capsys) -> None:
    put(release, body(release, "configs"))
    assert verify(release) == 0
    out, err = capsys.readouterr()
    assert "ok  " in out and "approve  configs  carol (safety-lead)" in out
    assert "1 sign-off entry of release r1 verified against .gate/signers.yaml" in err


def test_a_byte_edited_in_an_entry(release: Release, capsys) -> None:
    path = put(release, body(release, "configs"))
    path.write_text(path.read_text().replace("looks fine", "looks FINE"))
    assert verify(release) == 1
    err = capsys.readouterr().err
    assert f".gate/signoffs/r1/{path.name}: the file name is not the entry's id" in err


def test_a_byte_edited_and_the_file_renamed_to_match(release: Release, capsys) -> None:
    path = put(release, body(release, "configs"))
    doc = json.loads(path.read_text())
    doc["entry"]["comment"] = "looks FINE"
    edited = EntryBody.model_validate(doc["entry"])
    path.unlink()
    renamed = path.with_name(f"{edited.id}.json")
    renamed.write_bytes(ledger.entry_file(edited, doc["signature"]))
    assert verify(release) == 1
    assert f".gate/signoffs/r1/{renamed.name}: signature does not verify" in capsys.readouterr().err
    assert check(release) == 1


def test_an_entry_signed_by_a_key_not_in_signers(release: Release, capsys) -> None:
    from gate.signing import public_key_of

    stranger = public_key_of(release.keys["stranger"]).fingerprint
    path = put(release, body(release, "configs", key=stranger), key="stranger")
    assert verify(release) == 1
    assert f"{path.name}: key {stranger} is not one of carol's keys in .gate/signers.yaml" in capsys.readouterr().err


def test_an_entry_by_someone_not_in_signers(release: Release, capsys) -> None:
    from gate.signing import public_key_of

    stranger = public_key_of(release.keys["stranger"]).fingerprint
    path = put(release, body(release, "configs", signer="eve", key=stranger), key="stranger")
    assert verify(release) == 1
    assert f"{path.name}: signed as 'eve', who is not in .gate/signers.yaml" in capsys.readouterr().err


def test_a_validly_signed_entry_claiming_a_role_not_held(release: Release, capsys) -> None:
    path = put(release, body(release, "configs", signer="bob", role="safety-lead"))
    assert verify(release) == 1
    assert f"{path.name}: bob signed as 'safety-lead', a role they do not hold" in capsys.readouterr().err
    assert check(release) == 1


def test_an_entry_replayed_from_another_release(release: Release, capsys) -> None:
    path = put(release, body(release, "configs", release="r0"))
    target = release.repo.path / ".gate/signoffs/r1" / path.name
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(path, target)
    assert verify(release) == 1
    assert f"r1/{path.name}: entry for release 'r0' in the folder of release 'r1' (replayed)" in capsys.readouterr().err


def test_an_entry_for_another_checklist_digest_is_stale(release: Release, capsys) -> None:
    entry = put(release, body(release, "configs", checklist_digest="1" * 64)).stem
    assert verify(release) == 0  # a valid signature: it just does not count
    capsys.readouterr()
    assert check(release) == 4
    out = capsys.readouterr().out
    assert f"approve by carol ({entry[:12]}): stale: the checklist changed since it was signed" in out


def test_an_entry_for_another_evidence_digest_is_stale(release: Release, capsys) -> None:
    entry = put(release, body(release, "configs", evidence_digest="2" * 64)).stem
    assert check(release) == 4
    out = capsys.readouterr().out
    assert f"approve by carol ({entry[:12]}): stale: the evidence changed since it was signed" in out
    assert "  sign-off: STALE (safety-lead 0/1)" in out


def test_a_validly_signed_approval_by_an_author_does_not_count_as_independent(release: Release, capsys) -> None:
    entry = put(release, body(release, "reviewed", signer="alice", role="auditor")).stem
    put(release, body(release, "configs"))
    assert check(release) == 4
    out = capsys.readouterr().out
    assert f"approve by alice ({entry[:12]}): not independent: alice@example.com authored or committed" in out
    assert "  sign-off: PENDING (auditor 0/1)" in out


def test_an_expired_waiver_leaves_the_fail_standing(tmp_path: Path, keys, capsys) -> None:
    rel = build_release(tmp_path / "repo", keys, env=LEAKY)
    signed = NOW - timedelta(days=10)
    waiver = put(
        rel,
        body(rel, "configs", decision="waive", signed_at=signed, expires=signed + timedelta(days=5), comment="late"),
    ).stem
    assert verify(rel) == 0
    capsys.readouterr()
    assert check(rel) == 1
    out = capsys.readouterr().out
    assert "FAIL   configs [blocker]" in out
    assert f"waive by carol ({waiver[:12]}): expired " in out


def test_a_waiver_longer_than_max_days_does_not_apply(tmp_path: Path, keys, capsys) -> None:
    rel = build_release(tmp_path / "repo", keys, env=LEAKY)
    waiver = put(rel, body(rel, "configs", decision="waive", expires=NOW + timedelta(days=30), comment="long")).stem
    assert check(rel) == 1
    assert f"waive by carol ({waiver[:12]}): waiver longer than the 14 days the item allows" in capsys.readouterr().out


def test_a_waiver_by_a_role_the_policy_does_not_allow(tmp_path: Path, keys, capsys) -> None:
    rel = build_release(tmp_path / "repo", keys, env=LEAKY)
    waiver = put(
        rel, body(rel, "configs", decision="waive", expires=NOW + timedelta(days=3), signer="bob", role="auditor")
    ).stem
    assert check(rel) == 1
    assert f"waive by bob ({waiver[:12]}): 'auditor' may not waive this item (allowed: safety-lead)" in (
        capsys.readouterr().out
    )


def test_a_revoke_by_someone_else_does_not_withdraw(release: Release, capsys) -> None:
    approval = put(release, body(release, "reviewed"))
    put(release, body(release, "configs"))
    revoke = {"decision": "revoke", "signer": "mallory", "role": None, "item_digest": None, "evidence_digest": None}
    put(release, body(release, "reviewed", revokes=approval.stem, **revoke))
    assert check(release) == 0
