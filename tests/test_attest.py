"""`gate attest` and `gate verify` on a real release with real SSH keys, and the verifier's tamper suite.

Semantic forgeries are re-signed with a valid key (the release manager's, or the signer's own for an entry), so
each deeper check is exercised on its own and not just the envelope signature (issue 8 acceptance).
"""

from __future__ import annotations

import base64
import hashlib
import json
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from git import Repo

from gate import attest, ledger, loader
from gate.cli import main
from gate.ledger import EntryBody
from gate.model import canonical_json
from gate.signing import public_key_of
from tests.builders import GitRepo
from tests.signoff import conftest as signoff_fixtures
from tests.signoff.conftest import CHECKLIST, LEAKY, Release, build_release, signers_yaml

keys = signoff_fixtures.keys  # the session's real SSH keys (one per person), shared with tests/signoff

RELEASE = "r1"


def sign(rel: Release, who: str, *args: str) -> None:
    argv = ["sign", "--release", RELEASE, "--checklist", rel.checklist, "--repo", str(rel.repo.path)]
    assert main([*argv, "--key", str(rel.keys[who]), *args]) == 0


def approve_all(rel: Release) -> None:
    sign(rel, "carol", "--item", "configs", "--approve", "--comment", "every env config checked")
    sign(rel, "bob", "--item", "reviewed", "--approve", "--comment", "reward history reviewed")


@dataclass
class Attested:
    rel: Release
    out: Path
    model: Path
    signers: Path
    """A trusted signers file outside the repository (the same people and keys as the repository's)."""

    @property
    def envelope(self) -> Path:
        return self.out / f"{RELEASE}.intoto.json"

    def statement(self) -> dict[str, Any]:
        envelope = json.loads(self.envelope.read_bytes())
        doc: dict[str, Any] = json.loads(base64.b64decode(envelope["payload"]))
        return doc


def run_attest(rel: Release, out: Path, model: Path, *, key: str = "carol", extra: tuple[str, ...] = ()) -> int:
    argv = ["attest", "--release", RELEASE, "--checklist", rel.checklist, "--repo", str(rel.repo.path)]
    return main([*argv, "--subject", str(model), "--out", str(out), "--key", str(rel.keys[key]), *extra])


def make(tmp_path: Path, keys: dict[str, Path], *, env: str | None = None) -> Attested:
    rel = build_release(tmp_path / "repo", keys, **({"env": env} if env else {}))
    model = tmp_path / "model.safetensors"
    model.write_bytes(b"\x00weights" * 4096)
    signers = tmp_path / "trusted-signers.yaml"
    signers.write_text(signers_yaml(keys))
    return Attested(rel, tmp_path / "out", model, signers)


@pytest.fixture(scope="session")
def attested_once(tmp_path_factory: pytest.TempPathFactory, keys: dict[str, Path]) -> Attested:
    """Built once per session (isolated as tests/conftest.py's `isolate` does), copied for each test."""
    home = tmp_path_factory.mktemp("attest-home")
    (home / ".gitconfig").write_text("")
    with pytest.MonkeyPatch.context() as mp:
        for name, value in {"HOME": home, "GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": home / ".gitconfig"}.items():
            mp.setenv(name, str(value))
        mp.setenv("TZ", "UTC")
        for name in ("SSH_AUTH_SOCK", "SSH_AGENT_PID", "GIT_DIR", "GIT_WORK_TREE", "GITHUB_ACTIONS"):
            mp.delenv(name, raising=False)
        made = make(tmp_path_factory.mktemp("attested"), keys)
        approve_all(made.rel)
        assert run_attest(made.rel, made.out, made.model) == 0
    return made


@pytest.fixture
def attested(attested_once: Attested, tmp_path: Path) -> Attested:
    """A cleared release (configs approved by carol, reviewed by bob), attested by carol (release-manager)."""
    shutil.copytree(attested_once.out.parent, tmp_path / "copy", symlinks=True)
    at = tmp_path / "copy"
    old = attested_once.rel.repo
    repo = GitRepo(at / "repo", Repo(at / "repo"), old.clock, list(old.shas))
    return Attested(
        Release(repo, attested_once.rel.keys), at / "out", at / "model.safetensors", at / "trusted-signers.yaml"
    )


def verify(made: Attested, path: Path | None = None, *args: str, repo: bool = False) -> int:
    trusted = ["--signers", str(made.signers), "--checklist", made.rel.checklist]
    trust = ["--repo", str(made.rel.repo.path)] if repo else trusted
    return main(["verify", str(path or made.envelope), *trust, *args])


def forge(
    made: Attested, change: Callable[[dict[str, Any]], None], *, key: str = "carol", name: str = "forged.json"
) -> Path:
    """The attestation's Statement changed by `change`, re-signed validly with `key` (SSHSIG over the new PAE)."""
    statement = made.statement()
    change(statement)
    envelope = attest.sign_envelope(canonical_json(statement), key_file=made.rel.keys[key])
    path = made.out / name
    path.write_bytes(attest.envelope_bytes(envelope))
    return path


def reseal(statement: dict[str, Any]) -> None:
    """Recompute the sign-off set digest after entries were added or removed."""
    pred = statement["predicate"]
    pred["signoffSetDigest"] = attest.set_digest([s["id"] for s in pred["signoffs"]])


def signed_entry(made: Attested, who: str, **fields: Any) -> dict[str, Any]:
    """A validly signed entry (by `who`'s own key) as the predicate carries it."""
    body = EntryBody.model_validate({"key": public_key_of(made.rel.keys[who]).fingerprint, "signer": who, **fields})
    return {
        "id": body.id,
        "entry": body.model_dump(mode="json", exclude_none=True),
        "signature": ledger.sign_entry(body, key_file=made.rel.keys[who]),
    }


def item(statement: dict[str, Any], item_id: str) -> dict[str, Any]:
    found: dict[str, Any] = next(i for i in statement["predicate"]["items"] if i["id"] == item_id)
    return found


def entry_of(statement: dict[str, Any], signer: str) -> dict[str, Any]:
    found: dict[str, Any] = next(s for s in statement["predicate"]["signoffs"] if s["entry"]["signer"] == signer)
    return found


def invalid(made: Attested, path: Path, capsys: pytest.CaptureFixture[str], *args: str, repo: bool = False) -> str:
    """Verify, expect exit 1 with one error line naming the file; return the reason after the file name."""
    assert verify(made, path, *args, repo=repo) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    line = captured.err.splitlines()[0]
    prefix = f"gate: error: {loader.display_path(path)}: "
    assert line.startswith(prefix), line
    return line.removeprefix(prefix)


# ---------------------------------------------------------------------------------------------
# Attesting


def test_attest_refuses_until_cleared_listing_every_reason(
    tmp_path: Path, keys: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    made = make(tmp_path, keys, env=LEAKY)
    assert run_attest(made.rel, made.out, made.model, key="alice") == 1
    err = capsys.readouterr().err
    assert err.splitlines() == [
        "gate: error: refusing to attest release r1 (4 reasons):",
        "  - alice does not hold release-manager, the checklist's release_role: only a holder signs the attestation",
        "  - item 'configs' is FAIL: 1 of 1 file: grader.inputs contains 'reasoning'",
        "  - item 'configs' awaits sign-off: safety-lead 0/1",
        "  - item 'reviewed' awaits sign-off: auditor 0/1",
    ]
    assert not made.out.exists()


def test_attest_refuses_a_signer_without_the_release_role(
    tmp_path: Path, keys: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    made = make(tmp_path, keys)
    approve_all(made.rel)
    capsys.readouterr()
    assert run_attest(made.rel, made.out, made.model, key="alice") == 1
    assert capsys.readouterr().err.splitlines() == [
        "gate: error: refusing to attest release r1 (1 reason):",
        "  - alice does not hold release-manager, the checklist's release_role: only a holder signs the attestation",
    ]


def test_attest_needs_a_readable_subject(
    tmp_path: Path, keys: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    made = make(tmp_path, keys)
    approve_all(made.rel)
    assert run_attest(made.rel, made.out, tmp_path / "missing.bin") == 2
    assert "missing.bin" in capsys.readouterr().err


def test_attest_writes_the_envelope_and_both_documents(attested: Attested) -> None:
    assert sorted(p.name for p in attested.out.iterdir()) == ["r1.html", "r1.intoto.json", "r1.md"]
    md = (attested.out / "r1.md").read_text()
    assert md.startswith("# Release gate attestation: r1\n\n**Verdict: PASSED.**")
    assert "| approve | carol | safety-lead |" in md
    html = (attested.out / "r1.html").read_text()
    assert "<script" not in html.lower()
    assert "every env config checked" in html


def test_the_envelope_is_dsse_and_the_payload_an_in_toto_statement(attested: Attested) -> None:
    envelope = json.loads(attested.envelope.read_bytes())
    assert set(envelope) == {"payload", "payloadType", "signatures"}
    assert envelope["payloadType"] == "application/vnd.in-toto+json"
    (signature,) = envelope["signatures"]
    assert signature["keyid"] == public_key_of(attested.rel.keys["carol"]).fingerprint
    assert base64.b64decode(signature["sig"]).startswith(b"SSHSIG")
    statement = json.loads(base64.b64decode(envelope["payload"]))
    assert statement["_type"] == "https://in-toto.io/Statement/v1"
    assert statement["predicateType"] == "https://gate.invalid/attestation/release-gate/v1"
    assert statement["subject"] == [
        {"name": "model.safetensors", "digest": {"sha256": hashlib.sha256(attested.model.read_bytes()).hexdigest()}}
    ]
    pred = statement["predicate"]
    assert pred["release"] == "r1"
    assert pred["releaseCommit"] == attested.rel.repo.shas[-1]
    assert pred["checklist"]["path"] == "gate/cot.yaml"
    assert pred["checklist"]["releaseRole"] == "release-manager"
    assert pred["baseline"] is None and pred["retired"] == []
    assert pred["signersFile"] == {
        "path": ".gate/signers.yaml",
        "sha256": hashlib.sha256(signers_yaml(attested.rel.keys).encode()).hexdigest(),
    }
    reviewed = item(statement, "reviewed")
    assert reviewed["signoff"] == [{"role": "auditor", "count": 1, "independentOf": "authors"}]
    assert reviewed["emails"] == ["alice@example.com"]
    assert [a["signer"] for a in reviewed["approvals"]] == ["bob"]
    ids = sorted(s["id"] for s in pred["signoffs"])
    assert pred["signoffSetDigest"] == hashlib.sha256("\n".join(ids).encode()).hexdigest()
    for signed in pred["signoffs"]:  # each entry exactly as its ledger file holds it
        on_disk = attested.rel.repo.path / ".gate/signoffs/r1" / f"{signed['id']}.json"
        assert json.loads(on_disk.read_text()) == {"entry": signed["entry"], "signature": signed["signature"]}


def test_pae_follows_the_dsse_spec() -> None:
    # The test vector of DSSE protocol.md.
    assert attest.pae("http://example.com/HelloWorld", b"hello world") == (
        b"DSSEv1 29 http://example.com/HelloWorld 11 hello world"
    )


# ---------------------------------------------------------------------------------------------
# Verifying


def test_verify_passes_with_trusted_signers_and_with_the_repo(
    attested: Attested, capsys: pytest.CaptureFixture[str]
) -> None:
    assert verify(attested, None, "--subject", str(attested.model)) == 0
    captured = capsys.readouterr()
    assert captured.out.splitlines()[0].startswith("ok  signature: carol (release-manager), key SHA256:")
    assert "ok  subject model.safetensors: sha256 " in captured.out
    assert "matches the trusted " in captured.out
    assert captured.err.splitlines()[-1].startswith(f"gate: {loader.display_path(attested.envelope)} is valid")

    assert verify(attested, None, "--subject", str(attested.model), repo=True) == 0
    out = capsys.readouterr().out
    assert "ok  checklist cot v1 (gate/cot.yaml): digest " in out
    assert "recomputed from the repository" in out


def test_verify_passes_after_the_signoffs_are_committed(attested: Attested) -> None:
    attested.rel.repo.git("add", ".gate/signoffs")
    attested.rel.repo.git("-c", "user.name=S", "-c", "user.email=s@example.com", "commit", "-q", "-m", "sign-offs")
    assert verify(attested, repo=True) == 0


def test_verify_input_errors_are_exit_2(attested: Attested, capsys: pytest.CaptureFixture[str]) -> None:
    assert verify(attested, attested.out / "nope.json") == 2
    assert "cannot read" in capsys.readouterr().err
    assert verify(attested, None, "--subject", str(attested.out / "nope.bin")) == 2
    capsys.readouterr()
    assert main(["verify", str(attested.envelope)]) == 2
    bad = attested.out / "bad-signers.yaml"
    bad.write_text("version: 1\nsignerz: {}\n")
    assert main(["verify", str(attested.envelope), "--signers", str(bad), "--checklist", attested.rel.checklist]) == 2


def test_content_that_does_not_parse_is_tampered(attested: Attested, capsys: pytest.CaptureFixture[str]) -> None:
    path = attested.out / "garbage.json"
    path.write_bytes(b"\x89PNG not json")
    assert invalid(attested, path, capsys).startswith("not a DSSE envelope (invalid JSON")
    path.write_text(json.dumps({"payload": "!!", "payloadType": "application/vnd.in-toto+json", "signatures": []}))
    assert invalid(attested, path, capsys) == "expected exactly one envelope signature, found 0"


# The tamper suite: each forgery exits 1 with a reason naming the check and the entry, item or subject.


def test_a_changed_payload_byte_breaks_the_signature(attested: Attested, capsys: pytest.CaptureFixture[str]) -> None:
    envelope = json.loads(attested.envelope.read_bytes())
    payload = base64.b64decode(envelope["payload"])
    envelope["payload"] = base64.b64encode(payload.replace(b"reward history", b"reward hist0ry")).decode()
    path = attested.out / "byte.json"
    path.write_text(json.dumps(envelope))
    assert invalid(attested, path, capsys) == (
        "the envelope signature does not verify: the signature does not match the data (the data or the signature "
        "changed)"
    )


def test_a_changed_signature_byte_is_detected(attested: Attested, capsys: pytest.CaptureFixture[str]) -> None:
    envelope = json.loads(attested.envelope.read_bytes())
    sig = bytearray(base64.b64decode(envelope["signatures"][0]["sig"]))
    sig[-5] ^= 0x01
    envelope["signatures"][0]["sig"] = base64.b64encode(bytes(sig)).decode()
    path = attested.out / "sig.json"
    path.write_text(json.dumps(envelope))
    assert invalid(attested, path, capsys).startswith("the envelope signature does not verify")


def test_a_swapped_keyid_is_detected(attested: Attested, capsys: pytest.CaptureFixture[str]) -> None:
    envelope = json.loads(attested.envelope.read_bytes())
    bob = public_key_of(attested.rel.keys["bob"]).fingerprint
    envelope["signatures"][0]["keyid"] = bob
    path = attested.out / "keyid.json"
    path.write_text(json.dumps(envelope))
    carol = public_key_of(attested.rel.keys["carol"]).fingerprint
    assert invalid(attested, path, capsys) == f"the envelope's keyid '{bob}' is not the key that signed ({carol})"


def test_an_envelope_signed_by_an_untrusted_key(attested: Attested, capsys: pytest.CaptureFixture[str]) -> None:
    path = forge(attested, lambda s: None, key="stranger")
    stranger = public_key_of(attested.rel.keys["stranger"]).fingerprint
    assert invalid(attested, path, capsys) == (
        f"the envelope is signed by key {stranger}, which is not in the trusted signers "
        f"({loader.display_path(attested.signers)})"
    )


def test_an_attester_without_the_release_role(attested: Attested, capsys: pytest.CaptureFixture[str]) -> None:
    alice = public_key_of(attested.rel.keys["alice"]).fingerprint

    def as_alice(s: dict[str, Any]) -> None:
        s["predicate"]["attestedBy"] = {"signer": "alice", "key": alice}

    path = forge(attested, as_alice, key="alice")
    assert invalid(attested, path, capsys, repo=True) == (
        f"the envelope is signed by alice (key {alice}), who does not hold release-manager, the checklist's "
        f"release_role, in the trusted signers (.gate/signers.yaml at {attested.rel.repo.shas[-1][:12]})"
    )


def test_a_signers_list_inside_the_attestation_is_ignored(
    attested: Attested, capsys: pytest.CaptureFixture[str]
) -> None:
    # The forger lists themselves as release-manager inside the attestation (and on the envelope): never read.
    stranger = public_key_of(attested.rel.keys["stranger"])
    carried = {
        "version": 1,
        "signers": {
            "mallory": {
                "name": "Mallory",
                "emails": ["mallory@example.com"],
                "roles": ["release-manager"],
                "keys": [{"key": f"{stranger.line()} stranger"}],
            }
        },
    }

    def carry(s: dict[str, Any]) -> None:
        s["predicate"]["signers"] = carried
        s["predicate"]["signersFile"]["content"] = carried
        s["predicate"]["attestedBy"] = {"signer": "mallory", "key": stranger.fingerprint}

    path = forge(attested, carry, key="stranger")
    envelope = json.loads(path.read_bytes())
    envelope["signers"] = carried
    path.write_text(json.dumps(envelope))
    expected = f"the envelope is signed by key {stranger.fingerprint}, which is not in the trusted signers"
    assert invalid(attested, path, capsys).startswith(expected)
    assert invalid(attested, path, capsys, repo=True).startswith(expected)


def test_a_subject_that_is_not_the_given_file(attested: Attested, capsys: pytest.CaptureFixture[str]) -> None:
    swapped = attested.out / "model.safetensors"
    swapped.write_bytes(attested.model.read_bytes() + b"\x00")
    digest = hashlib.sha256(swapped.read_bytes()).hexdigest()
    attested_digest = hashlib.sha256(attested.model.read_bytes()).hexdigest()
    assert invalid(attested, attested.envelope, capsys, "--subject", str(swapped)) == (
        f"subject {swapped} (sha256 {digest[:12]}) is not one of the attested subjects: model.safetensors "
        f"(sha256 {attested_digest[:12]})"
    )


def test_an_item_status_flipped(attested: Attested, capsys: pytest.CaptureFixture[str]) -> None:
    path = forge(attested, lambda s: item(s, "configs").update(status="FAIL"))
    assert invalid(attested, path, capsys) == "item 'configs' is FAIL: the gate was not cleared"


def test_a_removed_entry_breaks_the_set_digest(attested: Attested, capsys: pytest.CaptureFixture[str]) -> None:
    def drop(s: dict[str, Any]) -> None:
        s["predicate"]["signoffs"].remove(entry_of(s, "bob"))

    path = forge(attested, drop)
    reason = invalid(attested, path, capsys)
    assert reason.startswith("sign-off set digest mismatch: the attestation records ")
    assert reason.endswith(
        "its 1 entries give "
        + attest.set_digest([entry_of(attested.statement(), "carol")["id"]])[:12]
        + " (an entry was added or removed)"
    )


def test_a_removed_entry_leaves_the_quorum_short(attested: Attested, capsys: pytest.CaptureFixture[str]) -> None:
    bob = entry_of(attested.statement(), "bob")["id"]

    def drop_and_reseal(s: dict[str, Any]) -> None:
        s["predicate"]["signoffs"].remove(entry_of(s, "bob"))
        reseal(s)

    path = forge(attested, drop_and_reseal, name="dangling.json")
    assert invalid(attested, path, capsys) == (
        f"item 'reviewed': approval by bob as auditor (entry {bob[:12]}) is not among the attestation's sign-off "
        "entries"
    )

    def drop_everything(s: dict[str, Any]) -> None:
        drop_and_reseal(s)
        item(s, "reviewed")["approvals"] = []

    path = forge(attested, drop_everything, name="short.json")
    assert invalid(attested, path, capsys) == (
        "item 'reviewed': quorum not met for auditor: needs 1, the attestation has 0 valid approval(s)"
    )


def test_an_edited_entry_body(attested: Attested, capsys: pytest.CaptureFixture[str]) -> None:
    bob = entry_of(attested.statement(), "bob")

    def edit(s: dict[str, Any]) -> None:
        entry_of(s, "bob")["entry"]["comment"] = "did not look"

    path = forge(attested, edit, name="edited.json")
    reason = invalid(attested, path, capsys)
    assert reason.startswith(f"sign-off entry {bob['id'][:12]}: its body does not hash to its id (it hashes to ")
    assert reason.endswith("): edited")

    def edit_and_rehash(s: dict[str, Any]) -> None:
        edit(s)
        signed = entry_of(s, "bob")
        new_id = EntryBody.model_validate(signed["entry"]).id
        item(s, "reviewed")["approvals"][0]["entry"] = new_id
        signed["id"] = new_id
        reseal(s)

    path = forge(attested, edit_and_rehash, name="rehashed.json")
    reason = invalid(attested, path, capsys)
    assert reason.startswith("sign-off entry ")
    assert reason.endswith(
        ": signature does not verify: the signature does not match the data (the data or the signature changed)"
    )


def test_a_signoff_role_changed_and_resigned_by_its_signer(
    attested: Attested, capsys: pytest.CaptureFixture[str]
) -> None:
    bob = EntryBody.model_validate(entry_of(attested.statement(), "bob")["entry"])
    changed = signed_entry(
        attested, "bob", **{**bob.model_dump(exclude={"key", "signer"}), "role": "safety-lead", "item": "configs"}
    )

    def swap(s: dict[str, Any]) -> None:
        s["predicate"]["signoffs"].append(changed)
        reseal(s)

    path = forge(attested, swap)
    assert invalid(attested, path, capsys) == (
        f"sign-off entry {changed['id'][:12]}: bob signed as 'safety-lead', a role they do not hold"
    )


def test_an_independence_breach_resigned_validly(attested: Attested, capsys: pytest.CaptureFixture[str]) -> None:
    # alice authored the reward commit: `gate sign` refuses her approval, so it is forged with her real key.
    bob = EntryBody.model_validate(entry_of(attested.statement(), "bob")["entry"])
    alice = signed_entry(attested, "alice", **bob.model_dump(exclude={"key", "signer"}))

    def breach(s: dict[str, Any]) -> None:
        s["predicate"]["signoffs"].append(alice)
        item(s, "reviewed")["approvals"] = [{"role": "auditor", "signer": "alice", "entry": alice["id"]}]
        reseal(s)

    path = forge(attested, breach)
    assert invalid(attested, path, capsys) == (
        f"item 'reviewed': approval by alice as auditor (entry {alice['id'][:12]}) is not independent: "
        "alice@example.com authored or committed commits this item read"
    )


def test_a_waiver_expired_at_attestation_time(
    tmp_path: Path, keys: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    made = make(tmp_path, keys, env=LEAKY)
    expires = (datetime.now().astimezone() + timedelta(days=3)).strftime("%Y-%m-%d")
    sign(made.rel, "carol", "--item", "configs", "--waive", "--expires", expires, "--comment", "fix lands in r2")
    sign(made.rel, "alice", "--item", "configs", "--approve", "--comment", "waived, rest checked")
    sign(made.rel, "bob", "--item", "reviewed", "--approve", "--comment", "reviewed")
    assert run_attest(made.rel, made.out, made.model) == 0
    statement = made.statement()
    (waiver,) = statement["predicate"]["waivers"]
    assert (waiver["item"], waiver["by"], waiver["role"], waiver["justification"]) == (
        "configs",
        "carol",
        "safety-lead",
        "fix lands in r2",
    )
    assert item(statement, "configs")["status"] == "WAIVED"
    assert verify(made, repo=True) == 0
    capsys.readouterr()
    html = (made.out / "r1.html").read_text()
    assert f"{expires} 23:59:59 UTC" in html and "fix lands in r2" in html

    def later(s: dict[str, Any]) -> None:
        s["predicate"]["attestedAt"] = f"{(datetime.fromisoformat(expires) + timedelta(days=2)):%Y-%m-%d}T00:00:00Z"

    path = forge(made, later)
    assert invalid(made, path, capsys) == (
        f"item 'configs': waiver entry {waiver['entry'][:12]} by carol expired at {expires}T23:59:59Z, before the "
        f"attestation ({(datetime.fromisoformat(expires) + timedelta(days=2)):%Y-%m-%d}T00:00:00Z)"
    )


def test_a_checklist_that_differs_at_the_recorded_commit(
    attested: Attested, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = attested.rel.repo
    changed = repo.commit({"gate/cot.yaml": CHECKLIST.replace("title: CoT isolation", "title: CoT isolation v2")})

    def point_elsewhere(s: dict[str, Any]) -> None:
        s["predicate"]["releaseCommit"] = changed

    path = forge(attested, point_elsewhere)
    recorded = attested.statement()["predicate"]["checklist"]["digest"]
    actual = loader.load_at(repo.path, changed, "gate/cot.yaml").digest
    assert invalid(attested, path, capsys, repo=True) == (
        f"checklist digest mismatch: the attestation records {recorded[:12]}, gate/cot.yaml at commit "
        f"{changed[:12]} gives {actual[:12]}"
    )
    assert verify(attested, repo=True) == 0  # the genuine attestation still names the genuine commit


def test_requirements_rewritten_in_the_predicate_are_caught_with_the_repo(
    attested: Attested, capsys: pytest.CaptureFixture[str]
) -> None:
    def weaken(s: dict[str, Any]) -> None:
        item(s, "reviewed")["signoff"] = [{"role": "auditor", "count": 1, "independentOf": None}]

    path = forge(attested, weaken)
    assert invalid(attested, path, capsys, repo=True) == (
        "item 'reviewed': its definition, sign-off requirements or waiver policy differ from gate/cot.yaml at commit "
        f"{attested.rel.repo.shas[-1][:12]}"
    )


# ---------------------------------------------------------------------------------------------
# Reading a checklist at a commit (reused by the ratchet)


def test_load_at_reads_the_commit_with_includes_and_matches_load(tmp_path: Path) -> None:
    from tests.builders import make_repo

    repo = make_repo(tmp_path / "repo")
    common = (
        "id: common\nversion: 1\ntitle: Common\nowner: lead\nrelease_role: lead\nroles: {lead: {description: L}}\n"
        "items:\n  - id: base\n    title: Base\n    evidence: [{kind: git.file, path: README.md}]\n"
    )
    top = (
        common.replace("id: common", "id: top")
        .replace("id: base", "id: top-item")
        .replace("version: 1\n", "version: 1\ninclude: [shared/common.yaml]\n")
    )
    sha = repo.commit({"gate/top.yaml": top, "gate/shared/common.yaml": common, "README.md": "hi\n"}, "init")
    repo.write({"gate/shared/common.yaml": common.replace("title: Base", "title: Changed in the work tree")})
    at = loader.load_at(repo.path, sha, "gate/top.yaml")
    assert [i.id for i in at.checklist.items] == ["base", "top-item"]
    assert at.includes == (f"{sha[:12]}:gate/shared/common.yaml",)
    repo.git("checkout", "--", ".")
    assert at.digest == loader.load(repo.path / "gate/top.yaml").digest

    repo.commit({"gate/top.yaml": top.replace("shared/common.yaml", "../../outside.yaml")}, "escape")
    with pytest.raises(loader.ProblemsError, match="escapes the repository root"):
        loader.load_at(repo.path, repo.shas[-1], "gate/top.yaml")
    with pytest.raises(loader.ProblemsError, match="checklist not found at commit"):
        loader.load_at(repo.path, sha, "gate/none.yaml")


def test_attest_and_verify_never_import_jinja2_rich_or_textual() -> None:
    import subprocess
    import sys

    probe = (
        "import sys, gate.attest, gate.loader, gate.signoff\n"
        "print(','.join(sorted(n for n in ('jinja2', 'rich', 'textual', 'git') if n in sys.modules)))\n"
    )
    root = Path(__file__).resolve().parent.parent
    result = subprocess.run([sys.executable, "-c", probe], cwd=root, capture_output=True, text=True, check=False)
    assert (result.returncode, result.stderr, result.stdout) == (0, "", "\n")


def body_fields(made: Attested, signer: str) -> dict[str, Any]:
    """The fields of `signer`'s approval in the attestation, without who signed it."""
    body = EntryBody.model_validate(entry_of(made.statement(), signer)["entry"])
    return body.model_dump(exclude={"key", "signer"})


def test_a_revoked_approval_does_not_count(attested: Attested, capsys: pytest.CaptureFixture[str]) -> None:
    carol = entry_of(attested.statement(), "carol")["id"]
    fields = body_fields(attested, "carol")
    revoke = signed_entry(
        attested,
        "carol",
        **{k: fields[k] for k in ("release", "checklist_id", "checklist_digest", "item", "signed_at")},
        decision="revoke",
        revokes=carol,
        comment="withdrawn",
    )

    def add(s: dict[str, Any]) -> None:
        s["predicate"]["signoffs"].append(revoke)
        reseal(s)

    path = forge(attested, add)
    assert invalid(attested, path, capsys) == (
        f"item 'configs': approval by carol as safety-lead (entry {carol[:12]}) was revoked ({revoke['id'][:12]})"
    )


def test_a_standing_reject_blocks(attested: Attested, capsys: pytest.CaptureFixture[str]) -> None:
    reject = signed_entry(attested, "mallory", **{**body_fields(attested, "bob"), "decision": "reject"})

    def add(s: dict[str, Any]) -> None:
        s["predicate"]["signoffs"].append(reject)
        reseal(s)

    path = forge(attested, add)
    assert invalid(attested, path, capsys) == (
        f"item 'reviewed' is rejected by mallory as auditor (entry {reject['id'][:12]}), not revoked"
    )


def test_a_release_commit_the_repo_lacks_is_exit_2(attested: Attested, capsys: pytest.CaptureFixture[str]) -> None:
    path = forge(attested, lambda s: s["predicate"].update(releaseCommit="0" * 40))
    assert verify(attested, path, repo=True) == 2
    assert f"the attested release commit {'0' * 12} is not in " in capsys.readouterr().err


def test_verify_says_when_the_trusted_signers_are_not_the_release_commit_s(
    attested: Attested, capsys: pytest.CaptureFixture[str]
) -> None:
    attested.signers.write_text(attested.signers.read_text() + "# reviewed by the deploy team\n")
    assert verify(attested) == 0
    err = capsys.readouterr().err
    assert f"gate: note: {loader.display_path(attested.signers)} is not the signers file of the release commit" in err


def test_attest_with_a_user_template(attested: Attested, capsys: pytest.CaptureFixture[str]) -> None:
    mine = attested.out.parent / "short.md.j2"
    mine.write_text("{{ predicate.release }}: {% for v in items %}{{ v.item.id }} {% endfor %}\n")
    assert run_attest(attested.rel, attested.out, attested.model, extra=("--template", str(mine))) == 0
    assert (attested.out / "r1.md").read_text() == "r1: configs reviewed \n"
    assert (attested.out / "r1.html").read_text().startswith("<!DOCTYPE html>")
    capsys.readouterr()
    assert run_attest(attested.rel, attested.out, attested.model, extra=("--template", "x.txt")) == 2
    assert "cannot tell the format of template x.txt" in capsys.readouterr().err


def test_verify_with_signers_needs_a_trusted_checklist(attested: Attested, capsys) -> None:  # type: ignore[no-untyped-def]
    # The release role and requirements recorded in the attestation are the attester's claim, not trusted.
    assert main(["verify", str(attested.envelope), "--signers", str(attested.signers)]) == 2
    assert "--signers needs --checklist FILE: the checklist you trust" in capsys.readouterr().err


def test_a_forged_checklist_with_no_requirements_fails_against_the_trusted_one(attested: Attested, capsys) -> None:  # type: ignore[no-untyped-def]
    def weaken(statement: dict[str, Any]) -> None:
        for item in statement["predicate"]["items"]:
            item["signoff"] = []
        statement["predicate"]["checklist"]["releaseRole"] = "auditor"

    forged = forge(attested, weaken)
    assert verify(attested, forged) == 1
    assert "the attested checklist id, version, owner or release_role" in capsys.readouterr().err


def test_subjects_no_digest_evidence_checked_are_refused(git_repo, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from gate import api

    good = tmp_path / "good.safetensors"
    good.write_bytes(b"weights")
    evil = tmp_path / "evil.bin"
    evil.write_bytes(b"something else")
    digest = hashlib.sha256(b"weights").hexdigest()
    text = (
        "id: d\nversion: 1\ntitle: d\nowner: rm\nrelease_role: rm\nroles: {rm: {description: ships}}\nitems:\n"
        f"  - id: weights\n    title: weights\n    evidence:\n"
        f"      - {{kind: digest, file: good.safetensors, sha256: {digest}}}\n"
    )
    repo = git_repo()
    repo.commit({"gate/d.yaml": text}, "init")
    report = api.check(repo.path / "gate/d.yaml", repo=repo.path, subjects=[good], evidence_only=True)
    assert attest.unchecked_subjects(report, attest.subjects_of([good])) == []
    (reason,) = attest.unchecked_subjects(report, attest.subjects_of([good, evil]))
    assert reason.startswith("subject evil.bin (sha256 ") and "is not covered by any passing digest evidence" in reason


def test_a_stage_attestation_records_the_stage_and_verifies(tmp_path: Path, keys: dict[str, Path], capsys) -> None:  # type: ignore[no-untyped-def]
    made = make(tmp_path, keys)
    staged = CHECKLIST.replace("roles:\n", "stages: [pre-release, release]\nroles:\n", 1).replace(
        "    title: Reward changes were reviewed\n", "    title: Reward changes were reviewed\n    stages: [release]\n"
    )
    made.rel.repo.commit({"gate/cot.yaml": staged}, "stages", author="carol")
    sign(made.rel, "carol", "--item", "configs", "--approve", "--comment", "ok")
    assert run_attest(made.rel, made.out, made.model) == 1  # all stages: 'reviewed' awaits its auditor
    capsys.readouterr()
    assert run_attest(made.rel, made.out, made.model, extra=("--stage", "pre-release")) == 0
    assert made.statement()["predicate"]["stage"] == "pre-release"
    assert [i["id"] for i in made.statement()["predicate"]["items"]] == ["configs"]
    assert verify(made, repo=True) == 0
    assert "ok  stage pre-release: the attestation covers the items of this stage only" in capsys.readouterr().out
