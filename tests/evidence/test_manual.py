"""`manual` evidence: a committed document people review; its digest is bound, the verdict is human."""

from __future__ import annotations

import hashlib

import pytest

from gate.engine import run_collector
from gate.model import ManualSpec
from gate.results import Evidence, Read, Status, evidence_digest
from tests.builders import GitRepo, context

CARD = "# Model card\n\nIntended use: research only.\n"
CARD_SHA = hashlib.sha256(CARD.encode()).hexdigest()


@pytest.fixture
def repo(git_repo) -> GitRepo:  # type: ignore[no-untyped-def]
    repo: GitRepo = git_repo()
    repo.commit({"docs/model-card.md": CARD, "README.md": "model\n"})
    return repo


def review(repo: GitRepo, path: str = "docs/model-card.md", instructions: str | None = None) -> Evidence:
    return run_collector(ManualSpec(kind="manual", path=path, instructions=instructions), context(repo))


def test_committed_document_passes_as_human_only_evidence(repo: GitRepo) -> None:
    result = review(repo)
    assert result.status is Status.PASS
    assert result.human_only is True
    assert result.summary == f"docs/model-card.md (sha256 {CARD_SHA[:12]}): for review by the sign-off roles"
    assert result.read == [Read(path="docs/model-card.md", root="repo", sha256=CARD_SHA)]
    assert result.observations == []


def test_instructions_are_folded_onto_the_summary_line(repo: GitRepo) -> None:
    result = review(repo, instructions="Confirm the intended-use section.\n  Check the\teval table.\n")
    assert result.summary == (
        f"docs/model-card.md (sha256 {CARD_SHA[:12]}): for review by the sign-off roles; "
        "check: Confirm the intended-use section. Check the eval table."
    )


def test_editing_the_document_changes_the_evidence_digest(repo: GitRepo) -> None:
    before = evidence_digest([review(repo)])
    repo.commit({"README.md": "unrelated\n"})
    assert evidence_digest([review(repo)]) == before  # an unrelated commit does not make sign-offs stale
    repo.commit({"docs/model-card.md": CARD + "Limitations: none known.\n"})
    assert evidence_digest([review(repo)]) != before


def test_missing_document_is_an_error(repo: GitRepo) -> None:
    result = review(repo, path="docs/risk-review.md")
    assert result.status is Status.ERROR
    assert result.summary == f"docs/risk-review.md is not in the release commit {repo.head[:12]}"
    assert result.human_only is False


def test_untracked_document_is_an_error(repo: GitRepo) -> None:
    repo.write({"docs/risk-review.md": "# Risks\n"})
    result = review(repo, path="docs/risk-review.md")
    assert result.status is Status.ERROR
    assert result.summary == "docs/risk-review.md is not committed; only committed files are evidence"


def test_modified_document_is_an_error(repo: GitRepo) -> None:
    repo.write({"docs/model-card.md": CARD + "uncommitted edit\n"})
    result = review(repo)
    assert result.status is Status.ERROR
    assert result.summary == (
        f"docs/model-card.md differs from the release commit {repo.head[:12]} (modified, staged or deleted)"
    )


@pytest.mark.parametrize("content", ["", " \n\n\t\n"], ids=["empty", "whitespace"])
def test_empty_document_is_an_error(git_repo, content: str) -> None:  # type: ignore[no-untyped-def]
    repo: GitRepo = git_repo()
    repo.commit({"docs/model-card.md": content})
    result = review(repo)
    assert result.status is Status.ERROR
    assert result.summary == "docs/model-card.md is empty; there is nothing to review"
    assert result.fix == "write the document and commit it"


def test_no_repository_is_an_error() -> None:
    result = run_collector(ManualSpec(kind="manual", path="docs/model-card.md"), context(None))
    assert result.status is Status.ERROR
    assert result.summary == "no repository given (--repo)"
