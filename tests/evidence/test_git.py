"""git.* evidence on real repositories built in tmp (fixed authors and dates): trailers, disjoint authors,
tags, files at a ref and CODEOWNERS. Every FAIL names the commit or path; every way of not looking is ERROR."""

from __future__ import annotations

import hashlib
import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from gate import gitrepo
from gate.engine import run_collector
from gate.evidence import git
from gate.evidence.context import Context
from gate.model import GitAuthorsDisjointSpec, GitCodeownersSpec, GitFileSpec, GitRefSpec, GitTrailersSpec
from gate.results import Evidence, Observation, Read, Status
from tests.builders import GitRepo, allowed_signers, clone, context, make_artifacts, ssh_key

BOB = "Bob <bob@example.com>"
CAROL = "Carol <carol@example.com>"


def trailers(ctx: Context, **fields: Any) -> Evidence:
    spec = GitTrailersSpec.model_validate({"kind": "git.trailers", "paths": "rl/reward/**", "since": "v*", **fields})
    return run_collector(spec, ctx, debug=True)


def disjoint(ctx: Context, **fields: Any) -> Evidence:
    base = {"kind": "git.authors_disjoint", "paths": "rl/reward/**", "since": "v*", "group_file": "teams/graders.txt"}
    return run_collector(GitAuthorsDisjointSpec.model_validate({**base, **fields}), ctx, debug=True)


def ref(ctx: Context, **fields: Any) -> Evidence:
    return run_collector(GitRefSpec.model_validate({"kind": "git.ref", **fields}), ctx, debug=True)


def file(ctx: Context, **fields: Any) -> Evidence:
    return run_collector(GitFileSpec.model_validate({"kind": "git.file", **fields}), ctx, debug=True)


def owners(ctx: Context, **fields: Any) -> Evidence:
    spec = GitCodeownersSpec.model_validate({"kind": "git.codeowners", "paths": "rl/**", **fields})
    return run_collector(spec, ctx, debug=True)


def released(repo: GitRepo) -> str:
    """A repository with a v1.0 tag on a first commit; returns the tagged sha."""
    sha = repo.commit({"README.md": "hi\n"}, "start")
    repo.tag("v1.0")
    return sha


@pytest.fixture(scope="module")
def keys(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(a key listed in allowed_signers, a key that is not): ed25519, no passphrase."""
    folder = tmp_path_factory.mktemp("keys")
    return ssh_key(folder / "good"), ssh_key(folder / "other")


# --- git.trailers -------------------------------------------------------------------------------------------------


def test_trailers_pass_when_every_commit_has_an_independent_review(git_repo) -> None:
    repo = git_repo()
    released(repo)
    a = repo.commit({"rl/reward/scale.py": "x = 1\n"}, "Tweak reward scale", trailers={"Reviewed-by": BOB})
    b = repo.commit({"rl/reward/clip.py": "y = 1\n"}, "Clip reward", author="bob", trailers={"Reviewed-by": CAROL})
    repo.commit({"docs/notes.md": "n\n"}, "Docs only")
    result = trailers(context(repo))
    assert result.status is Status.PASS
    assert result.summary == (
        f"2 commits touched rl/reward/** in v1.0..{repo.head[:12]}: all have an independent Reviewed-by"
    )
    assert result.observations == []
    assert result.read == sorted([Read(commit=a), Read(commit=b)], key=lambda r: r.commit or "")
    assert result.emails == ["alice@example.com", "bob@example.com"]


def test_trailers_pass_says_so_when_no_commit_touched_the_paths(git_repo) -> None:
    repo = git_repo()
    repo.commit({"README.md": "hi\n", "rl/reward/scale.py": "x = 1\n"}, "start")
    repo.tag("v1.0")
    repo.commit({"docs/notes.md": "n\n"}, "Docs only")
    result = trailers(context(repo))
    assert result.status is Status.PASS
    assert result.summary == f"0 commits touched rl/reward/** in v1.0..{repo.head[:12]}"
    assert result.read == []


def test_paths_matching_no_file_at_either_end_of_the_range_are_an_error(git_repo) -> None:
    # A typo ('rewards' for 'reward') selects no commit: without this, the check would pass on nothing.
    repo = git_repo()
    base = repo.commit({"README.md": "hi\n", "rl/reward/scale.py": "x = 1\n"}, "start")
    repo.tag("v1.0")
    end = repo.commit({"rl/reward/scale.py": "x = 2\n", "teams/graders.txt": GROUP}, "Unreviewed reward change")
    message = f"paths 'rl/rewards/**' match no file at {end[:12]} or {base[:12]}: a typo would make this check vacuous"
    for result in (trailers(context(repo), paths="rl/rewards/**"), disjoint(context(repo), paths="rl/rewards/**")):
        assert result.status is Status.ERROR
        assert result.summary == message
    # A glob (not a folder/**) is matched the same way; a file only at the base still counts.
    result = trailers(context(repo), paths="rl/*/scale.py")
    assert result.status is Status.FAIL
    repo.commit({"rl/reward/scale.py": None}, "Remove the reward")
    assert trailers(context(repo)).status is Status.FAIL


def test_trailers_fail_without_reviewed_by(git_repo) -> None:
    repo = git_repo()
    released(repo)
    sha = repo.commit({"rl/reward/scale.py": "x = 2\n"}, "Tweak reward scale\n\nNo review yet.")
    result = trailers(context(repo))
    assert result.status is Status.FAIL
    assert result.summary == (
        f"1 commit touched rl/reward/** in v1.0..{sha[:12]}: 1 without an independent Reviewed-by"
    )
    assert result.observations == [
        Observation(
            message=f"commit {sha[:12]} 'Tweak reward scale' by alice@example.com: no Reviewed-by trailer",
            path="rl/reward/scale.py",
            root="repo",
            commit=sha,
            author="alice@example.com",
        )
    ]
    assert result.fix is not None and "Reviewed-by: Name <email>" in result.fix


def test_trailers_reviewed_by_in_the_body_outside_the_trailer_block_does_not_count(git_repo) -> None:
    repo = git_repo()
    released(repo)
    message = "Tweak reward scale\n\nReviewed-by: Bob <bob@example.com>\nwas asked for, but not given.\n"
    sha = repo.commit({"rl/reward/scale.py": "x = 2\n"}, message)
    result = trailers(context(repo))
    assert result.status is Status.FAIL
    assert result.observations[0].message == (
        f"commit {sha[:12]} 'Tweak reward scale' by alice@example.com: no Reviewed-by trailer"
    )


def test_trailers_keys_compare_case_insensitively(git_repo) -> None:
    repo = git_repo()
    released(repo)
    repo.commit({"rl/reward/scale.py": "x = 2\n"}, "Tweak", trailers={"reviewed-by": BOB})
    result = trailers(context(repo))
    assert result.status is Status.PASS


def test_trailers_fail_when_reviewer_is_author_with_other_email_case(git_repo) -> None:
    repo = git_repo()
    released(repo)
    sha = repo.commit({"rl/reward/scale.py": "x = 2\n"}, "Tweak", trailers={"Reviewed-by": "Alice <Alice@Example.com>"})
    result = trailers(context(repo))
    assert result.status is Status.FAIL
    assert result.observations[0].message == (
        f"commit {sha[:12]} 'Tweak' by alice@example.com: Reviewed-by is the author (alice@example.com)"
    )


def test_trailers_fail_when_reviewer_is_author_through_mailmap(git_repo) -> None:
    repo = git_repo()
    repo.commit({".mailmap": "Alice <alice@example.com> <alice@home.example>\n"}, "mailmap")
    repo.tag("v1.0")
    sha = repo.commit(
        {"rl/reward/scale.py": "x = 2\n"}, "Tweak", trailers={"Reviewed-by": "Alice Home <alice@home.example>"}
    )
    result = trailers(context(repo))
    assert result.status is Status.FAIL
    assert result.observations[0].message == (
        f"commit {sha[:12]} 'Tweak' by alice@example.com: Reviewed-by is the author (alice@example.com)"
    )
    mailmap_sha = hashlib.sha256(b"Alice <alice@example.com> <alice@home.example>\n").hexdigest()
    assert Read(path=".mailmap", root="repo", sha256=mailmap_sha) in result.read


def test_trailers_mailmap_maps_the_author_too(git_repo) -> None:
    repo = git_repo()
    repo.commit({".mailmap": "Bob <bob@example.com> <bob-laptop@example.com>\n"}, "mailmap")
    repo.tag("v1.0")
    repo.commit({"rl/reward/scale.py": "x = 2\n"}, "Tweak", author="bob-laptop", trailers={"Reviewed-by": BOB})
    result = trailers(context(repo))
    assert result.status is Status.FAIL
    assert result.observations[0].author == "bob@example.com"
    assert "bob-laptop@example.com" in result.emails


def test_trailers_untracked_mailmap_is_an_error(git_repo) -> None:
    repo = git_repo()
    released(repo)
    repo.commit({"rl/reward/scale.py": "x = 2\n"}, "Tweak", trailers={"Reviewed-by": BOB})
    repo.write({".mailmap": "Bob <alice@example.com> <bob@example.com>\n"})
    result = trailers(context(repo))
    assert result.status is Status.ERROR
    assert result.summary == ".mailmap is not committed; only committed files are evidence"


def test_trailers_value_without_email_does_not_count(git_repo) -> None:
    repo = git_repo()
    released(repo)
    sha = repo.commit({"rl/reward/scale.py": "x = 2\n"}, "Tweak", trailers={"Reviewed-by": "bob"})
    result = trailers(context(repo))
    assert result.status is Status.FAIL
    assert result.observations[0].message == (
        f"commit {sha[:12]} 'Tweak' by alice@example.com: Reviewed-by 'bob' has no email address, so it does not count"
    )


def test_trailers_value_with_text_after_the_email_counts(git_repo) -> None:
    repo = git_repo()
    released(repo)
    repo.commit({"rl/reward/scale.py": "x = 2\n"}, "Tweak", trailers={"Reviewed-by": "Bob <bob@example.com> (on call)"})
    assert trailers(context(repo)).status is Status.PASS


def test_trailers_one_independent_reviewer_is_enough(git_repo) -> None:
    repo = git_repo()
    released(repo)
    message = "Tweak\n\nReviewed-by: Alice <alice@example.com>\nReviewed-by: Bob <bob@example.com>\n"
    repo.commit({"rl/reward/scale.py": "x = 2\n"}, message)
    assert trailers(context(repo)).status is Status.PASS


def test_trailers_without_not_author_accept_self_review(git_repo) -> None:
    repo = git_repo()
    released(repo)
    repo.commit({"rl/reward/scale.py": "x = 2\n"}, "Tweak", trailers={"Reviewed-by": "Alice <alice@example.com>"})
    result = trailers(context(repo), not_author=False)
    assert result.status is Status.PASS
    assert result.summary.endswith(": all have Reviewed-by")


def test_trailers_every_required_key_is_checked(git_repo) -> None:
    repo = git_repo()
    released(repo)
    sha = repo.commit({"rl/reward/scale.py": "x = 2\n"}, "Tweak", trailers={"Reviewed-by": BOB})
    result = trailers(context(repo), require=["Reviewed-by", "Tested-by"])
    assert result.status is Status.FAIL
    assert result.summary.endswith(": 1 without an independent Reviewed-by and Tested-by")
    assert result.observations[0].message == f"commit {sha[:12]} 'Tweak' by alice@example.com: no Tested-by trailer"


def test_trailers_co_authors_are_recorded_for_independence(git_repo) -> None:
    repo = git_repo()
    released(repo)
    message = "Tweak\n\nCo-authored-by: Dave <Dave@Example.com>\nReviewed-by: Bob <bob@example.com>\n"
    repo.commit({"rl/reward/scale.py": "x = 2\n"}, message, committer="carol")
    result = trailers(context(repo))
    assert result.status is Status.PASS
    assert result.emails == ["alice@example.com", "carol@example.com", "dave@example.com"]


def test_trailers_paths_use_gitignore_globs_with_exclusions(git_repo) -> None:
    repo = git_repo()
    released(repo)
    nested = repo.commit({"rl/deep/loss.py": "x\n"}, "Nested loss")
    repo.commit({"rl/deep/loss_test.txt": "x\n"}, "Not python")
    repo.commit({"rl/deep/skip/loss.py": "x\n"}, "Excluded")
    result = trailers(context(repo), paths=["*.py", "!rl/deep/skip/**"])
    assert result.summary == (
        f"1 commit touched *.py, !rl/deep/skip/** in v1.0..{repo.head[:12]}: 1 without an independent Reviewed-by"
    )
    assert result.observations[0].commit == nested


def test_trailers_a_commit_deleting_a_file_touches_it(git_repo) -> None:
    repo = git_repo()
    repo.commit({"rl/reward/old.py": "x\n"}, "start")
    repo.tag("v1.0")
    sha = repo.commit({"rl/reward/old.py": None}, "Drop old reward")
    result = trailers(context(repo))
    assert result.observations[0].commit == sha
    assert result.observations[0].path == "rl/reward/old.py"


def test_trailers_report_unusual_file_names_as_they_are(git_repo) -> None:
    repo = git_repo()
    released(repo)
    repo.commit({'rl/reward/ünicode "q".py': "x\n"}, "Odd name")
    result = trailers(context(repo))
    assert result.observations[0].path == 'rl/reward/ünicode "q".py'


def test_trailers_ignore_pathspec_environment_variables(git_repo, monkeypatch: pytest.MonkeyPatch) -> None:
    repo = git_repo()
    released(repo)
    repo.commit({"rl/reward/a.py": "a\n"}, "Unreviewed")
    monkeypatch.setenv("GIT_LITERAL_PATHSPECS", "1")
    assert trailers(context(repo)).status is Status.FAIL


def merged(repo: GitRepo, *, feature: dict[str, str] | None, merge: dict[str, str] | None) -> tuple[str, str]:
    """v1.0, then a feature branch commit touching rl/reward merged with --no-ff; returns (feature, merge)."""
    base = released(repo)
    repo.checkout("feature", create_at=base)
    side = repo.commit({"rl/reward/a.py": "a\n"}, "Feature work", trailers=feature)
    repo.checkout("main")
    repo.commit({"docs/x.md": "x\n"}, "Docs meanwhile")
    top = repo.merge("feature", "Merge feature", author="carol", trailers=merge)
    return side, top


def test_trailers_merges_check_needs_trailers_on_merge_commits(git_repo) -> None:
    repo = git_repo()
    side, top = merged(repo, feature={"Reviewed-by": BOB}, merge=None)
    result = trailers(context(repo), merges="check")
    assert result.status is Status.FAIL
    assert result.summary.startswith("2 commits touched")
    assert {r.commit for r in result.read} == {side, top}
    assert [o.commit for o in result.observations] == [top]
    assert result.observations[0].message == (
        f"commit {top[:12]} 'Merge feature' by carol@example.com: no Reviewed-by trailer"
    )
    assert result.observations[0].path == "rl/reward/a.py"


def test_trailers_merges_skip_ignores_merge_commits(git_repo) -> None:
    repo = git_repo()
    side, _ = merged(repo, feature={"Reviewed-by": BOB}, merge=None)
    result = trailers(context(repo), merges="skip")
    assert result.status is Status.PASS
    assert result.read == [Read(commit=side)]


def test_trailers_merges_first_parent_checks_only_the_mainline(git_repo) -> None:
    repo = git_repo()
    _, top = merged(repo, feature=None, merge={"Reviewed-by": BOB})
    result = trailers(context(repo), merges="first-parent")
    assert result.status is Status.PASS
    assert result.read == [Read(commit=top)]
    assert trailers(context(repo), merges="check").status is Status.FAIL  # the side commit has no review


def test_trailers_bot_commits_are_exempt_but_listed(git_repo) -> None:
    repo = git_repo()
    released(repo)
    sha = repo.commit({"rl/reward/pins.txt": "x\n"}, "Bump pins", author="bot")
    result = trailers(context(repo), bots=["CI-Bot@example.com"])
    assert result.status is Status.PASS
    assert result.summary == f"1 commit touched rl/reward/** in v1.0..{sha[:12]} (1 by exempt bots: ci-bot@example.com)"
    assert result.observations == [
        Observation(
            message=f"commit {sha[:12]} 'Bump pins' by ci-bot@example.com: a bot, exempt from the trailer rule",
            path="rl/reward/pins.txt",
            root="repo",
            commit=sha,
            author="ci-bot@example.com",
            failing=False,
        )
    ]


def test_trailers_fewer_commits_than_min_commits_is_an_error(git_repo) -> None:
    repo = git_repo()
    released(repo)
    repo.commit({"rl/reward/a.py": "a\n"}, "One", trailers={"Reviewed-by": BOB})
    result = trailers(context(repo), min_commits=2)
    assert result.status is Status.ERROR
    assert result.summary == f"only 1 commit touched rl/reward/** in v1.0..{repo.head[:12]}; min_commits is 2"


def test_trailers_no_matching_tag_is_an_error(git_repo) -> None:
    repo = git_repo()
    repo.commit({"rl/reward/a.py": "a\n"}, "One")
    repo.tag("release-1")
    repo.commit({"rl/reward/a.py": "b\n"}, "Two")
    result = trailers(context(repo))
    assert result.status is Status.ERROR
    assert result.summary == (
        "no tag matching 'v*' is reachable from the release commit; give range: or create the tag"
    )


def test_trailers_tag_on_the_release_commit_itself_does_not_count(git_repo) -> None:
    repo = git_repo()
    released(repo)
    repo.commit({"rl/reward/a.py": "a\n"}, "Unreviewed")
    repo.tag("v1.1")
    result = trailers(context(repo))
    assert result.status is Status.FAIL  # the range is v1.0..release, not the empty v1.1..release
    assert result.summary.startswith("1 commit touched rl/reward/** in v1.0..")
    only = git_repo()
    only.commit({"rl/reward/a.py": "a\n"}, "Unreviewed")
    only.tag("v1.1")
    error = trailers(context(only))
    assert error.status is Status.ERROR
    assert error.fix is not None and error.fix.startswith("tag 'v1.1' is on the release commit itself")


def test_trailers_newest_reachable_tag_starts_the_range(git_repo) -> None:
    repo = git_repo()
    released(repo)
    repo.commit({"rl/reward/a.py": "a\n"}, "Before v1.1")
    repo.tag("v1.1")
    repo.commit({"rl/reward/a.py": "b\n"}, "After v1.1", trailers={"Reviewed-by": BOB})
    result = trailers(context(repo))
    assert result.status is Status.PASS
    assert result.summary.startswith("1 commit touched rl/reward/** in v1.1..")


def walks(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Records each `since` tag resolution that walks the history (`git tag --merged`)."""
    seen: list[str] = []
    real = gitrepo.tags_merged

    def recording(root: Path, pattern: str, commit: str) -> list[gitrepo.TagRef]:
        seen.append(pattern)
        return real(root, pattern, commit)

    monkeypatch.setattr(gitrepo, "tags_merged", recording)
    return seen


def test_trailers_since_tag_is_shown_reachable_by_the_log_itself(git_repo, monkeypatch: pytest.MonkeyPatch) -> None:
    repo = git_repo()
    released(repo)
    repo.commit({"docs/a.md": "a\n"}, "Docs")
    sha = repo.commit({"rl/reward/a.py": "a\n"}, "Unreviewed")
    seen = walks(monkeypatch)
    result = trailers(context(repo))
    assert result.status is Status.FAIL
    assert result.summary == f"1 commit touched rl/reward/** in v1.0..{sha[:12]}: 1 without an independent Reviewed-by"
    assert seen == []  # v1.0 is in the history of the listed commit's parent: no walk to find the tag


def test_trailers_newest_tag_on_another_branch_is_not_the_base(git_repo, monkeypatch: pytest.MonkeyPatch) -> None:
    repo = git_repo()
    start = released(repo)
    repo.checkout("other", create_at=start)
    repo.commit({"docs/elsewhere.md": "x\n"}, "Elsewhere")
    repo.tag("v2.0")  # newer than v1.0, but not in the history of main
    repo.checkout("main")
    sha = repo.commit({"rl/reward/a.py": "a\n"}, "Unreviewed")
    seen = walks(monkeypatch)
    result = trailers(context(repo))
    assert result.summary == f"1 commit touched rl/reward/** in v1.0..{sha[:12]}: 1 without an independent Reviewed-by"
    assert result.read == [Read(commit=sha)]
    assert seen == ["v*"]


def test_trailers_only_tag_on_another_branch_is_an_error(git_repo) -> None:
    repo = git_repo()
    start = repo.commit({"rl/reward/a.py": "a\n"}, "start")
    repo.checkout("other", create_at=start)
    repo.commit({"docs/elsewhere.md": "x\n"}, "Elsewhere")
    repo.tag("v1.0")
    repo.checkout("main")
    repo.commit({"rl/reward/a.py": "b\n"}, "Unreviewed")
    result = trailers(context(repo))
    assert result.status is Status.ERROR
    assert result.summary == (
        "no tag matching 'v*' is reachable from the release commit; give range: or create the tag"
    )


def test_trailers_since_tag_the_oldest_commits_do_not_show_is_found_by_a_walk(
    git_repo, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The oldest commit listed comes from a branch that forked before v1.1: its parent does not show v1.1
    # reachable, so gate walks, and reads the same range (the log it already has).
    repo = git_repo()
    start = released(repo)
    repo.checkout("feature", create_at=start)
    side = repo.commit({"rl/reward/a.py": "a\n"}, "Feature work", trailers={"Reviewed-by": BOB})
    repo.checkout("main")
    repo.commit({"docs/x.md": "x\n"}, "Docs")
    repo.tag("v1.1")
    top = repo.merge("feature", "Merge feature", author="carol", trailers={"Reviewed-by": BOB})
    monkeypatch.setattr(git, "_OLDEST", 1)
    seen = walks(monkeypatch)
    result = trailers(context(repo))
    assert result.status is Status.PASS
    assert result.summary == f"2 commits touched rl/reward/** in v1.1..{top[:12]}: all have an independent Reviewed-by"
    assert {r.commit for r in result.read} == {side, top}
    assert seen == ["v*"]
    monkeypatch.undo()
    assert trailers(context(repo)) == result  # the merge's parents show v1.1 reachable: no walk, same evidence


def test_trailers_without_commits_in_the_range_walk_to_find_the_tag(git_repo, monkeypatch: pytest.MonkeyPatch) -> None:
    repo = git_repo()
    repo.commit({"README.md": "hi\n", "rl/reward/scale.py": "x = 1\n"}, "start")
    repo.tag("v1.0")
    repo.commit({"docs/notes.md": "n\n"}, "Docs only")
    seen = walks(monkeypatch)
    result = trailers(context(repo))
    assert result.summary == f"0 commits touched rl/reward/** in v1.0..{repo.head[:12]}"
    assert seen == ["v*"]  # an empty log shows nothing reachable


def test_trailers_log_errors_come_after_the_range_and_paths_checks(git_repo, monkeypatch: pytest.MonkeyPatch) -> None:
    repo = git_repo()
    released(repo)
    repo.commit({"rl/reward/a.py": "a\n"}, "Unreviewed")

    def failing(*args: Any, **kwargs: Any) -> list[gitrepo.LogCommit]:
        raise gitrepo.GitError("git log failed: boom")

    monkeypatch.setattr(gitrepo, "log", failing)
    result = trailers(context(repo))
    assert (result.status, result.summary) == (Status.ERROR, "git log failed: boom")
    typo = trailers(context(repo), paths="rl/rewards/**")
    assert typo.status is Status.ERROR and typo.summary.startswith("paths 'rl/rewards/**' match no file")


def test_trailers_commits_by_the_same_people_share_one_judgement(git_repo) -> None:
    repo = git_repo()
    released(repo)
    first = repo.commit({"rl/reward/a.py": "a\n"}, "One", trailers={"Reviewed-by": BOB})
    second = repo.commit({"rl/reward/a.py": "b\n"}, "Two", trailers={"Reviewed-by": BOB})
    third = repo.commit({"rl/reward/a.py": "c\n"}, "Three", trailers={"Reviewed-by": "Alice <alice@example.com>"})
    commits = gitrepo.log(repo.path, include=[repo.head], exclude=["v1.0"], pathspecs=["rl/reward/"], names=False)
    by_sha = {c.sha: c for c in commits}
    assert by_sha[first].people is by_sha[second].people
    assert by_sha[third].people is not by_sha[first].people
    result = trailers(context(repo))
    assert result.summary.endswith(": 1 without an independent Reviewed-by")
    assert [o.commit for o in result.observations] == [third]


def test_trailers_explicit_range(git_repo) -> None:
    repo = git_repo()
    start = released(repo)
    repo.commit({"rl/reward/a.py": "a\n"}, "Unreviewed")
    result = trailers(context(repo), since=None, range=f"{start}..HEAD")
    assert result.status is Status.FAIL
    assert result.summary.startswith(f"1 commit touched rl/reward/** in {start}..{repo.head[:12]}")


def test_trailers_range_to_head_ignores_later_signoff_commits(git_repo) -> None:
    repo = git_repo()
    released(repo)
    release = repo.commit({"rl/reward/a.py": "a\n"}, "Reviewed", trailers={"Reviewed-by": BOB})
    before = trailers(context(repo), since=None, range="v1.0..HEAD")
    repo.commit({".gate/signoffs/r1/abc.json": "{}\n"}, "sign-off")
    after = trailers(context(repo), since=None, range="v1.0..HEAD")
    assert after == before
    assert (
        after.summary == f"1 commit touched rl/reward/** in v1.0..{release[:12]}: all have an independent Reviewed-by"
    )


def test_trailers_range_endpoint_that_does_not_resolve_is_an_error(git_repo) -> None:
    repo = git_repo()
    released(repo)
    result = trailers(context(repo), since=None, range="v0.9..HEAD")
    assert result.status is Status.ERROR
    assert result.summary == "range 'v0.9..HEAD': 'v0.9' does not name a commit in this clone"
    result = trailers(context(repo), since=None, range="v1.0..nope")
    assert result.summary == "range 'v1.0..nope': 'nope' does not name a commit in this clone"


def test_trailers_range_whose_base_is_not_in_the_history_is_an_error(git_repo) -> None:
    repo = git_repo()
    start = released(repo)
    repo.checkout("other", create_at=start)
    repo.commit({"rl/reward/x.py": "x\n"}, "Elsewhere")
    repo.checkout("main")
    repo.commit({"rl/reward/a.py": "a\n"}, "Here")
    result = trailers(context(repo), since=None, range="other..HEAD")
    assert result.status is Status.ERROR
    assert result.summary == "range 'other..HEAD': 'other' is not in the history of 'HEAD'"
    assert trailers(context(repo), since=None, range="HEAD..v1.0").summary == (
        "range 'HEAD..v1.0': 'HEAD' is not in the history of 'v1.0'"
    )


def test_trailers_malformed_range_is_an_error(git_repo) -> None:
    repo = git_repo()
    released(repo)
    assert trailers(context(repo), since=None, range="v1.0").summary == (
        "range 'v1.0' is not of the form A..B (e.g. 'v1.2..HEAD')"
    )
    assert trailers(context(repo), since=None, range="v1.0...HEAD").summary == (
        "range 'v1.0...HEAD': a symmetric range (A...B) is not supported; give A..B"
    )


def test_trailers_shallow_clone_is_an_error(git_repo, tmp_path: Path) -> None:
    repo = git_repo()
    released(repo)
    repo.commit({"rl/reward/a.py": "a\n"}, "One", trailers={"Reviewed-by": BOB})
    shallow = clone(repo, tmp_path / "shallow", depth=1)
    result = trailers(context(shallow), since=None, range="HEAD~1..HEAD")
    assert result.status is Status.ERROR
    assert result.summary == git.SHALLOW
    assert trailers(context(shallow)).summary == git.SHALLOW


def signed_repo(repo: GitRepo, good: Path, other: Path) -> dict[str, str]:
    repo.commit({"keys/allowed_signers": allowed_signers(("alice@example.com", good))}, "signers")
    repo.tag("v1.0")
    return {
        "good": repo.commit_signed({"rl/reward/a.py": "a\n"}, "Good", good, trailers={"Reviewed-by": BOB}),
        "unsigned": repo.commit({"rl/reward/b.py": "b\n"}, "Unsigned", trailers={"Reviewed-by": BOB}),
        "other": repo.commit_signed({"rl/reward/c.py": "c\n"}, "Other key", other, trailers={"Reviewed-by": BOB}),
    }


def test_trailers_signed_needs_a_good_signature_by_an_allowed_key(git_repo, keys: tuple[Path, Path]) -> None:
    repo = git_repo()
    shas = signed_repo(repo, *keys)
    result = trailers(context(repo), signed=True, allowed_signers="keys/allowed_signers")
    assert result.status is Status.FAIL
    assert result.summary == (
        f"3 commits touched rl/reward/** in v1.0..{repo.head[:12]}: "
        "2 without a good signature by a key in keys/allowed_signers"
    )
    messages = {o.commit: o.message for o in result.observations}
    assert set(messages) == {shas["unsigned"], shas["other"]}
    assert messages[shas["unsigned"]].endswith("'Unsigned' by alice@example.com: not signed")
    other_fp = subprocess.run(
        ["ssh-keygen", "-l", "-f", f"{keys[1]}.pub"], capture_output=True, text=True, check=True
    ).stdout.split()[1]
    assert messages[shas["other"]].endswith(
        f"'Other key' by alice@example.com: signed by a key that is not in keys/allowed_signers (key {other_fp})"
    )
    assert any(r.path == "keys/allowed_signers" and r.sha256 for r in result.read)


def test_trailers_signed_passes_with_good_signatures(git_repo, keys: tuple[Path, Path]) -> None:
    repo = git_repo()
    repo.commit({"keys/allowed_signers": allowed_signers(("alice@example.com", keys[0]))}, "signers")
    repo.tag("v1.0")
    repo.commit_signed({"rl/reward/a.py": "a\n"}, "Good", keys[0], trailers={"Reviewed-by": BOB})
    result = trailers(context(repo), signed=True, allowed_signers="keys/allowed_signers")
    assert result.status is Status.PASS
    assert result.summary.endswith(
        ": all have an independent Reviewed-by, all are signed by a key in keys/allowed_signers"
    )


def test_trailers_signed_without_the_allowed_signers_file_is_an_error(git_repo) -> None:
    repo = git_repo()
    released(repo)
    repo.commit({"rl/reward/a.py": "a\n"}, "One", trailers={"Reviewed-by": BOB})
    result = trailers(context(repo), signed=True, allowed_signers="keys/allowed_signers")
    assert result.status is Status.ERROR
    assert result.summary.startswith("keys/allowed_signers is not in the release commit")


def test_signatures_without_ssh_keygen_are_an_error(git_repo, monkeypatch: pytest.MonkeyPatch) -> None:
    repo = git_repo()
    repo.commit({"keys/allowed_signers": "alice@example.com ssh-ed25519 AAAA\n"}, "signers")
    repo.tag("v1.0")
    repo.commit({"rl/reward/a.py": "a\n"}, "One", trailers={"Reviewed-by": BOB})
    monkeypatch.setattr(git.shutil, "which", lambda name: None)
    result = trailers(context(repo), signed=True, allowed_signers="keys/allowed_signers")
    assert result.status is Status.ERROR
    assert result.summary == "ssh-keygen (OpenSSH) is not installed; git needs it to verify SSH signatures"
    tag = ref(context(repo), tag="v1.0", annotated=True, signed=True, allowed_signers="keys/allowed_signers")
    assert tag.status is Status.ERROR


def test_trailers_read_a_large_range_with_a_constant_number_of_git_processes(
    git_repo, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = git_repo()
    repo.commit({".mailmap": "Alice <alice@example.com> <alice@home.example>\n"}, "start")
    repo.tag("v1.0")
    repo.bulk_commits(2000, author="alice", trailer=f"Reviewed-by: {BOB}")
    ctx = context(repo)
    calls: list[list[str]] = []

    class Counting(subprocess.Popen):  # type: ignore[type-arg]
        def __init__(self, args: list[str], *rest: Any, **kw: Any) -> None:
            calls.append(list(args))
            super().__init__(args, *rest, **kw)

    monkeypatch.setattr(subprocess, "Popen", Counting)  # subprocess.run starts its process through Popen too
    result = trailers(ctx)
    assert result.status is Status.PASS
    assert result.summary.startswith("2000 commits touched rl/reward/** in v1.0..")
    assert len(result.read) == 2001  # every commit, and .mailmap
    # The tags, the shallow check, the log and the mailmap: no second walk of the history for the `since` tag.
    assert len(calls) <= 4, [c[3:5] for c in calls]


def test_log_parses_a_commit_header_and_rejects_garbage(tmp_path: Path) -> None:
    header = b"\0".join([b"a" * 40, b"", b"s", b"A", b"a@x", b"A", b"a@x", b"A", b"a@x", b"A", b"a@x"])
    commits = gitrepo._parse_log(header + b'\0Reviewed-by:Bob <b@x>\0\n\n"d/\\303\\274 \\"q\\""\nplain\n')
    assert commits[0].trailers == (("Reviewed-by", "Bob <b@x>"),)
    assert commits[0].paths == ('d/ü "q"', "plain")
    with pytest.raises(gitrepo.GitError, match="malformed commit header"):
        gitrepo._parse_log(b"nothex\0x\0\n")
    with pytest.raises(gitrepo.GitError, match="trailer"):
        gitrepo._parse_log(header + b"\0not a trailer\0\n")


def test_log_parses_the_same_whatever_the_chunks(git_repo) -> None:
    repo = git_repo()
    released(repo)
    repo.commit({"rl/reward/a.py": "a\n", 'rl/reward/ü "q".py': "q\n"}, "One", trailers={"Reviewed-by": BOB})
    repo.commit({"rl/reward/a.py": "b\n"}, "Two\n\nbody\n\nCo-authored-by: Carol <carol@example.com>")
    repo.commit({"docs/x.md": "x\n"}, "Docs")
    for names in (True, False):
        args = [*gitrepo._SETTINGS, "log", *(["--name-only"] if names else []), "--format=" + gitrepo._LOG_FORMAT]
        out = gitrepo.run(repo.path, [*args, "HEAD", "^v1.0", "--", "rl/"])
        whole = gitrepo._parse_log(out)
        assert [c.subject for c in whole] == ["Two", "One"]
        assert whole[1].paths == (("rl/reward/a.py", 'rl/reward/ü "q".py') if names else ())
        handed: list[gitrepo.LogCommit] = []
        parser = gitrepo._LogParser(handed.extend)
        for i in range(0, len(out), 7):
            parser.feed(out[i : i + 7])
        assert parser.close() == whole
        assert handed == whole  # every commit handed on exactly once


def test_streaming_git_failures_and_consumer_errors(git_repo) -> None:
    repo = git_repo()
    released(repo)
    missing = "0" * 40
    with pytest.raises(gitrepo.GitError, match=f"^git log --no-walk failed: fatal: bad object {missing}$"):
        gitrepo.run_streaming(repo.path, ["log", "--no-walk", missing, "--"], lambda chunk: None)

    def refuse(chunk: bytes) -> None:
        raise ValueError("stop")

    with pytest.raises(ValueError, match="stop"):
        gitrepo.run_streaming(repo.path, ["log", "--format=%H"], refuse)


def test_in_history_of(git_repo) -> None:
    repo = git_repo()
    start = released(repo)
    main = repo.commit({"a.md": "a\n"}, "Main")
    repo.checkout("side", create_at=start)
    side = repo.commit({"b.md": "b\n"}, "Side")
    assert gitrepo.in_history_of(repo.path, start, [main])
    assert gitrepo.in_history_of(repo.path, main, [side, main])
    assert not gitrepo.in_history_of(repo.path, main, [side])
    assert not gitrepo.in_history_of(repo.path, main, [start])


# --- git.authors_disjoint -----------------------------------------------------------------------------------------

GROUP = "# graders\ndave@example.com\nErin <Erin@Example.com>  # contractor\n"


def test_authors_disjoint_pass_when_no_group_member_authored(git_repo) -> None:
    repo = git_repo()
    repo.commit({"teams/graders.txt": GROUP}, "group")
    repo.tag("v1.0")
    sha = repo.commit({"rl/reward/a.py": "a\n"}, "Reward", author="bob")
    result = disjoint(context(repo))
    assert result.status is Status.PASS
    assert result.summary == (
        f"1 commit touched rl/reward/** in v1.0..{sha[:12]}; none by the 2 emails in teams/graders.txt"
    )
    assert Read(commit=sha) in result.read


def test_authors_disjoint_fail_lists_commits_by_group_members(git_repo) -> None:
    repo = git_repo()
    repo.commit({"teams/graders.txt": GROUP}, "group")
    repo.tag("v1.0")
    by_dave = repo.commit({"rl/reward/a.py": "a\n"}, "Reward by grader", author="dave")
    co = repo.commit(
        {"rl/reward/b.py": "b\n"}, "Pairing", author="bob", trailers={"Co-authored-by": "Erin <erin@example.com>"}
    )
    repo.commit({"rl/reward/c.py": "c\n"}, "Clean", author="carol")
    result = disjoint(context(repo))
    assert result.status is Status.FAIL
    assert (
        result.summary == f"3 commits touched rl/reward/** in v1.0..{repo.head[:12]}: 2 by members of teams/graders.txt"
    )
    assert (
        [(o.commit, o.message) for o in result.observations]
        == [  # newest first, as git log lists them
            (co, f"commit {co[:12]} 'Pairing' by bob@example.com: co-author erin@example.com is in teams/graders.txt"),
            (
                by_dave,
                f"commit {by_dave[:12]} 'Reward by grader' by dave@example.com: author dave@example.com is in "
                "teams/graders.txt",
            ),
        ]
    )


def test_authors_disjoint_sees_through_mailmap(git_repo) -> None:
    repo = git_repo()
    mailmap = "Dave <dave@example.com> <dave-laptop@example.com>\n"
    repo.commit({"teams/graders.txt": GROUP, ".mailmap": mailmap}, "group")
    repo.tag("v1.0")
    sha = repo.commit({"rl/reward/a.py": "a\n"}, "Sneaky", author="dave-laptop")
    result = disjoint(context(repo))
    assert result.status is Status.FAIL
    assert result.observations[0].message == (
        f"commit {sha[:12]} 'Sneaky' by dave@example.com: author dave@example.com is in teams/graders.txt"
    )
    assert disjoint(context(repo), mailmap=False).status is Status.PASS


def test_authors_disjoint_missing_group_file_is_an_error(git_repo) -> None:
    repo = git_repo()
    released(repo)
    result = disjoint(context(repo))
    assert result.status is Status.ERROR
    assert result.summary.startswith("teams/graders.txt is not in the release commit")


def test_authors_disjoint_empty_group_file_is_an_error(git_repo) -> None:
    repo = git_repo()
    repo.commit({"teams/graders.txt": "# nobody yet\n\n"}, "group")
    repo.tag("v1.0")
    result = disjoint(context(repo))
    assert result.status is Status.ERROR
    assert result.summary == "teams/graders.txt lists no emails; an empty group proves nothing"


def test_authors_disjoint_malformed_group_line_is_an_error(git_repo) -> None:
    repo = git_repo()
    repo.commit({"teams/graders.txt": "dave@example.com\nerin\n"}, "group")
    repo.tag("v1.0")
    result = disjoint(context(repo))
    assert result.status is Status.ERROR
    assert result.summary == "teams/graders.txt:2: 'erin' is not an email address"


def test_authors_disjoint_shallow_clone_is_an_error(git_repo, tmp_path: Path) -> None:
    repo = git_repo()
    repo.commit({"teams/graders.txt": GROUP}, "group")
    repo.tag("v1.0")
    shallow = clone(repo, tmp_path / "shallow", depth=1)
    assert disjoint(context(shallow)).summary == git.SHALLOW


# --- git.ref ------------------------------------------------------------------------------------------------------


def test_ref_pass_for_a_signed_annotated_tag_at_the_release_commit(git_repo, keys: tuple[Path, Path]) -> None:
    repo = git_repo()
    release = repo.commit({"keys/allowed_signers": allowed_signers(("alice@example.com", keys[0]))}, "release")
    repo.annotated_tag("v1.3", key=keys[0])
    result = ref(
        context(repo), tag="v1.3", annotated=True, signed=True, allowed_signers="keys/allowed_signers", clean=True
    )
    assert result.status is Status.PASS
    assert result.summary == (
        f"tag 'v1.3' exists, is annotated, is signed by a key in keys/allowed_signers, is at the release commit "
        f"{release[:12]}; the work tree is clean"
    )
    assert Read(commit=release) in result.read
    assert result.observations[0].failing is False
    assert result.observations[0].message.startswith("annotated tag 'v1.3' (tag object ")


def test_ref_missing_tag_fails(git_repo) -> None:
    repo = git_repo()
    repo.commit({"a": "1"})
    result = ref(context(repo), tag="v1.3")
    assert result.status is Status.FAIL
    assert result.summary == "tag 'v1.3' does not exist"
    assert result.fix == "tag the release commit as required (git tag -a v1.3 <release commit>)"


def test_ref_lightweight_tag_fails_when_annotated_is_required(git_repo) -> None:
    repo = git_repo()
    repo.commit({"a": "1"})
    repo.tag("v1.3")
    result = ref(context(repo), tag="v1.3", annotated=True)
    assert result.status is Status.FAIL
    assert result.summary == "tag 'v1.3' is lightweight, not annotated"
    assert ref(context(repo), tag="v1.3").status is Status.PASS


def test_ref_tag_elsewhere_fails_at_release_commit(git_repo) -> None:
    repo = git_repo()
    old = repo.commit({"a": "1"})
    repo.tag("v1.3")
    release = repo.commit({"a": "2"})
    result = ref(context(repo), tag="v1.3")
    assert result.status is Status.FAIL
    assert result.summary == f"tag 'v1.3' names commit {old[:12]}, not the release commit {release[:12]}"
    assert ref(context(repo), tag="v1.3", at_release_commit=False).status is Status.PASS


def test_ref_signature_by_an_unlisted_key_or_none_fails(git_repo, keys: tuple[Path, Path]) -> None:
    repo = git_repo()
    repo.commit({"keys/allowed_signers": allowed_signers(("alice@example.com", keys[0]))}, "release")
    repo.annotated_tag("v1.3", key=keys[1])
    repo.annotated_tag("v1.3-unsigned")
    fields = {"annotated": True, "signed": True, "allowed_signers": "keys/allowed_signers"}
    result = ref(context(repo), tag="v1.3", **fields)
    assert result.status is Status.FAIL
    assert result.summary == (
        "tag 'v1.3' has no good signature by a key in keys/allowed_signers (git: No principal matched.)"
    )
    unsigned = ref(context(repo), tag="v1.3-unsigned", **fields)
    assert unsigned.summary == (
        "tag 'v1.3-unsigned' has no good signature by a key in keys/allowed_signers (git: error: no signature found)"
    )


def test_ref_signed_without_the_allowed_signers_file_is_an_error(git_repo) -> None:
    repo = git_repo()
    repo.commit({"a": "1"})
    repo.annotated_tag("v1.3")
    result = ref(context(repo), tag="v1.3", annotated=True, signed=True, allowed_signers="keys/allowed_signers")
    assert result.status is Status.ERROR
    assert result.summary.startswith("keys/allowed_signers is not in the release commit")


def test_ref_release_placeholder(git_repo) -> None:
    repo = git_repo()
    repo.commit({"a": "1"})
    repo.tag("release/r7")
    ctx = context(repo)
    ctx.release = "r7"
    assert ref(ctx, tag="release/{release}").summary == (
        f"tag 'release/r7' exists, is at the release commit {repo.head[:12]}"
    )
    ctx.release = None
    result = ref(ctx, tag="release/{release}")
    assert result.status is Status.ERROR
    assert result.summary == "tag 'release/{release}' uses {release} but no release id was given"


def test_ref_clean_fails_on_changed_tracked_files_but_not_signoffs(git_repo) -> None:
    repo = git_repo()
    repo.commit({"a.txt": "1", ".gate/signoffs/r1/x.json": "{}"})
    repo.tag("v1.3")
    repo.write({".gate/signoffs/r1/x.json": '{"changed": 1}', "untracked.txt": "u"})
    assert ref(context(repo), tag="v1.3", clean=True).status is Status.PASS
    repo.write({"a.txt": "2"})
    result = ref(context(repo), tag="v1.3", clean=True)
    assert result.status is Status.FAIL
    assert result.summary == "1 tracked file changed in the work tree"
    assert result.observations[-1] == Observation(
        message="changed in the work tree, not committed", path="a.txt", root="repo"
    )


# --- git.file -----------------------------------------------------------------------------------------------------


def test_file_exists_at_the_release_commit(git_repo) -> None:
    repo = git_repo()
    sha = repo.commit({"rl/debug.py": "x\n"})
    result = file(context(repo), path="rl/debug.py")
    assert result.status is Status.PASS
    assert result.summary == f"rl/debug.py is a file at the release commit {sha[:12]}"
    assert result.read == [Read(commit=sha)]


def test_file_exists_fails_when_absent_or_not_a_file(git_repo) -> None:
    repo = git_repo()
    sha = repo.commit({"rl/envs/a.yaml": "x\n"})
    result = file(context(repo), path="rl/debug.py")
    assert result.status is Status.FAIL
    assert result.summary == f"rl/debug.py is absent at the release commit {sha[:12]}"
    assert result.observations[0].path == "rl/debug.py"
    assert file(context(repo), path="rl/envs").summary == (
        f"rl/envs is a folder at the release commit {sha[:12]}, not a file"
    )


def test_file_absent(git_repo) -> None:
    repo = git_repo()
    sha = repo.commit({"rl/debug.py": "x\n"})
    result = file(context(repo), path="rl/debug.py", state="absent")
    assert result.status is Status.FAIL
    assert result.summary == f"rl/debug.py is a file at the release commit {sha[:12]}; it must be absent"
    assert result.fix == "remove rl/debug.py (git rm) and commit"
    assert file(context(repo), path="rl/other.py", state="absent").status is Status.PASS
    assert file(context(repo), path="rl", state="absent").status is Status.FAIL  # a folder is there


def test_file_at_a_ref(git_repo) -> None:
    repo = git_repo()
    old = repo.commit({"rl/debug.py": "x\n"})
    repo.tag("v1.0")
    repo.commit({"rl/debug.py": None})
    assert (
        file(context(repo), path="rl/debug.py", ref="v1.0").summary == f"rl/debug.py is a file at 'v1.0' ({old[:12]})"
    )
    assert file(context(repo), path="rl/debug.py").status is Status.FAIL


def test_file_ref_that_does_not_resolve_is_an_error(git_repo) -> None:
    repo = git_repo()
    repo.commit({"rl/debug.py": "x\n"})
    result = file(context(repo), path="rl/debug.py", ref="v9")
    assert result.status is Status.ERROR
    assert result.summary == "ref 'v9' does not name a commit in this clone"


# --- git.codeowners -----------------------------------------------------------------------------------------------

CODEOWNERS = """\
# Owners
*                 @org/everyone
rl/               @alice @org/safety
rl/reward/        @bob
rl/reward/vendored/
docs/*            @carol
"""


def test_codeowners_pass_when_every_file_has_an_owner(git_repo) -> None:
    repo = git_repo()
    repo.commit({".github/CODEOWNERS": CODEOWNERS, "rl/a.py": "a", "rl/reward/b.py": "b"})
    result = owners(context(repo))
    assert result.status is Status.PASS
    assert result.summary == "all 2 files matching rl/** have an owner in .github/CODEOWNERS"
    assert Read(path="rl/a.py", root="repo") in result.read


def test_codeowners_line_without_owners_removes_ownership(git_repo) -> None:
    repo = git_repo()
    repo.commit({"CODEOWNERS": CODEOWNERS, "rl/reward/b.py": "b", "rl/reward/vendored/x.py": "x"})
    result = owners(context(repo))
    assert result.status is Status.FAIL
    assert result.summary == "1 of 2 files matching rl/** fail CODEOWNERS: 1 without an owner"
    assert result.observations == [
        Observation(
            message="no owner in CODEOWNERS (CODEOWNERS:5 'rl/reward/vendored/' has no owners)",
            path="rl/reward/vendored/x.py",
            root="repo",
        )
    ]


def test_codeowners_unmatched_file_is_unowned(git_repo) -> None:
    repo = git_repo()
    repo.commit({"docs/CODEOWNERS": "rl/reward/ @bob\n", "rl/a.py": "a", "rl/reward/b.py": "b"})
    result = owners(context(repo))
    assert result.status is Status.FAIL
    assert result.observations == [Observation(message="no owner in docs/CODEOWNERS", path="rl/a.py", root="repo")]


def test_codeowners_github_pattern_semantics(git_repo) -> None:
    repo = git_repo()
    rules = "docs/*  @carol\n/build/logs/ @dave\n**/logs @erin\n*.js @bob\napps/ @alice\n"
    files = ["docs/a.md", "docs/deep/b.md", "build/logs/x", "src/logs/y", "web/z.js", "x/apps/q.txt"]
    repo.commit({".github/CODEOWNERS": rules, **{f: "x" for f in files}})
    result = owners(context(repo), paths=["**"])
    unowned = [o.path for o in result.observations]
    assert unowned == [".github/CODEOWNERS", "docs/deep/b.md"]  # docs/* owns direct children only


def test_codeowners_rule_matching() -> None:
    rules = git._codeowners("*  @all\n/docs/* @carol\nsrc/**/test_* @qa\n", "CODEOWNERS")

    def owner(path: str) -> tuple[str, ...]:
        return next(r.owners for r in reversed(rules) if r.matches(path))

    assert owner("README") == ("@all",)
    assert owner("docs/a.md") == ("@carol",)
    assert owner("docs/x/a.md") == ("@all",)
    assert owner("src/a/b/test_x.py") == ("@qa",)
    assert owner("src/test_x.py") == ("@qa",)


def test_codeowners_required_owners(git_repo) -> None:
    repo = git_repo()
    repo.commit({".github/CODEOWNERS": CODEOWNERS, "rl/a.py": "a", "rl/reward/b.py": "b"})
    result = owners(context(repo), owners=["@org/safety"])
    assert result.status is Status.FAIL
    assert result.summary == "1 of 2 files matching rl/** fail .github/CODEOWNERS: 1 not owned by @org/safety"
    assert result.observations[0] == Observation(
        message="owned by @bob (.github/CODEOWNERS:4), not by any of @org/safety", path="rl/reward/b.py", root="repo"
    )
    assert owners(context(repo), owners=["@org/safety", "@BOB"]).status is Status.PASS


def reviews(*pairs: tuple[str, str]) -> list[dict[str, Any]]:
    return [{"id": i, "user": {"login": login}, "state": state} for i, (login, state) in enumerate(pairs)]


def test_codeowners_approvals_by_an_owner(git_repo, tmp_path: Path) -> None:
    repo = git_repo()
    sha = repo.commit({".github/CODEOWNERS": "rl/ @bob @carol\n", "rl/a.py": "a"})
    arts = make_artifacts(tmp_path / "out", {"pr/reviews.json": json.dumps(reviews(("Carol", "APPROVED")))}, commit=sha)
    result = owners(context(repo, arts), approvals="pr/reviews.json")
    assert result.status is Status.PASS
    assert result.summary == (
        "all 1 file matching rl/** have an owner in .github/CODEOWNERS, and an owner approved each (pr/reviews.json)"
    )
    assert any(r.root == "artifacts" and r.path == "pr/reviews.json" for r in result.read)


def test_codeowners_approvals_fail_without_an_owner_approval(git_repo, tmp_path: Path) -> None:
    repo = git_repo()
    sha = repo.commit({".github/CODEOWNERS": "rl/ @bob\n", "rl/a.py": "a"})
    data = reviews(("bob", "APPROVED"), ("dave", "APPROVED"), ("bob", "CHANGES_REQUESTED"), ("bob", "COMMENTED"))
    arts = make_artifacts(tmp_path / "out", {"reviews.json": json.dumps({"reviews": data})}, commit=sha)
    result = owners(context(repo, arts), approvals="reviews.json")
    assert result.status is Status.FAIL
    assert result.summary == "1 of 1 file matching rl/** fail .github/CODEOWNERS: 1 without an owner's approval"
    assert result.observations[0].message == (
        "no owner approved: owners @bob (.github/CODEOWNERS:1); approved by @dave"
    )


def test_codeowners_team_owners_need_a_teams_map(git_repo, tmp_path: Path) -> None:
    repo = git_repo()
    sha = repo.commit({".github/CODEOWNERS": "rl/ @org/safety\n", "rl/a.py": "a"})
    with_teams = {"reviews": reviews(("erin", "APPROVED")), "teams": {"@org/safety": ["Erin"]}}
    arts = make_artifacts(
        tmp_path / "out",
        {"teams.json": json.dumps(with_teams), "plain.json": json.dumps(reviews(("erin", "APPROVED")))},
        commit=sha,
    )
    assert owners(context(repo, arts), approvals="teams.json").status is Status.PASS
    result = owners(context(repo, arts), approvals="plain.json")
    assert result.status is Status.ERROR
    assert result.summary == (
        "cannot tell whether @org/safety (an owner of rl/a.py) approved: team membership and email owners cannot be "
        "resolved offline"
    )


def test_codeowners_malformed_approvals_are_an_error(git_repo, tmp_path: Path) -> None:
    repo = git_repo()
    sha = repo.commit({".github/CODEOWNERS": "rl/ @bob\n", "rl/a.py": "a"})
    arts = make_artifacts(
        tmp_path / "out", {"bad.json": "{not json", "shape.json": json.dumps([{"state": "APPROVED"}])}, commit=sha
    )
    assert owners(context(repo, arts), approvals="bad.json").summary.startswith("bad.json is not valid JSON")
    assert owners(context(repo, arts), approvals="shape.json").summary == (
        "shape.json: reviews[0] needs 'user.login' and 'state'"
    )


def test_codeowners_missing_file_is_an_error(git_repo) -> None:
    repo = git_repo()
    repo.commit({"rl/a.py": "a"})
    result = owners(context(repo))
    assert result.status is Status.ERROR
    assert result.summary == (
        "no CODEOWNERS file at the release commit (looked for .github/CODEOWNERS, CODEOWNERS, docs/CODEOWNERS)"
    )
    assert owners(context(repo), codeowners_file="OWNERS").summary.startswith("OWNERS is not in the release commit")


def test_codeowners_github_folder_comes_first(git_repo) -> None:
    repo = git_repo()
    repo.commit({".github/CODEOWNERS": "rl/ @bob\n", "CODEOWNERS": "", "rl/a.py": "a"})
    assert owners(context(repo)).status is Status.PASS


def test_codeowners_glob_matching_nothing_is_an_error(git_repo) -> None:
    repo = git_repo()
    repo.commit({".github/CODEOWNERS": "* @bob\n", "src/a.py": "a"})
    result = owners(context(repo))
    assert result.status is Status.ERROR
    assert result.summary == f"rl/** matched no tracked file at the release commit {repo.head[:12]}"


def test_codeowners_unsupported_syntax_is_an_error(git_repo) -> None:
    repo = git_repo()
    repo.commit({".github/CODEOWNERS": "* @bob\n!rl/a.py @carol\n", "rl/a.py": "a"})
    assert owners(context(repo)).summary == (
        ".github/CODEOWNERS:2: '!rl/a.py' uses syntax CODEOWNERS does not support ('!' negation or '[ ]' ranges)"
    )
    repo.commit({".github/CODEOWNERS": "* bob\n"})
    assert owners(context(repo)).summary == (
        ".github/CODEOWNERS:1: 'bob' is not an owner (@user, @org/team or an email)"
    )
