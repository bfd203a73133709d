"""`gate sign`, `gate check --release` and `gate ledger verify` with real keys, repos and ledgers."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from gate.cli import main
from tests.signoff.conftest import LEAKY, Release, build_release


def sign(rel: Release, who: str, *args: str) -> int:
    return main(
        [
            "sign",
            "--release",
            "r1",
            "--checklist",
            rel.checklist,
            "--repo",
            str(rel.repo.path),
            "--key",
            str(rel.keys[who]),
            *args,
        ]
    )


def check(rel: Release, *args: str) -> int:
    return main(["check", "--checklist", rel.checklist, "--repo", str(rel.repo.path), "--release", "r1", *args])


def entries(rel: Release) -> list[dict]:  # type: ignore[type-arg]
    folder = rel.repo.path / ".gate/signoffs/r1"
    return [json.loads(p.read_text())["entry"] for p in sorted(folder.glob("*.json"))]


def commit_signoffs(rel: Release) -> None:
    rel.repo.git("add", ".gate/signoffs")
    rel.repo.git("-c", "user.name=Signer", "-c", "user.email=signer@example.com", "commit", "-q", "-m", "sign-offs")


def test_pending_until_every_quorum_is_met_then_passed(release: Release, capsys) -> None:
    assert check(release) == 4
    out = capsys.readouterr().out
    assert "  sign-off: PENDING (safety-lead 0/1)" in out
    assert "  sign-off: PENDING (auditor 0/1)" in out
    assert out.rstrip().splitlines()[-1].startswith("PENDING:")

    assert sign(release, "carol", "--item", "configs", "--approve", "--comment", "configs checked") == 0
    err = capsys.readouterr().err
    assert "gate: carol signed approve of item 'configs' as safety-lead: .gate/signoffs/r1/" in err
    assert "commit it: git -C" in err
    assert check(release) == 4
    assert "  sign-off: APPROVED (safety-lead 1/1)" in capsys.readouterr().out

    assert sign(release, "bob", "--item", "reviewed", "--approve", "--comment", "reviewed the history") == 0
    assert check(release) == 0
    assert capsys.readouterr().out.rstrip().splitlines()[-1].startswith("PASSED:")
    (entry,) = [e for e in entries(release) if e["signer"] == "bob"]
    assert (entry["decision"], entry["role"], entry["item"], entry["release"]) == (
        "approve",
        "auditor",
        "reviewed",
        "r1",
    )


def test_committing_signoffs_keeps_them_fresh(release: Release, capsys) -> None:
    assert sign(release, "carol", "--item", "configs", "--approve", "--comment", "ok") == 0
    assert sign(release, "bob", "--item", "reviewed", "--approve", "--comment", "ok") == 0
    commit_signoffs(release)
    assert check(release) == 0


def test_author_is_refused_as_independent_auditor(release: Release, capsys) -> None:
    # alice authored the reward commit the item read; she holds auditor, but is not independent.
    assert sign(release, "alice", "--item", "reviewed", "--approve", "--role", "auditor", "--comment", "x") == 1
    err = capsys.readouterr().err
    assert (
        "alice is not independent of the commits 'reviewed' read (alice@example.com authored or committed some)" in err
    )
    assert entries(release) == []


def test_signer_without_the_role_is_refused(release: Release, capsys) -> None:
    assert sign(release, "bob", "--item", "configs", "--approve", "--comment", "x") == 1
    assert "bob holds none of the roles that may approve 'configs' (safety-lead); bob's roles: auditor" in (
        capsys.readouterr().err
    )


def test_key_not_in_signers_is_a_usage_error(release: Release, capsys) -> None:
    assert sign(release, "stranger", "--item", "configs", "--approve", "--comment", "x") == 2
    assert "is not in .gate/signers.yaml" in capsys.readouterr().err


def test_approving_failing_evidence_is_refused_and_a_waiver_clears_it(tmp_path: Path, keys, capsys) -> None:
    rel = build_release(tmp_path / "repo", keys, env=LEAKY)
    assert sign(rel, "carol", "--item", "configs", "--approve", "--comment", "x") == 1
    assert "the evidence of 'configs' is FAIL: approving evidence that fails and is not waived is refused" in (
        capsys.readouterr().err
    )
    assert sign(rel, "carol", "--item", "configs", "--waive", "--expires", "2999-01-01", "--comment", "x") == 1
    assert "allows at most 14" in capsys.readouterr().err
    assert check(rel) == 1
    capsys.readouterr()
    # A waiver within max_days turns FAIL into WAIVED; then the item still needs its approval.
    from datetime import UTC, datetime, timedelta

    soon = (datetime.now(UTC) + timedelta(days=7)).strftime("%Y-%m-%d")
    assert (
        sign(rel, "carol", "--item", "configs", "--waive", "--expires", soon, "--comment", "known leak, fix in v2") == 0
    )
    assert sign(rel, "carol", "--item", "configs", "--approve", "--comment", "approve the waived item") == 0
    assert sign(rel, "bob", "--item", "reviewed", "--approve", "--comment", "ok") == 0
    assert check(rel) == 0
    out = capsys.readouterr().out
    assert "WAIVED configs [blocker]" in out


def test_waiving_passing_evidence_is_refused(release: Release, capsys) -> None:
    assert sign(release, "carol", "--item", "configs", "--waive", "--expires", "2026-01-01", "--comment", "x") == 1
    assert "the evidence of 'configs' passes: waiving passing evidence is refused" in capsys.readouterr().err


def test_reject_blocks_until_revoked(release: Release, capsys) -> None:
    assert sign(release, "bob", "--item", "reviewed", "--reject", "--comment", "the review was rubber-stamped") == 0
    assert sign(release, "carol", "--item", "configs", "--approve", "--comment", "ok") == 0
    assert check(release) == 1
    assert "  sign-off: REJECTED (auditor 0/1)" in capsys.readouterr().out
    (reject,) = [e for e in entries(release) if e["decision"] == "reject"]
    reject_id = next(
        p.stem for p in (release.repo.path / ".gate/signoffs/r1").glob("*.json") if "rubber" in p.read_text()
    )
    assert reject["signer"] == "bob"
    assert sign(release, "bob", "--revoke", reject_id[:12], "--comment", "re-reviewed") == 0
    assert sign(release, "bob", "--item", "reviewed", "--approve", "--comment", "ok now") == 0
    assert check(release) == 0


def test_new_evidence_makes_approvals_stale_but_signoff_commits_do_not(release: Release, capsys) -> None:
    assert sign(release, "carol", "--item", "configs", "--approve", "--comment", "ok") == 0
    assert sign(release, "bob", "--item", "reviewed", "--approve", "--comment", "ok") == 0
    commit_signoffs(release)
    assert check(release) == 0
    release.repo.commit({"rl/envs/code.yaml": "grader:\n  inputs: [prompt]\n"}, "another env", author="carol")
    assert check(release) == 4
    out = capsys.readouterr().out
    assert "  sign-off: STALE (safety-lead 0/1)" in out
    assert "stale: the evidence changed since it was signed" in out


def test_two_clones_sign_different_items_and_merge(release: Release, tmp_path: Path, capsys) -> None:
    other = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", str(release.repo.path), str(other)], check=True)
    clone = Release(type(release.repo)(other, release.repo.repo.__class__(other)), release.keys)
    for r in (release, clone):
        r.repo.git("config", "user.name", "Signer")
        r.repo.git("config", "user.email", "signer@example.com")
    assert sign(release, "carol", "--item", "configs", "--approve", "--comment", "ok") == 0
    commit_signoffs(release)
    assert sign(clone, "bob", "--item", "reviewed", "--approve", "--comment", "ok") == 0
    commit_signoffs(clone)
    clone.repo.git("pull", "-q", "--no-rebase", "--no-edit", "origin", "main")
    assert len(entries(clone)) == 2
    assert main(["ledger", "verify", "--release", "r1", "--repo", str(clone.repo.path)]) == 0
    assert check(clone) == 0


def test_signers_are_read_at_the_release_commit(release: Release, capsys) -> None:
    # Adding yourself to signers.yaml in the work tree gives you nothing: the release commit's list counts.
    text = (
        (release.repo.path / ".gate/signers.yaml")
        .read_text()
        .replace("roles: [auditor]", "roles: [auditor, safety-lead]")
    )
    (release.repo.path / ".gate/signers.yaml").write_text(text)
    assert sign(release, "bob", "--item", "configs", "--approve", "--comment", "x") == 1
    assert "bob holds none of the roles" in capsys.readouterr().err


def test_sign_from_a_ci_report(release: Release, tmp_path: Path, capsys) -> None:
    report = tmp_path / "report.json"
    assert check(release, "--evidence-only", "--format", f"json={report}") == 0
    args = ["--item", "configs", "--approve", "--comment", "from CI", "--report", str(report)]
    assert sign(release, "carol", *args) == 0
    data = json.loads(report.read_text())
    data["checklist"]["digest"] = "0" * 64
    report.write_text(json.dumps(data))
    assert sign(release, "carol", *args) == 1
    assert "was made with another checklist" in capsys.readouterr().err


def test_sign_through_a_real_ssh_agent(release: Release, tmp_path: Path, monkeypatch, capsys) -> None:
    sock = tmp_path / "agent.sock"
    agent = subprocess.Popen(["ssh-agent", "-D", "-a", str(sock)], stdout=subprocess.DEVNULL)
    try:
        for _ in range(100):
            if sock.exists():
                break
            import time

            time.sleep(0.05)
        monkeypatch.setenv("SSH_AUTH_SOCK", str(sock))
        subprocess.run(["ssh-add", "-q", str(release.keys["carol"])], check=True, env={"SSH_AUTH_SOCK": str(sock)})
        args = ["sign", "--release", "r1", "--checklist", release.checklist, "--repo", str(release.repo.path)]
        assert main([*args, "--item", "configs", "--approve", "--comment", "via agent"]) == 0
        assert entries(release)[0]["signer"] == "carol"
        assert main(["ledger", "verify", "--release", "r1", "--repo", str(release.repo.path)]) == 0
    finally:
        agent.terminate()
        agent.wait(timeout=10)


def test_no_key_at_all_is_a_usage_error(release: Release, capsys) -> None:
    args = ["sign", "--release", "r1", "--checklist", release.checklist, "--repo", str(release.repo.path)]
    assert main([*args, "--item", "configs", "--approve", "--comment", "x"]) == 2
    err = capsys.readouterr().err
    assert "no signing key" in err
    assert "hint: pass --key FILE, or add your key to ssh-agent" in err


def test_missing_signers_file_is_exit_2(tmp_path: Path, keys, capsys) -> None:
    rel = build_release(tmp_path / "repo", keys)
    rel.repo.commit({".gate/signers.yaml": None}, "drop signers", author="carol")
    assert check(rel) == 2
    assert "no .gate/signers.yaml at the release commit" in capsys.readouterr().err


def test_ssh_keygen_missing_is_a_clear_error(release: Release, tmp_path: Path, monkeypatch, capsys) -> None:
    empty = tmp_path / "bin"
    empty.mkdir()
    git = shutil.which("git")
    assert git
    (empty / "git").symlink_to(git)
    monkeypatch.setenv("PATH", str(empty))
    assert sign(release, "carol", "--item", "configs", "--approve", "--comment", "x") == 2
    assert "ssh-keygen" in capsys.readouterr().err


@pytest.mark.parametrize("decision", ["--approve", "--reject"])
def test_unknown_item_is_a_usage_error(release: Release, decision: str, capsys) -> None:
    assert sign(release, "carol", "--item", "nope", decision, "--comment", "x") == 2
    assert "no item 'nope' in the report" in capsys.readouterr().err


def test_a_revoked_waiver_does_not_survive_in_a_ci_report(tmp_path: Path, keys, capsys) -> None:
    """A CI report made with --release is judged afresh: its WAIVED items need their waiver in the ledger now."""
    from datetime import UTC, datetime, timedelta

    rel = build_release(tmp_path / "repo", keys, env=LEAKY)
    soon = (datetime.now(UTC) + timedelta(days=7)).strftime("%Y-%m-%d")
    assert sign(rel, "carol", "--item", "configs", "--waive", "--expires", soon, "--comment", "known leak") == 0
    report = tmp_path / "report.json"
    assert check(rel, "--format", f"json={report}") == 4
    assert json.loads(report.read_text())["items"][0]["status"] == "WAIVED"
    waiver = next((rel.repo.path / ".gate/signoffs/r1").glob("*.json")).stem
    assert sign(rel, "carol", "--revoke", waiver, "--comment", "the leak is not acceptable after all") == 0
    capsys.readouterr()
    args = ["--item", "configs", "--approve", "--comment", "x", "--report", str(report)]
    assert sign(rel, "carol", *args) == 1
    assert "the evidence of 'configs' is FAIL" in capsys.readouterr().err


def test_a_too_long_waiver_names_the_latest_allowed_expiry(tmp_path: Path, keys, capsys) -> None:
    rel = build_release(tmp_path / "repo", keys, env=LEAKY)
    assert sign(rel, "carol", "--item", "configs", "--waive", "--expires", "2999-01-01", "--comment", "x") == 1
    err = capsys.readouterr().err
    assert "allows at most 14 days, until " in err
    assert "hint: give --expires " in err


def test_an_edited_ci_report_is_refused(tmp_path: Path, keys, capsys) -> None:
    rel = build_release(tmp_path / "repo", keys, env=LEAKY)
    report = tmp_path / "report.json"
    assert check(rel, "--evidence-only", "--format", f"json={report}") == 1
    data = json.loads(report.read_text())
    for ev in data["items"][0]["evidence"]:
        for obs in ev["observations"]:
            obs["message"] = "grader.inputs contains 'debug_flag' (harmless)"
    report.write_text(json.dumps(data))
    capsys.readouterr()
    args = ["--item", "configs", "--waive", "--expires", "2026-12-31", "--comment", "x", "--report", str(report)]
    assert sign(rel, "carol", *args) == 1
    assert "the evidence shown for 'configs' does not match its evidence digest" in capsys.readouterr().err


def test_an_entry_signed_in_the_future_invalidates_the_ledger(release: Release, capsys) -> None:
    from datetime import UTC, datetime, timedelta

    from gate import api, ledger
    from gate.ledger import EntryBody
    from gate.signing import public_key_of

    report = api.check(release.checklist, repo=release.repo.path, evidence_only=True)
    item = report.items[0]
    body = EntryBody.model_validate(
        {
            "decision": "approve",
            "release": "r1",
            "checklist_id": "cot",
            "checklist_digest": report.checklist.digest,
            "item": item.id,
            "item_digest": item.item_digest,
            "evidence_digest": item.evidence_digest,
            "role": "safety-lead",
            "signer": "carol",
            "key": public_key_of(release.keys["carol"]).fingerprint,
            "signed_at": datetime.now(UTC).replace(microsecond=0) + timedelta(days=700),
            "comment": "from the future",
        }
    )
    path = ledger.write_entry(release.repo.path, body, ledger.sign_entry(body, key_file=release.keys["carol"]))
    assert main(["ledger", "verify", "--release", "r1", "--repo", str(release.repo.path)]) == 1
    assert f"{path.name}: signed in the future" in capsys.readouterr().err
    assert check(release) == 1
