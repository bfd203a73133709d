"""`gate demo`, the example RL project it builds, and the shipped data it reads (gate.demo, gate.shipped)."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import tomllib
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from gate import demo, history, ledger
from gate.cli import main
from gate.errors import GateError
from gate.shipped import SHIPPED, shipped_path
from gate.signers import parse_signers

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "rl-project"

# What the check before the fix must name: the env config at file:line:col, the import chain with the
# file:line of each link, and (with their shas, added per test) the two offending reward commits.
LEAK = "rl/envs/math_proofs.yaml:16:7: grader.inputs contains 'reasoning'"
CHAIN = (
    "rl/reward/shaping.py:5:1: rl.reward.shaping -> rl.utils.text (rl/reward/shaping.py:5) "
    "-> rl.trace.capture (rl/utils/text.py:7)"
)


def _head(repo: Path) -> str:
    return subprocess.run(
        ["git", "-C", str(repo), "rev-parse", "HEAD"], capture_output=True, text=True, check=True
    ).stdout.strip()


@pytest.fixture(scope="module")
def before_labels(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """Commit ids -> shas of history.yaml (deterministic, so they are the shas every build gets)."""
    return demo.build_history(tmp_path_factory.mktemp("labels") / "repo")


def _offending_commit_lines(labels: dict[str, str]) -> list[str]:
    hotfix, reader = labels["unreviewed-hotfix"], labels["cot-reader-reward"]
    return [
        f"rl/reward/penalties.py: commit {hotfix[:12]} 'reward: clamp the length penalty at -1 (hotfix during run "
        "0.10-rc1)' by bob@lab.example: no Reviewed-by trailer",
        f"rl/reward/brevity.py: commit {reader[:12]} 'reward: brevity bonus for short correct answers' by "
        "carol@lab.example: author carol@lab.example is in security/cot-readers.txt",
    ]


PENDING = (
    "PENDING: 12 of 12 items pass, awaiting sign-off (checklist model-release v1, stage pre-release, release demo-1, "
)
CLEARED = "PASSED: 12 of 12 items pass (checklist model-release v1, stage pre-release, release demo-1, release commit "
APPROVALS = {
    # (signer, role, item): every sign-off model-release.yaml --stage pre-release needs, by the demo's people
    ("alice", "safety-lead", "grader-configs-exclude-cot"),
    ("alice", "safety-lead", "reward-code-cannot-import-cot"),
    ("alice", "safety-lead", "reward-code-does-not-read-reasoning"),
    ("grace", "auditor", "grader-configs-exclude-cot"),
    ("grace", "auditor", "canaries-never-reach-graders"),
    ("grace", "auditor", "reward-changes-reviewed"),
    ("erin", "eval-lead", "eval-thresholds-met"),
    ("frank", "release-manager", "model-card-reviewed"),
}


def _git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True, check=True).stdout


def test_demo_blocks_then_awaits_signoff_then_clears_and_leaves_a_repo_gate_check_clears(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], before_labels: dict[str, str]
) -> None:
    kept = tmp_path / "kept"
    assert main(["demo", "--keep", str(kept), "--color", "never"]) == 0
    out, err = capsys.readouterr()
    before, after = out.split("BLOCKED: ", 1)
    for line in [LEAK, CHAIN, *_offending_commit_lines(before_labels)]:
        assert f"\n  {line}\n" in before
    assert "BLOCKED: 4 of 12 items fail (checklist model-release v1, stage pre-release, release commit " in out
    assert "\x1b[" not in out
    assert "gate demo: blocked, as expected: 4 findings\n" in err

    # After the fix: the evidence passes, every sign-off is pending (exit 4).
    pending, cleared = after.split(PENDING, 1)
    assert "  sign-off: PENDING (safety-lead 0/1, auditor 0/1)\n" in pending
    assert pending.count("  sign-off: PENDING (") == 7 and "APPROVED" not in pending
    assert (
        "gate demo: exit 4: evidence green, awaiting sign-off\n"
        "  7 items need sign-off: safety-lead 0/3, auditor 0/3, eval-lead 0/1, release-manager 0/1\n"
    ) in err
    # The refusal, then each signer's approvals; the auditor's independence is checked on the real history.
    assert (
        "  alice tries to approve reward-changes-reviewed: refused (exit 1): alice holds none of the roles that may "
        "approve 'reward-changes-reviewed' (auditor); alice's roles: safety-lead\n"
    ) in err
    assert (
        "  grace (auditor) approved grader-configs-exclude-cot, canaries-never-reach-graders, reward-changes-reviewed; "
        "independent of the authors of the commits read (bob@lab.example, deps-bot@lab.example)\n"
    ) in err

    # After the sign-offs, on the same recorded artifacts: cleared (exit 0), the ledger verifies.
    assert "  sign-off: APPROVED (safety-lead 1/1, auditor 1/1)\n" in cleared
    assert cleared.count("  sign-off: APPROVED (") == 7 and "PENDING" not in cleared
    assert CLEARED in cleared
    assert "gate demo: exit 0: cleared, every sign-off approved\n" in err
    assert "gate demo: gate ledger verify --release demo-1: 8 entries ok against .gate/signers.yaml at " in err
    command = demo.Workspace(kept).check_argv(demo.RELEASE)
    assert command[-2:] == ["--release", "demo-1"]
    assert f"from any folder (exits 0: cleared):\n  {' '.join(command)}\n" in err
    keys = kept / "keys"
    assert err.endswith(f"the demo signers' keys are in {keys}: gate sign --key {keys / 'alice'} ... signs as alice\n")

    # The signed entries are on disk and committed by the release manager, in a commit touching only them.
    repo = kept / "repo"
    files = sorted((repo / ".gate/signoffs/demo-1").glob("*.json"))
    entries = [json.loads(p.read_text())["entry"] for p in files]
    assert {(e["signer"], e["role"], e["item"]) for e in entries} == APPROVALS and len(entries) == 8
    assert all(e["decision"] == "approve" and e["release"] == "demo-1" for e in entries)
    for path in files:  # the file name is the entry's id (parse_entry refuses it otherwise)
        ledger.parse_entry(path.read_bytes(), path.name, release="demo-1")
    assert _git(repo, "status", "--porcelain") == ""
    assert _git(repo, "log", "-1", "--format=%an <%ae>|%cn <%ce>|%s").strip() == (
        "Frank Nakamura <frank@lab.example>|Frank Nakamura <frank@lab.example>|gate: sign-offs for release demo-1"
    )
    touched = _git(repo, "show", "--name-only", "--format=", "HEAD").split()
    assert touched == [f".gate/signoffs/demo-1/{p.name}" for p in files]
    # So the release commit did not move: both checks after the fix name the commit before the sign-offs.
    release_commit = _git(repo, "rev-parse", "HEAD~1").strip()[:12]
    assert f"{PENDING}release commit {release_commit})\n" in out and f"{CLEARED}{release_commit})\n" in out
    # signers.yaml came in with the safety lead's commit, holding the public keys of DIR/keys; no private key
    # was ever committed.
    assert _git(repo, "log", "--format=%an|%s", "--", ".gate/signers.yaml").strip() == (
        "Alice Moreau|gate: who signs off releases"
    )
    listed = parse_signers((repo / ".gate/signers.yaml").read_bytes(), "signers.yaml")
    assert {who: s.roles for who, s in listed.identities.items()} == {
        "alice": ["safety-lead"],
        "grace": ["auditor"],
        "erin": ["eval-lead"],
        "frank": ["release-manager"],
    }
    for who, signer in listed.identities.items():
        assert signer.keys[0].key.line() == " ".join((kept / "keys" / f"{who}.pub").read_text().split()[:2])
        assert (kept / "keys" / who).read_text().startswith("-----BEGIN OPENSSH PRIVATE KEY-----")
    secrets = subprocess.run(
        ["git", "-C", str(repo), "grep", "-I", "-l", "PRIVATE KEY", *_git(repo, "rev-list", "--all").split()],
        capture_output=True,
        text=True,
        check=False,
    )
    assert secrets.returncode == 1 and secrets.stdout == ""  # no private key in any commit

    # The printed command, run from another folder, clears the kept repository; gate ledger verify agrees.
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    assert main([*command[1:], "--color", "never"]) == 0
    assert CLEARED in capsys.readouterr().out
    assert main(["ledger", "verify", "--release", "demo-1", "--repo", str(repo)]) == 0
    assert [line[:4] for line in capsys.readouterr().out.splitlines()] == ["ok  "] * 8


def test_before_the_fix_gate_check_blocks_naming_file_line_chain_and_commits(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], before_labels: dict[str, str]
) -> None:
    kept = tmp_path / "kept"
    assert main(["demo", "--keep", str(kept), "--stop-before-fix", "--color", "never"]) == 0
    _, err = capsys.readouterr()
    assert "(exits 1: blocked)" in err
    assert _head(kept / "repo") == before_labels["unreviewed-hotfix"]

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    assert main([*demo.Workspace(kept).check_argv()[1:], "--color", "never"]) == 1
    out, _ = capsys.readouterr()
    for line in [LEAK, CHAIN, *_offending_commit_lines(before_labels)]:
        assert f"\n  {line}\n" in out
    assert out.endswith(
        f"BLOCKED: 4 of 12 items fail (checklist model-release v1, stage pre-release, release commit "
        f"{before_labels['unreviewed-hotfix'][:12]})\n"
    )


def test_demo_exits_1_when_the_check_before_the_fix_shows_something_else(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # A demo that does not show exactly the expected findings must not pass (it would be lying).
    monkeypatch.setattr(demo, "EXPECTED", demo.EXPECTED[1:])
    assert main(["demo", "--color", "never"]) == 1
    _, err = capsys.readouterr()
    assert err.endswith(
        "gate demo: the check before the fix did not show what it should:\n"
        "  unexpected FAIL of grader-configs-exclude-cot\n"
    )


def test_demo_exits_1_when_a_decision_meant_to_be_refused_is_accepted(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # grace holds the auditor role and wrote no commit: her approval counts, so the demo's refusal did not happen.
    monkeypatch.setattr(demo, "REFUSAL", ("grace", "reward-changes-reviewed"))
    assert main(["demo", "--color", "never"]) == 1
    _, err = capsys.readouterr()
    assert "gate demo: exit 4: evidence green, awaiting sign-off\n" in err
    assert err.endswith(
        "gate demo: a decision the policy would never count was accepted:\n"
        "  grace's approval of reward-changes-reviewed was not refused\n"
    )


def test_demo_exits_1_when_a_signoff_is_missing_after_the_signing(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # The release manager's entry is lost before the commit: the last check is still pending, which is a failure.
    sign_approvals = demo.sign_approvals

    def lose_franks(*args: Any, **kwargs: Any) -> list[demo.Signed]:
        signed = sign_approvals(*args, **kwargs)
        for s in signed:
            if s.identity == "frank":
                for path in s.paths:
                    path.unlink()
        return [s for s in signed if s.identity != "frank"]

    monkeypatch.setattr(demo, "sign_approvals", lose_franks)
    assert main(["demo", "--color", "never"]) == 1
    out, err = capsys.readouterr()
    assert out.rstrip().splitlines()[-1].startswith("PENDING: 12 of 12 items pass, awaiting sign-off")
    assert err.endswith(
        "gate demo: the check after the sign-offs did not clear the release:\n"
        "  after the sign-offs, model-card-reviewed's sign-off is PENDING (release-manager 0/1)\n"
        "  after the sign-offs the verdict is awaiting-signoff, expected passed\n"
    )


def test_signers_yaml_reads_back_as_written() -> None:
    people = {
        "alice": {"name": "Alice Moreau", "emails": ["alice@lab.example"], "roles": ["safety-lead"]},
        "oneil": {"name": "Pat O'Neil: #1", "emails": "Pat@Lab.Example", "roles": ["auditor", "yes"]},
    }
    keys = {
        "alice": "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIEMH8AnkNufM93+A70oeeJSnkvif+kgQci9WpCnWNrZ3 alice@gate-demo",
        "oneil": "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAINWJ7uwgZRVRIsLQiKdJoSVdNKeaGvwH11GEZONhSTP8 oneil: #2",
    }
    text = demo.signers_yaml(people, keys)
    assert "    name: Alice Moreau\n" in text and '    name: "Pat O\'Neil: #1"\n' in text
    listed = parse_signers(text.encode(), "signers.yaml")
    assert listed.identities["oneil"].name == "Pat O'Neil: #1"
    assert listed.identities["oneil"].emails == ["pat@lab.example"]
    assert listed.identities["oneil"].roles == ["auditor", "yes"]
    assert listed.identities["oneil"].keys[0].key.comment == "oneil: #2"
    assert [s.keys[0].key.line() for s in listed.identities.values()] == [
        " ".join(k.split()[:2]) for k in keys.values()
    ]


def test_demo_refuses_a_folder_that_is_not_empty(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "notes.txt").write_text("mine\n")
    assert main(["demo", "--keep", str(tmp_path)]) == 2
    _, err = capsys.readouterr()
    assert err == f"gate: error: --keep {tmp_path}: the folder is not empty\n  hint: give a new or empty folder\n"
    assert [p.name for p in tmp_path.iterdir()] == ["notes.txt"]


def test_history_build_is_deterministic(tmp_path: Path, before_labels: dict[str, str]) -> None:
    labels = demo.build_history(tmp_path / "one")
    assert labels == before_labels
    assert _head(tmp_path / "one") == before_labels["unreviewed-hotfix"]
    # fix.yaml's first commit adds .gate/signers.yaml, whose keys the demo makes at run time: with the same
    # file, the fixed history is the same too.
    files = {demo.SIGNERS_PATH: "version: 1\n"}
    fixed = demo.build_history(tmp_path / "one", "fix.yaml", labels=labels, files=files)
    assert fixed == labels  # fix.yaml names no new commit ids; the earlier ones come back
    again = demo.build_history(tmp_path / "two")
    demo.build_history(tmp_path / "two", "fix.yaml", labels=again, files=files)
    assert _head(tmp_path / "one") == _head(tmp_path / "two")


def test_history_step_that_only_resets_needs_no_author_and_cannot_tag() -> None:
    people = {"a": {"name": "A", "email": "a@x.example"}}
    rewind = history.History.model_validate({"people": people, "commits": [{"reset": "v1"}]})
    assert rewind.commits[0].reset_only
    with pytest.raises(ValueError, match="a step that only resets makes no commit to tag"):
        history.History.model_validate({"people": people, "commits": [{"reset": "v1", "tag": "v2"}]})
    with pytest.raises(ValueError, match="a commit needs author and message"):
        history.History.model_validate({"people": people, "commits": [{"write": {"f": "x"}}]})


def _make_artifacts() -> ModuleType:
    spec = importlib.util.spec_from_file_location("make_artifacts", EXAMPLE / "make_artifacts.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_committed_ci_artifacts_are_what_make_artifacts_produces(tmp_path: Path) -> None:
    script = _make_artifacts()
    committed = {rel: (EXAMPLE / "artifacts" / rel).read_bytes() for rel in (script.JUNIT, script.SARIF)}
    produced = script.produce(tmp_path)
    expected = script.structure(produced)
    assert script.structure(committed) == expected
    isolation = [t for t, outcome in expected["tests"].items() if t.startswith("tests.test_isolation::")]
    assert len(isolation) >= 3 and all(expected["tests"][t] == "passed" for t in isolation)
    assert expected["tools"] == ["ruff"]
    assert str(tmp_path) not in b"".join(committed.values()).decode()


def test_generated_artifacts_are_deterministic_and_plant_canaries_in_the_cot_dump_only(tmp_path: Path) -> None:
    import gzip

    sizes = demo.generate(tmp_path / "a", tmp_path / "a-model" / demo.SUBJECT)
    demo.generate(tmp_path / "b", tmp_path / "b-model" / demo.SUBJECT)
    for rel in sizes:
        assert (tmp_path / "a" / rel).read_bytes() == (tmp_path / "b" / rel).read_bytes(), rel
    canaries = (tmp_path / "a" / "canaries.txt").read_text().split()
    dump = gzip.decompress((tmp_path / "a" / "cot" / "reasoning-dump.jsonl.gz").read_bytes()).decode()
    assert all(c in dump for c in canaries)
    logs = sorted((tmp_path / "a" / "grader-logs").iterdir())
    text = "".join(gzip.decompress(p.read_bytes()).decode() for p in logs)
    assert len(logs) == 7 and len(text) > 3_000_000
    assert not any(c in text for c in canaries)


def test_shipped_data_is_found_and_every_package_ships() -> None:
    assert shipped_path("checklists/cot-isolation.yaml").is_file()
    assert (shipped_path("examples/rl-project") / "history.yaml").is_file()
    assert (shipped_path("templates") / "attestation.html.j2").is_file()
    with pytest.raises(GateError, match="'tests' is not shipped with gate"):
        shipped_path("tests")
    with pytest.raises(GateError, match="is not shipped"):
        shipped_path("examples/../gate")
    setuptools = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    packages = {".".join(p.parent.relative_to(ROOT).parts) for p in (ROOT / "gate").rglob("__init__.py")} - {""}
    assert packages <= set(setuptools["packages"]), "list every package under gate/ in [tool.setuptools] packages"
    assert {f"gate._shipped.{name}": name for name in SHIPPED} == setuptools["package-dir"]
