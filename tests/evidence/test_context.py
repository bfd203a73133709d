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


def test_symlink_to_a_modified_untracked_or_ignored_file_is_an_error(git_repo) -> None:
    repo = git_repo()
    repo.commit({".gitignore": "local/\n", "shared.yaml": "x: 1\n", "real.yaml": "x: 1\n"})
    (repo.path / "rl").mkdir()
    for name, target in (("math", "../shared.yaml"), ("code", "../local/code.yaml"), ("chat", "../new.yaml")):
        os.symlink(target, repo.path / "rl" / f"{name}.yaml")
    os.symlink("../real.yaml", repo.path / "rl" / "ok.yaml")
    repo.repo.index.add(["rl/math.yaml", "rl/code.yaml", "rl/chat.yaml", "rl/ok.yaml"])
    release = repo.commit({}, "links")
    repo.write({"shared.yaml": "x: 2\n", "local/code.yaml": "x: 1\n", "new.yaml": "x: 1\n"})
    view = context(repo).need_repo()
    assert view.read_bytes("rl/ok.yaml")[0] == b"x: 1\n"
    expected = {
        "rl/math.yaml": f"rl/math.yaml is a symlink to shared.yaml, which differs from the release commit "
        f"{release[:12]} (modified, staged or deleted); only committed, unmodified files are evidence",
        "rl/code.yaml": f"rl/code.yaml is a symlink to local/code.yaml, which is not in the release commit "
        f"{release[:12]} (untracked, gitignored or outside git); only committed, unmodified files are evidence",
        "rl/chat.yaml": "rl/chat.yaml is a symlink to new.yaml, which is not committed; only committed, unmodified "
        "files are evidence",
    }
    for link, message in expected.items():
        with pytest.raises(EvidenceUnavailable) as info:
            view.read_bytes(link)
        assert info.value.message == message


def test_globs_reaching_into_a_submodule_are_an_error(git_repo) -> None:
    repo = git_repo()
    sha = repo.commit({"rl/envs/a.yaml": "x: 1\n", "rl/reward/r.py": "r = 1\n"})
    repo.git("update-index", "--add", "--cacheinfo", f"160000,{sha},rl/envs/ext")
    repo.git("commit", "--quiet", "-m", "add a submodule", env=repo._env("alice"))
    view = context(repo).need_repo()
    message = (
        "rl/envs/ext is a git submodule: gate does not read inside submodules; check the submodule's own repository"
    )
    for globs in (["rl/envs/**/*.yaml"], ["*.yaml"], ["rl/**"], ["rl/envs/*/leaky.yaml"]):
        with pytest.raises(EvidenceUnavailable) as info:
            view.match(globs)
        assert info.value.message == message
    # Globs that cannot reach inside it, or leave it out, are fine.
    assert view.match(["rl/envs/*.yaml"]) == ["rl/envs/a.yaml"]
    assert view.match(["rl/reward/**"]) == ["rl/reward/r.py"]
    assert view.match(["**/*.yaml", "!rl/envs/ext"]) == ["rl/envs/a.yaml"]


def test_artifact_recorded_in_the_manifest_but_missing_is_an_error(git_repo, tmp_path: Path) -> None:
    repo = git_repo()
    sha = repo.commit({"a": "1"})
    arts = make_artifacts(
        tmp_path / "out", {"logs/shard0.log": "a\n", "logs/shard1.log": "b\n", "m.json": "{}"}, commit=sha
    )
    (arts / "logs" / "shard1.log").unlink()
    ctx = context(repo, arts)
    with pytest.raises(EvidenceUnavailable) as info:
        ctx.artifacts.match(["logs/*.log"])
    assert info.value.message == "incomplete artifacts: logs/shard1.log is recorded in gate-artifacts.json but missing"
    assert ctx.artifacts.match(["*.json"]) == ["m.json"]
    # Without the manifest there is no record to compare with (the output says the check was skipped).
    assert context(repo, arts, use_manifest=False).artifacts.match(["logs/*.log"]) == ["logs/shard0.log"]


def test_a_change_git_does_not_report_is_still_an_error(git_repo) -> None:
    # assume-unchanged makes `git diff` skip the file, as a stale index could: the bytes are checked anyway.
    repo = git_repo()
    repo.commit({"rl/envs/a.yaml": "x: 1\n"})
    repo.write({"rl/envs/a.yaml": "x: 2\n"})
    repo.repo.git.update_index("--assume-unchanged", "rl/envs/a.yaml")
    view = context(repo).need_repo()
    assert "rl/envs/a.yaml" not in view.changed
    with pytest.raises(EvidenceUnavailable, match="a.yaml differs from the release commit .* not the committed"):
        view.read_bytes("rl/envs/a.yaml")


def test_checked_out_bytes_that_git_filters_are_the_committed_blob(git_repo) -> None:
    # eol=crlf: the work tree holds CRLF, the blob LF; git hashes the file through the filter, so it is unmodified.
    repo = git_repo()
    repo.commit({".gitattributes": "*.yaml text eol=crlf\n", "rl/envs/a.yaml": "x: 1\ny: 2\n"})
    (repo.path / "rl/envs/a.yaml").unlink()
    repo.repo.git.checkout("--", "rl/envs/a.yaml")
    assert (repo.path / "rl/envs/a.yaml").read_bytes() == b"x: 1\r\ny: 2\r\n"
    view = context(repo).need_repo()
    assert view.read_bytes("rl/envs/a.yaml")[0] == b"x: 1\r\ny: 2\r\n"


def test_content_id_is_the_blob_of_a_regular_file_only(git_repo) -> None:
    repo = git_repo()
    repo.commit({"rl/envs/a.yaml": "x: 1\n"})
    os.symlink("a.yaml", repo.path / "rl/envs/link.yaml")
    repo.repo.index.add(["rl/envs/link.yaml"])
    repo.commit({}, "link")
    view = context(repo).need_repo()
    blob = repo.repo.git.rev_parse("HEAD:rl/envs/a.yaml")
    assert view.content_id("rl/envs/a.yaml") == blob
    assert view.content_id("rl/envs/link.yaml") is None  # the link's blob is its target's name, not content
    repo.write({"rl/envs/a.yaml": "x: 2\n"})
    with pytest.raises(EvidenceUnavailable, match="differs from the release commit"):
        context(repo).need_repo().content_id("rl/envs/a.yaml")


def test_content_id_trusts_only_what_git_saw_unchanged(git_repo, tmp_path: Path) -> None:
    # content_id opens nothing: a file turned into a symlink or a FIFO, or reached through a folder turned into a
    # symlink, must be in git's list of changes, and so refused.
    repo = git_repo()
    repo.commit({"rl/envs/a.yaml": "x: 1\n", "other/b.yaml": "x: 1\n", "other/c.yaml": "x: 1\n"})
    outside = tmp_path / "outside"
    (repo.path / "rl/envs").rename(outside)
    os.symlink(outside, repo.path / "rl/envs")
    (repo.path / "other/b.yaml").unlink()
    os.symlink("c.yaml", repo.path / "other/b.yaml")
    (repo.path / "other/c.yaml").unlink()
    os.mkfifo(repo.path / "other/c.yaml")
    view = context(repo).need_repo()
    for rel in ("rl/envs/a.yaml", "other/b.yaml", "other/c.yaml"):
        with pytest.raises(EvidenceUnavailable, match=f"{rel} differs from the release commit"):
            view.content_id(rel)


def test_a_git_question_is_asked_once_per_check_and_its_error_shared(git_repo) -> None:
    repo = git_repo()
    repo.commit({"a.txt": "a\n"})
    view = context(repo).need_repo()
    asked: list[tuple[Path, str]] = []

    def question(root: Path, pattern: str) -> str:
        asked.append((root, pattern))
        if pattern == "bad":
            raise EvidenceUnavailable("no such tag")
        return pattern.upper()

    assert [view.ask(question, "v*"), view.ask(question, "v*"), view.ask(question, "w*")] == ["V*", "V*", "W*"]
    for _ in range(2):
        with pytest.raises(EvidenceUnavailable, match="no such tag"):
            view.ask(question, "bad")
    assert asked == [(view.root, "v*"), (view.root, "w*"), (view.root, "bad")]
    assert context(repo).need_repo().ask(question, "v*") == "V*" and len(asked) == 4  # a new check asks again


def test_files_git_is_told_not_to_watch_are_read_not_taken_from_their_blob(git_repo) -> None:
    # assume-unchanged and skip-worktree hide work-tree changes from `git diff`: content_id must not vouch for
    # them (a cache keyed by the blob would then judge the committed bytes), so they are read and checked.
    repo = git_repo()
    repo.commit({"a.yaml": "x: 1\n", "b.yaml": "x: 1\n", "c.yaml": "x: 1\n"})
    repo.write({"a.yaml": "x: 2\n", "b.yaml": "x: 2\n"})
    repo.repo.git.update_index("--assume-unchanged", "a.yaml")
    repo.repo.git.update_index("--skip-worktree", "b.yaml")
    view = context(repo).need_repo()
    assert view.unwatched == {"a.yaml", "b.yaml"}
    assert view.content_id("c.yaml") == repo.repo.git.rev_parse("HEAD:c.yaml")
    for rel in ("a.yaml", "b.yaml"):
        assert view.content_id(rel) is None
        with pytest.raises(EvidenceUnavailable, match=f"{rel} differs from the release commit"):
            view.read_bytes(rel)
