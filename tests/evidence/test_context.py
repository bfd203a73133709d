"""Where evidence is read: tracked and unmodified repo files, verified artifacts, no escape from a root."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from gate.errors import EvidenceUnavailable
from tests.builders import context, make_artifacts


def test_repo_match_lists_tracked_files_at_the_release_commit(git_repo) -> None:
    repo = git_repo()
    repo.commit({"rl/envs/a.yaml": "x: 1\n", "rl/envs/deep/b.yaml": "x: 2\n", "README.md": "hi\n"})
    view = context(repo).need_repo()
    assert view.match(["rl/envs/**/*.yaml"]) == ["rl/envs/a.yaml", "rl/envs/deep/b.yaml"]
    assert view.match(["*.md"]) == ["README.md"]
    assert view.match(["rl/**/*.yaml", "!rl/envs/deep/**"]) == ["rl/envs/a.yaml"]


def test_untracked_match_is_an_error(git_repo) -> None:
    repo = git_repo()
    repo.commit({"rl/envs/a.yaml": "x: 1\n"})
    repo.write({"rl/envs/new.yaml": "x: 3\n"})
    with pytest.raises(EvidenceUnavailable, match="rl/envs/new.yaml matches 'rl/envs/\\*.yaml' but is not committed"):
        context(repo).need_repo().match(["rl/envs/*.yaml"])


def test_gitignored_files_are_not_evidence(git_repo) -> None:
    repo = git_repo()
    repo.commit({".gitignore": "*.tmp.yaml\n", "rl/envs/a.yaml": "x: 1\n"})
    repo.write({"rl/envs/scratch.tmp.yaml": "x: 3\n"})
    assert context(repo).need_repo().match(["rl/envs/*.yaml"]) == ["rl/envs/a.yaml"]


def test_modified_file_is_an_error(git_repo) -> None:
    repo = git_repo()
    repo.commit({"rl/envs/a.yaml": "x: 1\n"})
    repo.write({"rl/envs/a.yaml": "x: 2\n"})
    view = context(repo).need_repo()
    with pytest.raises(EvidenceUnavailable, match="rl/envs/a.yaml differs from the release commit"):
        view.read_bytes("rl/envs/a.yaml")


def test_release_commit_skips_signoff_only_commits(git_repo) -> None:
    repo = git_repo()
    release = repo.commit({"rl/envs/a.yaml": "x: 1\n"})
    repo.commit({".gate/signoffs/r1/abc.json": "{}\n"}, "sign-off")
    assert context(repo).need_repo().commit == release


def test_symlink_out_of_the_repo_is_an_error(git_repo, tmp_path: Path) -> None:
    repo = git_repo()
    (tmp_path / "secret.yaml").write_text("x: 1\n")
    os.symlink(tmp_path / "secret.yaml", repo.path / "link.yaml")
    repo.commit({"a.yaml": "x: 1\n"})
    repo.repo.index.add(["link.yaml"])
    repo.commit({}, "add link")
    with pytest.raises(EvidenceUnavailable, match="link.yaml is a symlink leading out of the repository root"):
        context(repo).need_repo().read_bytes("link.yaml")


def test_artifacts_without_manifest_are_an_error(git_repo, tmp_path: Path) -> None:
    repo = git_repo()
    repo.commit({"a": "1"})
    arts = make_artifacts(tmp_path / "out", {"m.json": "{}"}, commit=None)
    with pytest.raises(EvidenceUnavailable, match="no gate-artifacts.json in the artifacts folder"):
        context(repo, arts).artifacts.open("m.json")
    ctx = context(repo, arts, use_manifest=False)
    with ctx.artifacts.open("m.json") as fh:
        assert fh.read() == b"{}"


def test_artifacts_from_another_commit_are_stale(git_repo, tmp_path: Path) -> None:
    repo = git_repo()
    old = repo.commit({"a": "1"})
    repo.commit({"a": "2"})
    arts = make_artifacts(tmp_path / "out", {"m.json": "{}"}, commit=old)
    with pytest.raises(EvidenceUnavailable, match="stale artifacts: gate-artifacts.json records commit"):
        context(repo, arts).artifacts.open("m.json")


def test_changed_artifact_is_stale(git_repo, tmp_path: Path) -> None:
    repo = git_repo()
    sha = repo.commit({"a": "1"})
    arts = make_artifacts(tmp_path / "out", {"m.json": "{}"}, commit=sha)
    (arts / "m.json").write_text('{"changed": true}')
    with pytest.raises(EvidenceUnavailable, match="stale artifact: m.json has sha256"):
        context(repo, arts).artifacts.read_bytes("m.json")


def test_unrecorded_artifact_is_an_error(git_repo, tmp_path: Path) -> None:
    repo = git_repo()
    sha = repo.commit({"a": "1"})
    arts = make_artifacts(tmp_path / "out", {"m.json": "{}"}, commit=sha)
    (arts / "late.json").write_text("{}")
    with pytest.raises(EvidenceUnavailable, match="late.json is not recorded in gate-artifacts.json"):
        context(repo, arts).artifacts.open("late.json")


def test_fifo_and_symlink_out_in_artifacts_are_errors(git_repo, tmp_path: Path) -> None:
    repo = git_repo()
    repo.commit({"a": "1"})
    arts = make_artifacts(tmp_path / "out", {"m.json": "{}"}, commit=None)
    os.mkfifo(arts / "pipe.log")
    os.symlink("/etc/passwd", arts / "passwd.log")
    ctx = context(repo, arts, use_manifest=False)
    assert ctx.artifacts.match(["*.log"]) == ["passwd.log", "pipe.log"]
    with pytest.raises(EvidenceUnavailable, match="pipe.log is not a regular file"):
        ctx.artifacts.open("pipe.log")
    with pytest.raises(EvidenceUnavailable, match="passwd.log is a symlink leading out of the artifacts root"):
        ctx.artifacts.open("passwd.log")
    with pytest.raises(EvidenceUnavailable, match="escapes the artifacts root"):
        ctx.artifacts.open("../x")


def test_no_artifacts_folder_is_an_error(git_repo) -> None:
    repo = git_repo()
    repo.commit({"a": "1"})
    with pytest.raises(EvidenceUnavailable, match="no artifacts folder given; pass --artifacts DIR"):
        context(repo).artifacts.match(["*"])


def test_no_repository_is_an_error(tmp_path: Path) -> None:
    ctx = context(None)
    with pytest.raises(EvidenceUnavailable, match="no repository given"):
        ctx.need_repo()
