"""`gate init`: the files it writes load as gate reads them, nothing is overwritten without --force, nothing is
written half, and the questions are only asked through the callbacks (never on the test's stdin)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
import yaml

from gate import config, init, loader
from gate.cli import main
from gate.shipped import shipped_path
from gate.signers import load_signers
from tests.builders import GitRepo, make_artifacts

CLEAN_ENV = "grader:\n  inputs: [prompt, answer]\n"


@pytest.fixture(scope="session")
def pubkeys(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Real Ed25519 keys (private and .pub) for alice and bob."""
    folder = tmp_path_factory.mktemp("init-keys")
    out = {}
    for name in ("alice", "bob"):
        path = folder / name
        subprocess.run(
            ["ssh-keygen", "-t", "ed25519", "-N", "", "-q", "-C", f"{name}@laptop", "-f", str(path)], check=True
        )
        out[name] = path
    return out


@pytest.fixture
def repo(git_repo) -> GitRepo:  # type: ignore[no-untyped-def]
    """An existing repository with some RL code."""
    r: GitRepo = git_repo("project")
    r.commit({"rl/envs/math.yaml": CLEAN_ENV, "README.md": "An RL project\n"}, "existing work")
    return r


def people_args(pubkeys: dict[str, Path]) -> list[str]:
    return [
        "--person", "alice", "--name", "Alice Chen", "--email", "alice@lab.example",
        "--email", "1234+alice@users.noreply.github.com", "--key", f"{pubkeys['alice']}.pub",
        "--person", "bob", "--email", "bob@lab.example", "--key", f"{pubkeys['bob']}.pub",
        "--role", "safety-lead=alice", "--role", "release-manager=bob",
    ]  # fmt: skip


def run_init(repo: GitRepo, pubkeys: dict[str, Path], *extra: str) -> int:
    return main(["init", "--yes", "--repo", str(repo.path), *people_args(pubkeys), *extra])


def files_under(root: Path) -> set[str]:
    return {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file() and ".git" not in p.parts}


def test_init_writes_signers_checklist_config_and_workflow(repo: GitRepo, pubkeys, capsys) -> None:
    assert run_init(repo, pubkeys, "--ci", "github") == 0
    out, err = capsys.readouterr()
    written = {".gate/signers.yaml", "checklists/starter.yaml", "gate.toml", ".github/workflows/gate.yml"}
    assert set(out.split()) == written
    assert files_under(repo.path) == written | {"rl/envs/math.yaml", "README.md"}
    assert f"gate: wrote 4 files in {repo.path}\n" in err
    assert "gate: warning" not in err  # alice and bob fill every role and quorum of the starter

    signers = load_signers(repo.path / ".gate/signers.yaml")
    alice = signers.identities["alice"]
    assert (alice.name, alice.emails, alice.roles) == (
        "Alice Chen",
        ["alice@lab.example", "1234+alice@users.noreply.github.com"],
        ["safety-lead"],
    )
    assert alice.keys[0].key.fingerprint == load_pub_fingerprint(pubkeys["alice"])
    assert signers.identities["bob"].name == "bob"  # no --name: the identity
    assert signers.identities["bob"].roles == ["release-manager"]

    copy = loader.load(repo.path / "checklists/starter.yaml").checklist
    shipped = loader.load(shipped_path("checklists/starter.yaml")).checklist
    assert [i.model_copy(update={"examples": []}) for i in shipped.items] == copy.items
    assert all(not item.examples for item in copy.items)
    assert (copy.id, copy.owner, copy.release_role) == (shipped.id, shipped.owner, shipped.release_role)

    defaults = config.read_root(repo.path)
    assert defaults.checklist == repo.path / "checklists/starter.yaml"
    assert defaults.artifacts == repo.path / "ci-out"
    assert defaults.stage is None

    workflow = yaml.safe_load((repo.path / ".github/workflows/gate.yml").read_text())
    assert workflow["jobs"]["gate"]["steps"][-1]["with"]["checklist"] == "checklists/starter.yaml"
    assert "note: .github/workflows/gate.yml uses 'OWNER/gate@v1'" in err


def load_pub_fingerprint(private: Path) -> str:
    from gate.signing import PublicKey

    return PublicKey.parse(Path(f"{private}.pub").read_text()).fingerprint


def test_the_written_files_make_a_working_gate(repo: GitRepo, pubkeys, tmp_path, capsys, monkeypatch) -> None:
    """gate.toml names the checklist and artifacts: `gate check` needs no flag beyond --evidence-only."""
    assert run_init(repo, pubkeys, "--ci", "none", "--stage", "pre-training") == 0
    assert main(["lint", str(repo.path / "checklists")]) == 0
    repo.repo.git.add(A=True)
    repo.commit(
        {"rl/reward/__init__.py": "", "rl/reward/shaping.py": "import math\n", "rl/cot/__init__.py": ""}, "start gate"
    )
    capsys.readouterr()
    monkeypatch.chdir(repo.path)
    assert main(["check", "--evidence-only"]) == 0
    out, _ = capsys.readouterr()
    assert "stage pre-training" in out.splitlines()[-1]
    assert out.splitlines()[-1].startswith("PASSED: 2 of 2 items pass")

    repo.commit({"rl/envs/math.yaml": "grader:\n  inputs: [prompt, reasoning]\n"}, "leak")
    assert main(["check", "--evidence-only"]) == 1
    out, _ = capsys.readouterr()
    assert "rl/envs/math.yaml:2:20: grader.inputs contains 'reasoning'" in out


def test_check_without_checklist_or_gate_toml_is_a_usage_error(repo: GitRepo, capsys, monkeypatch) -> None:
    monkeypatch.chdir(repo.path)
    assert main(["check", "--evidence-only"]) == 2
    assert capsys.readouterr().err == (
        "gate: error: no checklist given, and no gate.toml (or [tool.gate] in pyproject.toml) names one\n"
        "  hint: pass --checklist PATH (checklist= in the API), or run `gate init` to write gate.toml\n"
    )


def test_init_refuses_to_overwrite_and_writes_nothing(repo: GitRepo, pubkeys, capsys) -> None:
    (repo.path / ".github/workflows").mkdir(parents=True)
    (repo.path / ".github/workflows/gate.yml").write_text("name: mine\n")
    before = files_under(repo.path)
    assert run_init(repo, pubkeys, "--ci", "github") == 2
    assert capsys.readouterr().err == (
        "gate: error: refusing to overwrite .github/workflows/gate.yml\n"
        "  hint: move it away, or pass --force to overwrite\n"
    )
    assert files_under(repo.path) == before  # not even the files that did not exist
    assert (repo.path / ".github/workflows/gate.yml").read_text() == "name: mine\n"

    assert run_init(repo, pubkeys, "--ci", "github", "--force") == 0
    assert "name: gate" in (repo.path / ".github/workflows/gate.yml").read_text()


def test_init_names_every_file_it_would_overwrite(repo: GitRepo, pubkeys, capsys) -> None:
    assert run_init(repo, pubkeys, "--ci", "gitlab") == 0
    capsys.readouterr()
    assert run_init(repo, pubkeys, "--ci", "gitlab") == 2
    assert capsys.readouterr().err.splitlines()[0] == (
        "gate: error: refusing to overwrite checklists/starter.yaml, .gate/signers.yaml, gate.toml, .gitlab-ci.yml"
    )


def test_a_tool_gate_table_counts_as_existing_config(repo: GitRepo, pubkeys, capsys) -> None:
    (repo.path / "pyproject.toml").write_text('[tool.gate]\nchecklist = "gates/mine.yaml"\n')
    assert run_init(repo, pubkeys, "--ci", "none") == 2
    assert "refusing to overwrite pyproject.toml [tool.gate]" in capsys.readouterr().err
    assert not (repo.path / "gate.toml").exists()


def test_model_release_brings_its_include(repo: GitRepo, pubkeys, capsys) -> None:
    assert run_init(repo, pubkeys, "--checklist", "model-release", "--role", "auditor=bob", "--ci", "none") == 0
    assert {"checklists/model-release.yaml", "checklists/cot-isolation.yaml"} <= files_under(repo.path)
    loaded = loader.load(repo.path / "checklists/model-release.yaml")
    assert [Path(p).name for p in loaded.includes] == ["cot-isolation.yaml"]
    err = capsys.readouterr().err
    # model-release needs an eval lead nobody holds: said, not refused (the team may not have one yet)
    assert "gate: warning: item 'eval-thresholds-met' needs 1 eval-lead, but nobody holds that role" in err


def test_with_examples_copies_the_fixtures_and_the_selftest_passes(repo: GitRepo, pubkeys, capsys) -> None:
    assert run_init(repo, pubkeys, "--ci", "none", "--with-examples") == 0
    copy = loader.load(repo.path / "checklists/starter.yaml").checklist
    assert copy == loader.load(shipped_path("checklists/starter.yaml")).checklist
    assert (repo.path / "checklists/examples/leaky-grader").is_dir()
    capsys.readouterr()
    assert main(["lint", "--selftest", "--strict", str(repo.path / "checklists/starter.yaml")]) == 0


def test_init_never_reads_or_copies_a_private_key(repo: GitRepo, pubkeys, capsys) -> None:
    args = ["init", "--yes", "--repo", str(repo.path), "--person", "alice", "--email", "a@lab.example"]
    assert main([*args, "--key", str(pubkeys["alice"]), "--role", "safety-lead=alice"]) == 2
    err = capsys.readouterr().err
    assert err == (
        f"gate: error: {pubkeys['alice']} is a private key\n"
        f"  hint: give the public key instead: {pubkeys['alice']}.pub\n"
    )
    assert files_under(repo.path) == {"rl/envs/math.yaml", "README.md"}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ([], "gate: error: no signers: give at least one person"),
        (["--email", "x@lab.example"], "gate: error: init: argument --email: give --person ID first;"),
        (["--person", "Alice", "--email", "a@x.org", "--key", "K"], "an identity is a slug"),
        (["--person", "alice", "--key", "K"], "gate: error: --person 'alice' has no --email"),
        (["--person", "alice", "--email", "a@x.org"], "gate: error: --person 'alice' has no --key"),
        (["--person", "alice", "--email", "a@x.org", "--key", "K", "--role", "auditor=alice"], "no role 'auditor'"),
        (["--person", "alice", "--email", "a@x.org", "--key", "K", "--role", "safety-lead=bob"], "no --person 'bob'"),
        (["--person", "alice", "--email", "a@x.org", "--key", "K", "--role", "safety-lead"], "expected ROLE=IDENTITY"),
        (["--person", "alice", "--email", "a@x.org", "--key", "/nope.pub"], "no such key file /nope.pub"),
        (
            ["--person", "alice", "--email", "not-an-email", "--key", "K"],
            "the signers given are invalid: signers.alice",
        ),
        (["--person", "alice", "--email", "a@x.org", "--key", "K", "--checklist", "mine"], "unknown starter checklist"),
        (["--person", "alice", "--email", "a@x.org", "--key", "K", "--stage", "release"], "has no stage 'release'"),
        (["--person", "alice", "--email", "a@x.org", "--key", "K", "--artifacts", "../out"], "inside the repository"),
        (["--person", "alice", "--email", "a@x.org", "--key", "K", "--artifacts", "ci out"], "inside the repository"),
        (["--person", "alice", "--email", "a@x.org", "--key", "K", "--action", "x\nname: y"], "is not OWNER/REPO@REF"),
    ],
)
def test_bad_answers_are_usage_errors(repo: GitRepo, pubkeys, capsys, args: list[str], message: str) -> None:
    args = [str(pubkeys["alice"]) + ".pub" if a == "K" else a for a in args]
    assert main(["init", "--yes", "--repo", str(repo.path), "--ci", "none", *args]) == 2
    assert message in capsys.readouterr().err
    assert files_under(repo.path) == {"rl/envs/math.yaml", "README.md"}


def test_the_workflow_uses_the_action_named(repo: GitRepo, pubkeys, capsys) -> None:
    assert run_init(repo, pubkeys, "--ci", "github", "--action", "lab/gate@0123abc", "--artifacts", "build/ci") == 0
    assert "note:" not in capsys.readouterr().err
    jobs = yaml.safe_load((repo.path / ".github/workflows/gate.yml").read_text())["jobs"]
    uses = [s.get("uses") for job in jobs.values() for s in job["steps"] if "gate" in str(s.get("uses"))]
    assert uses == ["lab/gate/setup@0123abc", "lab/gate@0123abc", "lab/gate/setup@0123abc"]
    (step,) = [s for s in jobs["gate"]["steps"] if s.get("id") == "gate"]
    assert step["with"]["artifacts"] == "build/ci"


def test_init_outside_a_repository_is_a_usage_error(tmp_path: Path, capsys) -> None:
    assert main(["init", "--yes", "--repo", str(tmp_path)]) == 2
    assert capsys.readouterr().err.startswith(f"gate: error: {tmp_path} is not inside a git repository\n")


def test_without_a_terminal_init_asks_nothing(repo: GitRepo, capsys, monkeypatch) -> None:
    # pytest's stdin is not a terminal: no question is asked (nothing would answer it), flags must say it all.
    monkeypatch.setattr("builtins.input", lambda *a: pytest.fail("gate init asked a question without a terminal"))
    assert main(["init", "--repo", str(repo.path)]) == 2
    assert "no signers" in capsys.readouterr().err


def test_interview_asks_for_what_the_flags_leave_open(repo: GitRepo, pubkeys) -> None:
    replies = iter(
        [
            "",  # checklist: the default, starter
            "carol",  # identity
            "Carol",  # name
            "carol@lab.example",  # emails
            "/nonexistent.pub",  # a key that cannot be read: asked again
            f"{pubkeys['alice']}.pub",
            "dave",  # a second identity: not a slug? it is; asked its details
            "",  # name: the identity
            "no-at-sign",  # not an email: asked again
            "dave@lab.example",
            f"{pubkeys['bob']}.pub",
            "",  # done
            "mallory",  # safety-lead: unknown identity, asked again
            "carol",
            "dave",  # release-manager
            "",  # artifacts: ci-out
            "pre-release",  # stage
            "gitlab",  # ci
        ]
    )
    asked: list[tuple[str, str]] = []
    said: list[str] = []

    def ask(question: str, default: str) -> str:
        asked.append((question, default))
        return next(replies)

    answers = init.interview(repo.path, init.Answers(), ask, said.append)
    assert next(replies, None) is None
    assert answers.checklist == "starter"
    assert [(p.identity, p.name, p.emails) for p in answers.people] == [
        ("carol", "Carol", ["carol@lab.example"]),
        ("dave", "dave", ["dave@lab.example"]),
    ]
    assert answers.roles == {"safety-lead": ["carol"], "release-manager": ["dave"]}
    assert (answers.artifacts, answers.stage, answers.ci) == ("ci-out", "pre-release", "gitlab")
    assert "  unknown: mallory (people: carol, dave)" in said
    assert any("no such key file /nonexistent.pub" in line for line in said)
    plan = init.plan(repo.path, answers)
    assert set(plan.files) == {"checklists/starter.yaml", ".gate/signers.yaml", "gate.toml", ".gitlab-ci.yml"}
    assert plan.warnings == []
    assert 'stage = "pre-release"' in plan.files["gate.toml"].decode()


def test_drop_examples_keeps_everything_else() -> None:
    text = (
        "items:\n"
        "  - id: a\n"
        "    examples:\n"
        "      - {fixture: examples/x, expect: fail}\n"
        "\n"
        "      - {fixture: examples/y, expect: pass}\n"
        "\n"
        "  - id: b\n"
        "    examples: [{fixture: examples/z, expect: fail}]  # inline\n"
        "    title: B\n"
        "  - id: c\n"
        "    examples:\n"
        "    - {fixture: examples/w, expect: pass}\n"
        "    severity: minor\n"
    )
    assert init._drop_examples(text) == (
        "items:\n  - id: a\n\n  - id: b\n    title: B\n  - id: c\n    severity: minor\n"
    )


def test_every_shipped_checklist_adapts_to_itself_without_examples(repo: GitRepo, pubkeys) -> None:
    answers = init.Answers(
        people=[init.Person("alice", emails=["a@lab.example"], keys=[Path(f"{pubkeys['alice']}.pub")])],
        ci="none",
    )
    for name in init.shipped_checklists():
        answers.checklist = name
        plan = init.plan(repo.path, answers)  # raises if the adapted copy loads to another checklist
        assert plan.checklist_path == f"checklists/{name}.yaml"
        assert not plan.files[plan.checklist_path].decode().startswith("# yaml-language-server")


def test_gate_toml_is_strict(repo: GitRepo, capsys, monkeypatch) -> None:
    monkeypatch.chdir(repo.path)
    (repo.path / "gate.toml").write_text('checklist = "c.yaml"\nstages = "pre-release"\n')
    assert main(["check", "--evidence-only"]) == 2
    assert capsys.readouterr().err == (
        "gate: error: gate.toml: unknown key 'stages'\n  hint: known keys: checklist, artifacts, stage\n"
    )
    (repo.path / "gate.toml").write_text("checklist = 3\n")
    assert main(["check", "--evidence-only"]) == 2
    assert capsys.readouterr().err == "gate: error: gate.toml: checklist must be a non-empty string\n"
    (repo.path / "gate.toml").write_text("checklist = \n")
    assert main(["check", "--evidence-only"]) == 2
    assert capsys.readouterr().err.startswith("gate: error: gate.toml is not valid TOML: ")


def test_tool_gate_in_pyproject_gives_the_defaults(repo: GitRepo, tmp_path: Path, capsys, monkeypatch) -> None:
    checklist = (
        "id: mini\nversion: 1\ntitle: Mini\nowner: lead\nrelease_role: lead\nstages: [pre-training, pre-release]\n"
        "roles:\n  lead: {description: Leads}\nitems:\n  - id: configs\n    title: No reasoning\n"
        "    stages: [pre-training]\n    evidence:\n"
        "      - {kind: config, files: 'rl/envs/*.yaml', query: grader.inputs, assert: {not_contains: reasoning}}\n"
        "  - id: tests\n    title: Tests ran\n    stages: [pre-release]\n"
        "    evidence:\n      - {kind: junit, files: 'results/*.xml'}\n"
    )
    repo.commit(
        {
            "gates/mini.yaml": checklist,
            "pyproject.toml": '[project]\nname = "x"\n\n[tool.gate]\nchecklist = "gates/mini.yaml"\n'
            'stage = "pre-training"\nartifacts = "out"\n',
        },
        "gate",
    )
    monkeypatch.chdir(repo.path / "rl")  # anywhere in the repository
    assert main(["check"]) == 0
    assert "PASSED: 1 of 1 items pass (checklist mini v1, stage pre-training" in capsys.readouterr().out
    # a flag wins over the default; the artifacts default still applies
    make_artifacts(
        repo.path / "out", {"results/a.xml": '<testsuite><testcase name="t"/></testsuite>'}, commit=repo.head
    )
    assert main(["check", "--stage", "pre-release"]) == 0
    assert "PASSED: 1 of 1 items pass (checklist mini v1, stage pre-release" in capsys.readouterr().out
    # with --checklist, the project's defaults do not apply: no artifacts, every stage
    assert main(["check", "--checklist", str(repo.path / "gates/mini.yaml")]) == 1
    assert "no artifacts folder given" in capsys.readouterr().out
