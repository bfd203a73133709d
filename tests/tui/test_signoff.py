"""`gate signoff` driven with Pilot over real releases, real SSH keys and a real ledger in tmp."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import Static

from gate import ledger, signoff
from gate.cli import main
from gate.results import SignoffStatus, Status
from gate.tui.screens.decision import DecisionScreen
from gate.tui.screens.help import HelpScreen
from gate.tui.screens.main import MainScreen
from gate.tui.screens.passphrase import PassphraseScreen
from gate.tui.screens.revoke import RevokeScreen
from gate.tui.screens.waive import WaiveScreen
from gate.tui.widgets.items import ItemTable
from gate.tui.widgets.notices import ReadyPanel
from tests.signoff.conftest import LEAKY, Release, build_release
from tests.tui.conftest import entries_on_disk, open_app, real_clock, screen_text, settle, wait_for_screen

SIZE = (100, 32)


def state(app: object, item_id: str) -> tuple[Status, SignoffStatus | None]:
    review = app.review  # type: ignore[attr-defined]
    result = review.result(item_id)
    return result.status, result.signoff_state.status if result.signoff_state else None


def verified(rel: Release) -> None:
    """Every entry on disk verifies against signers.yaml at the release commit (as `gate ledger verify`)."""
    top = rel.repo.path
    commit = rel.repo.head
    ledger.verify_entries(ledger.read_entries(top, "r1"), signoff.signers_at(top, commit))


async def select(pilot, item_id: str) -> None:  # type: ignore[no-untyped-def]
    table = pilot.app.screen.query_one(ItemTable)
    table.move_cursor(row=table.get_row_index(item_id))
    await pilot.pause()


async def test_approve_writes_a_signed_entry_and_the_item_is_approved(release: Release) -> None:
    app = open_app(release, "carol")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert state(app, "configs") == (Status.PASS, SignoffStatus.PENDING)
        await select(pilot, "configs")
        await pilot.press("a")
        assert isinstance(app.screen, DecisionScreen)
        await pilot.press(*"checked", "enter")
        await settle(pilot)
        assert app.last_error is None
        assert state(app, "configs") == (Status.PASS, SignoffStatus.APPROVED)
        text = screen_text(app)
        assert "APPROVED safety-lead 1/1" in text
        assert "signed approve of 'configs' as safety-lead: .gate/signoffs/r1/" in text
    (entry,) = entries_on_disk(release)
    assert (entry["decision"], entry["item"], entry["role"], entry["signer"], entry["comment"]) == (
        "approve",
        "configs",
        "safety-lead",
        "carol",
        "checked",
    )
    assert entry["signed_at"] == "2026-01-10T12:00:00Z"
    verified(release)


async def test_reject_blocks_the_release(release: Release) -> None:
    app = open_app(release, "bob")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await select(pilot, "reviewed")
        await pilot.press("r", *"redo", "enter")
        await settle(pilot)
        assert state(app, "reviewed") == (Status.PASS, SignoffStatus.REJECTED)
        assert "BLOCKED" in screen_text(app).splitlines()[1]
    (entry,) = entries_on_disk(release)
    assert (entry["decision"], entry["item"], entry["role"], entry["signer"]) == (
        "reject",
        "reviewed",
        "auditor",
        "bob",
    )
    verified(release)


async def test_waive_form_checks_the_policy_then_signs_the_waiver(tmp_path: Path, keys: dict[str, Path]) -> None:
    rel = build_release(tmp_path / "repo", keys, env=LEAKY)
    app = open_app(rel, "carol")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert state(app, "configs") == (Status.FAIL, SignoffStatus.PENDING)
        await select(pilot, "configs")
        await pilot.press("w")
        form = app.screen
        assert isinstance(form, WaiveScreen)
        await pilot.press(*"leak", "enter")
        await pilot.press(*"2026-02-01", "enter")  # 22 days: over the 14 the policy allows
        assert app.screen is form
        error = form.query_one("#form-error", Static)
        assert (
            str(error.content) == "expiry: 2026-02-01 is after 2026-01-23: 'configs' allows waivers of at most 14 days"
        )
        await pilot.press("ctrl+u", *"2026-01-09", "enter")
        assert str(error.content) == "expiry: 2026-01-09 is in the past"
        await pilot.press("ctrl+u", *"2026-01-20", "enter")
        await settle(pilot)
        assert app.last_error is None
        assert state(app, "configs") == (Status.WAIVED, SignoffStatus.PENDING)
    (entry,) = entries_on_disk(rel)
    assert (entry["decision"], entry["item"], entry["role"], entry["expires"], entry["comment"]) == (
        "waive",
        "configs",
        "safety-lead",
        "2026-01-20T23:59:59Z",
        "leak",
    )
    verified(rel)


async def test_revoke_picks_an_entry_and_withdraws_it(release: Release) -> None:
    app = open_app(release, "carol")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await select(pilot, "configs")
        await pilot.press("a", *"ok", "enter")
        await settle(pilot)
        assert state(app, "configs")[1] is SignoffStatus.APPROVED
        (approval,) = entries_on_disk(release)
        await pilot.press("x")
        assert isinstance(app.screen, RevokeScreen)
        await pilot.press("enter")
        assert isinstance(app.screen, DecisionScreen)
        await pilot.press(*"oops", "enter")
        await settle(pilot)
        assert app.last_error is None
        assert state(app, "configs")[1] is SignoffStatus.PENDING
        assert "revoked by carol" in screen_text(app)
    revoke = next(e for e in entries_on_disk(release) if e["decision"] == "revoke")
    assert revoke["item"] == "configs"
    assert revoke["comment"] == "oops"
    approval_id = next(e.id for e in ledger.read_entries(release.repo.path, "r1") if e.body.decision == "approve")
    assert revoke["revokes"] == approval_id
    assert approval["decision"] == "approve"
    verified(release)


async def test_the_last_signoff_shows_the_commit_and_attest_commands(release: Release, capsys) -> None:  # type: ignore[no-untyped-def]
    base = ["sign", "--release", "r1", "--checklist", release.checklist, "--repo", str(release.repo.path)]
    assert main([*base, "--key", str(release.keys["carol"]), "--item", "configs", "--approve", "--comment", "ok"]) == 0
    app = open_app(release, "bob", clock=real_clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert not app.screen.query_one("#ready").display
        await select(pilot, "reviewed")
        await pilot.press("a", *"ok", "enter")
        await settle(pilot)
        assert app.review is not None and app.review.cleared
        ready = app.screen.query_one("#ready", ReadyPanel)
        assert ready.display
        text = str(ready.content)
    top = release.repo.path
    assert "Every item is cleared. Commit the sign-offs, then a release-manager writes the attestation:" in text
    assert f"git -C {top} add .gate/signoffs/r1 && git -C {top} commit -m 'gate: sign-offs for r1'" in text
    assert f"gate attest --release r1 --checklist {release.checklist} --repo {top}" in text
    assert main(["check", "--checklist", release.checklist, "--repo", str(top), "--release", "r1"]) == 0


async def test_without_a_key_the_app_says_why_and_signs_nothing(release: Release) -> None:
    app = open_app(release, None)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert app.review is not None and app.review.identity is None
        lines = screen_text(app).splitlines()
        assert lines[2].startswith(" you: no key — no signing key: no ssh-agent key is listed in .gate/signers.yaml")
        await pilot.press("a")
        assert isinstance(app.screen, MainScreen)
        assert "no key: no signing key" in screen_text(app)
    assert entries_on_disk(release) == []


async def test_a_key_not_in_signers_is_no_key(release: Release) -> None:
    app = open_app(release, "stranger")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert app.review is not None and app.review.no_key is not None
        assert "is not in .gate/signers.yaml" in app.review.no_key


async def test_wrong_passphrase_is_asked_again_then_cancelled_then_right(
    tmp_path: Path, encrypted_keys: dict[str, Path]
) -> None:
    rel = build_release(tmp_path / "repo", encrypted_keys)
    app = open_app(rel, "carol")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await select(pilot, "configs")
        await pilot.press("a", *"ok", "enter")
        prompt = await wait_for_screen(pilot, PassphraseScreen)
        assert prompt.problem is None
        await pilot.press(*"wrong", "enter")
        again = await wait_for_screen(pilot, PassphraseScreen, besides=prompt)
        assert again.problem == f"wrong passphrase for {rel.keys['carol']}: try again"
        assert "wrong passphrase for" in screen_text(app)
        await pilot.press("escape")
        await settle(pilot)
        assert app.last_error == f"not signed: wrong passphrase for {rel.keys['carol']}"
        assert "error: not signed: wrong passphrase for" in screen_text(app)
        assert entries_on_disk(rel) == []

        await pilot.press("a", *"ok", "enter")
        await wait_for_screen(pilot, PassphraseScreen)
        await pilot.press(*"secret", "enter")
        await settle(pilot)
        assert state(app, "configs")[1] is SignoffStatus.APPROVED
        assert not app.screen.query_one("#error").display
    (entry,) = entries_on_disk(rel)
    assert (entry["decision"], entry["signer"]) == ("approve", "carol")
    verified(rel)


@pytest.mark.parametrize(
    ("who", "item", "key", "reason"),
    [
        (
            "bob",
            "configs",
            "a",
            "bob holds none of the roles that may approve 'configs' (safety-lead); bob's roles: auditor",
        ),
        (
            "alice",
            "reviewed",
            "a",
            "alice is not independent of the commits 'reviewed' read (alice@example.com authored or committed some), "
            "and 'auditor' must be",
        ),
        ("carol", "configs", "w", "the evidence of 'configs' passes: waiving passing evidence is refused"),
        ("carol", "configs", "x", "no sign-off on 'configs' is in force"),
    ],
)
async def test_what_you_may_not_sign_says_why_and_writes_nothing(
    release: Release, who: str, item: str, key: str, reason: str
) -> None:
    app = open_app(release, who)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await select(pilot, item)
        detail = " ".join(screen_text(app).split())
        await pilot.press(key)
        assert isinstance(app.screen, MainScreen)
        assert app.screen.refused == reason
        if key != "x":
            assert " ".join(reason.split()[:6]) in detail  # the detail pane said so before the key was pressed
    assert entries_on_disk(release) == []


async def test_approving_failing_evidence_is_refused(tmp_path: Path, keys: dict[str, Path]) -> None:
    rel = build_release(tmp_path / "repo", keys, env=LEAKY)
    app = open_app(rel, "carol")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await select(pilot, "configs")
        await pilot.press("a")
        assert app.screen.refused == (
            "the evidence of 'configs' is FAIL: approving evidence that fails and is not waived is refused; fix it, "
            "or get a waiver first"
        )
    assert entries_on_disk(rel) == []


async def test_changed_evidence_makes_the_approval_stale_after_a_rerun(release: Release) -> None:
    app = open_app(release, "carol")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await select(pilot, "configs")
        await pilot.press("a", *"ok", "enter")
        await settle(pilot)
        assert state(app, "configs")[1] is SignoffStatus.APPROVED
        release.repo.commit(
            {"rl/envs/math.yaml": "grader:\n  inputs: [prompt, answer, metadata]\n"}, "env", author="carol"
        )
        await pilot.press("R")
        await settle(pilot)
        assert state(app, "configs") == (Status.PASS, SignoffStatus.STALE)
        text = " ".join(screen_text(app).split())
        assert "STALE safety-lead 0/1" in text
        assert "stale: the evidence changed since it was signed" in text
        await pilot.press("a", *"ok2", "enter")
        await settle(pilot)
        assert state(app, "configs")[1] is SignoffStatus.APPROVED
    assert [e["evidence_digest"] != "" for e in entries_on_disk(release)] == [True, True]


async def test_a_held_ledger_lock_is_shown_in_the_app(release: Release, monkeypatch: pytest.MonkeyPatch) -> None:
    import filelock

    class QuickLock(filelock.FileLock):  # type: ignore[misc]
        """The ledger waits 30 s for the lock; the test waits 0.2 s."""

        def __init__(self, path: str, timeout: float = -1) -> None:
            super().__init__(path, timeout=0.2)

    held = filelock.FileLock(str(release.repo.path / ".git/gate-signoffs.lock"))
    app = open_app(release, "carol")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await select(pilot, "configs")
        monkeypatch.setattr(filelock, "FileLock", QuickLock)
        with held:
            await pilot.press("a", *"ok", "enter")
            await settle(pilot)
        assert app.last_error is not None
        assert app.last_error.startswith("not signed: the sign-off ledger is locked by another gate process (")
        assert "error: not signed: the sign-off ledger is locked" in screen_text(app)
        assert state(app, "configs")[1] is SignoffStatus.PENDING
    assert entries_on_disk(release) == []


async def test_an_invalid_ledger_is_shown_in_the_app(release: Release) -> None:
    folder = release.repo.path / ".gate/signoffs/r1"
    folder.mkdir(parents=True)
    (folder / "bogus.json").write_text("{not json")
    app = open_app(release, "carol")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert app.review is None
        assert app.last_error is not None
        assert app.last_error.startswith(".gate/signoffs/r1/bogus.json: not a sign-off entry (invalid JSON:")
        text = screen_text(app)
        assert "error: .gate/signoffs/r1/bogus.json: not a sign-off entry" in text
        assert "not loaded: press R to try again, q to quit" in text
        (folder / "bogus.json").unlink()
        await pilot.press("R")
        await settle(pilot)
        assert app.review is not None
        assert not app.screen.query_one("#error").display


async def test_a_ci_report_is_reviewed_and_signed(release: Release, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    report = tmp_path / "report.json"
    top = str(release.repo.path)
    args = ["check", "--checklist", release.checklist, "--repo", top, "--evidence-only", "--format", f"json={report}"]
    assert main(args) == 0
    app = open_app(release, "carol", report=report)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert app.review is not None and app.review.source == f"from {report}"
        await select(pilot, "configs")
        await pilot.press("a", *"ci", "enter")
        await settle(pilot)
        assert state(app, "configs")[1] is SignoffStatus.APPROVED
    assert [e["comment"] for e in entries_on_disk(release)] == ["ci"]


async def test_filter_only_blocking_help_and_quit(release: Release) -> None:
    base = ["sign", "--release", "r1", "--checklist", release.checklist, "--repo", str(release.repo.path)]
    assert main([*base, "--key", str(release.keys["carol"]), "--item", "configs", "--approve", "--comment", "ok"]) == 0
    app = open_app(release, "carol", clock=real_clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        table = app.screen.query_one(ItemTable)
        assert table.row_count == 2
        await pilot.press("slash", *"review")
        assert table.row_count == 1 and table.current == "reviewed"
        await pilot.press("escape")
        assert table.row_count == 2
        await pilot.press("b")
        assert table.row_count == 1 and table.current == "reviewed"  # configs is cleared
        assert "only what blocks" in screen_text(app)
        await pilot.press("b")
        assert table.row_count == 2
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
        assert isinstance(app.screen, MainScreen)
        await pilot.press("q")
    assert app.return_value == 0


def test_cli_needs_a_terminal(release: Release, capsys) -> None:  # type: ignore[no-untyped-def]
    code = main(["signoff", "--release", "r1", "--checklist", release.checklist, "--repo", str(release.repo.path)])
    assert code == 2
    assert capsys.readouterr().err == (
        "gate: error: gate signoff is a terminal app and needs a terminal\n"
        "  hint: to sign from a script, use `gate sign`\n"
    )


def test_cli_refuses_check_options_with_a_report(capsys) -> None:  # type: ignore[no-untyped-def]
    code = main(["signoff", "--release", "r1", "--checklist", "c.yaml", "--report", "r.json", "--artifacts", "ci"])
    assert code == 2
    assert "--report signs the digests of a CI report" in capsys.readouterr().err


async def test_stage_shows_only_that_stages_items(tmp_path: Path, keys: dict[str, Path]) -> None:
    from tests.signoff.conftest import CHECKLIST

    rel = build_release(tmp_path / "repo", keys)
    staged = CHECKLIST.replace("roles:\n", "stages: [pre-release, release]\nroles:\n", 1).replace(
        "    title: Reward changes were reviewed\n", "    title: Reward changes were reviewed\n    stages: [release]\n"
    )
    rel.repo.commit({"gate/cot.yaml": staged}, "stages", author="carol")
    app = open_app(rel, "carol", stage="pre-release")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        table = app.screen.query_one(ItemTable)
        assert [str(k.value) for k in table.rows] == ["configs"]
        assert "--stage pre-release" in app.session.attest_command(app.review)
