"""`gate demo`, the example RL project it builds, and the shipped data it reads (gate.demo, gate.shipped)."""

from __future__ import annotations

import importlib.util
import subprocess
import tomllib
from pathlib import Path
from types import ModuleType

import pytest

from gate import demo, history
from gate.cli import main
from gate.errors import GateError
from gate.shipped import SHIPPED, shipped_path

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "rl-project"

# What the check before the fix must name: the env config at file:line:col, the import chain with the
# file:line of each link, and (with their shas, added per test) the two offending reward commits.
LEAK = "rl/envs/math_proofs.yaml:16:7: grader.inputs contains 'reasoning'"
CHAIN = (
    "rl/reward/shaping.py:5:1: rl.reward.shaping -> rl.utils.text (rl/reward/shaping.py:5) "
    "-> rl.trace.capture (rl/utils/text.py:7)"
)
PASSED = "PASSED: 12 of 12 items pass (checklist model-release v1, stage pre-release, release commit "


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


def test_demo_blocks_then_passes_and_leaves_a_repo_gate_check_passes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], before_labels: dict[str, str]
) -> None:
    kept = tmp_path / "kept"
    assert main(["demo", "--keep", str(kept), "--color", "never"]) == 0
    out, err = capsys.readouterr()
    before, after = out.split("BLOCKED: ", 1)
    for line in [LEAK, CHAIN, *_offending_commit_lines(before_labels)]:
        assert f"\n  {line}\n" in before
    assert "BLOCKED: 4 of 12 items fail (checklist model-release v1, stage pre-release, release commit " in out
    assert PASSED in after
    assert "\x1b[" not in out
    assert "gate demo: blocked, as expected: 4 findings\n" in err
    assert "gate demo: passed after the fix\n" in err
    command = demo.Workspace(kept).check_argv()
    assert err.endswith(f"from any folder (exits 0: passed):\n  {' '.join(command)}\n")

    # The printed command, run from another folder, passes on the kept (fixed) repository.
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    assert main([*command[1:], "--color", "never"]) == 0
    out, _ = capsys.readouterr()
    assert PASSED in out


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
    fixed = demo.build_history(tmp_path / "one", "fix.yaml", labels=labels)
    assert fixed == labels  # fix.yaml names no new commit ids; the earlier ones come back
    again = demo.build_history(tmp_path / "two")
    demo.build_history(tmp_path / "two", "fix.yaml", labels=again)
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
    with pytest.raises(GateError, match="'templates' is not shipped with gate"):
        shipped_path("templates")
    with pytest.raises(GateError, match="is not shipped"):
        shipped_path("examples/../gate")
    setuptools = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    packages = {".".join(p.parent.relative_to(ROOT).parts) for p in (ROOT / "gate").rglob("__init__.py")} - {""}
    assert packages <= set(setuptools["packages"]), "list every package under gate/ in [tool.setuptools] packages"
    assert {f"gate._shipped.{name}": name for name in SHIPPED} == setuptools["package-dir"]
