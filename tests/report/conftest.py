"""A fixed in-memory report for the format tests: PASS, FAIL, ERROR and WAIVED items, no collectors run."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from gate.model import SignoffRequirement
from gate.results import (
    ChecklistInfo,
    Evidence,
    ItemResult,
    Observation,
    Report,
    Status,
    Summary,
    Verdict,
    Waiver,
    evidence_digest,
)

RELEASE_COMMIT = "1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b"
CANARY_MESSAGE = "canary canary-07 (sha256 3f2a9c1e) occurs in the reward log"


def item(
    id: str,
    title: str,
    severity: str,
    status: Status,
    evidence: list[Evidence],
    *,
    line: int,
    waiver: Waiver | None = None,
) -> ItemResult:
    return ItemResult.model_validate(
        {
            "id": id,
            "title": title,
            "severity": severity,
            "stages": None,
            "status": status,
            "evidence": evidence,
            "evidence_digest": evidence_digest(evidence),
            "item_digest": "0" * 64,
            "signoff": [SignoffRequirement(role="safety-lead")],
            "location": f"checklists/cot-isolation.yaml:{line}:5",
            "waiver": waiver,
        }
    )


def make_report(items: list[ItemResult], *, verdict: Verdict | None = None, notes: list[str] | None = None) -> Report:
    """A report over `items` with the summary counted from them."""
    summary = Summary(
        items=len(items),
        passed=sum(i.status is Status.PASS for i in items),
        failed=sum(i.status is Status.FAIL for i in items),
        errors=sum(i.status is Status.ERROR for i in items),
        waived=sum(i.status is Status.WAIVED for i in items),
    )
    if verdict is None:
        verdict = Verdict.BLOCKED if any(i.blocking for i in items) else Verdict.PASSED
    return Report(
        gate_version="0.1.0",
        checklist=ChecklistInfo(
            id="cot-isolation",
            version=3,
            title="Chain-of-thought isolation",
            digest="f" * 64,
            path="checklists/cot-isolation.yaml",
        ),
        release="v1.3.0",
        release_commit=RELEASE_COMMIT,
        stage="pre-release",
        evidence_only=True,
        verdict=verdict,
        summary=summary,
        items=items,
        notes=["sign-offs were not checked (--evidence-only)"] if notes is None else notes,
    )


def sample_items() -> list[ItemResult]:
    """Six items in checklist order: PASS, FAIL (no path), FAIL (blocker), ERROR (minor), WAIVED, PASS."""
    return [
        item(
            "release-tag-signed",
            "The release tag is annotated and signed",
            "major",
            Status.PASS,
            [Evidence(kind="git.ref", status=Status.PASS, summary="tag v1.3.0 is annotated and signed by release-bot")],
            line=10,
        ),
        item(
            "reward-code-reviewed",
            "Every reward change is reviewed",
            "major",
            Status.FAIL,
            [
                Evidence(
                    kind="git.trailers",
                    status=Status.FAIL,
                    summary="1 of 3 commits touching rl/reward/** in v1.2.0..1a2b3c4d5e6f lacks Reviewed-by",
                    observations=[
                        Observation(
                            message="no Reviewed-by trailer (author mallory@example.com)",
                            commit="0123456789abcdef0123456789abcdef01234567",
                            author="mallory@example.com",
                        ),
                        Observation(
                            message="Reviewed-by: bob@example.com",
                            commit="89abcdef0123456789abcdef0123456789abcdef",
                            failing=False,
                        ),
                    ],
                    fix="get the commit reviewed and add a Reviewed-by trailer, or revert it",
                )
            ],
            line=20,
        ),
        item(
            "grader-configs-exclude-cot",
            "No RL grader receives the reasoning trace",
            "blocker",
            Status.FAIL,
            [
                Evidence(
                    kind="config",
                    status=Status.FAIL,
                    summary="grader.inputs contains 'reasoning' in 5 of 40 files",
                    observations=[
                        Observation(
                            message="grader.inputs contains 'reasoning'",
                            path="rl/envs/math.yaml",
                            root="repo",
                            line=12,
                            col=5,
                            pointer="/grader/inputs/2",
                        ),
                        Observation(
                            message="grader.inputs contains 'reasoning'",
                            path="rl/envs/code, v2.yaml",
                            root="repo",
                            line=7,
                        ),
                    ],
                    omitted=3,
                    fix="drop 'reasoning' from grader.inputs, or get a waiver signed by safety-lead",
                )
            ],
            line=30,
        ),
        item(
            "cot-tests-pass",
            "The CoT isolation tests pass",
            "minor",
            Status.ERROR,
            [
                Evidence(
                    kind="junit",
                    status=Status.ERROR,
                    summary="stale artifact: junit/results.xml",
                    observations=[
                        Observation(
                            message="built from commit 9f8e7d6c5b4a, not the release commit",
                            path="junit/results.xml",
                            root="artifacts",
                        )
                    ],
                    fix="re-run `gate artifacts record` in CI for the release commit",
                ),
                Evidence(
                    kind="junit",
                    status=Status.FAIL,
                    summary="1 of 12 selected tests failed",
                    observations=[
                        Observation(
                            message="tests.test_grader::test_grader_is_blind failed: AssertionError",
                            path="junit/results.xml",
                            root="artifacts",
                            line=41,
                            test="tests.test_grader::test_grader_is_blind",
                        )
                    ],
                    fix="fix the failing test",
                ),
            ],
            line=40,
        ),
        item(
            "no-cot-in-reward-logs",
            "No canary reaches the reward logs",
            "major",
            Status.WAIVED,
            [
                Evidence(
                    kind="canary",
                    status=Status.FAIL,
                    summary="1 of 8 canaries found in logs/reward.jsonl.gz",
                    observations=[
                        Observation(
                            message=CANARY_MESSAGE,
                            path="logs/reward.jsonl.gz",
                            root="artifacts",
                            line=3,
                            rule="canary-07",
                        )
                    ],
                    fix="find how the trace reached the reward log",
                )
            ],
            line=50,
            waiver=Waiver(
                by="alice",
                role="safety-lead",
                justification="debug logging only; the grader never reads this log",
                expires=datetime(2026, 5, 15, tzinfo=UTC),
            ),
        ),
        item(
            "design-doc-reviewed",
            "The isolation design doc is reviewed",
            "minor",
            Status.PASS,
            [Evidence(kind="manual", status=Status.PASS, summary="docs/cot-isolation.md", human_only=True)],
            line=60,
        ),
    ]


@pytest.fixture
def report() -> Report:
    """The fixed sample report: BLOCKED, 2 of 6 items fail, 1 error, 1 waived."""
    return make_report(sample_items())


@pytest.fixture
def passed_report() -> Report:
    """Every item passes."""
    items = [i for i in sample_items() if i.status is Status.PASS]
    return make_report(items, notes=[])
