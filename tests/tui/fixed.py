"""A fixed in-memory review for the snapshot tests: no repository, no tmp paths, no wall clock.

The checklist and the signers (public keys only) are files under tests/tui/data; the report and the
sign-off entries are built here, and the real policy judges them, so the states on screen are real.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from gate import loader, policy
from gate.ledger import Entry, EntryBody
from gate.model import item_digest
from gate.results import (
    ChecklistInfo,
    Evidence,
    ItemResult,
    Observation,
    Read,
    Report,
    Status,
    Summary,
    Verdict,
    evidence,
    evidence_digest,
    fold_status,
)
from gate.signers import parse_signers
from gate.signoff import Identity
from gate.tui.session import Options, Review

DATA = Path(__file__).parent / "data"
NOW = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
RELEASE = "v1.3"
COMMIT = "1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d"
OPTIONS = Options(release=RELEASE, checklist=Path("checklists/cot-isolation.yaml"), report=Path("report.json"))

EVIDENCE: dict[str, list[Evidence]] = {
    "grader-configs-exclude-cot": [
        evidence(
            "config",
            Status.FAIL,
            "1 of 3 files: grader.inputs contains 'reasoning'",
            [
                Observation(
                    message="grader.inputs contains 'reasoning'",
                    path="rl/envs/math.yaml",
                    root="repo",
                    line=12,
                    col=5,
                ),
                Observation(message="grader.inputs is ['prompt', 'answer']", path="rl/envs/code.yaml", failing=False),
            ],
            fix="drop 'reasoning' from grader.inputs, or get a waiver signed by safety-lead",
            read=[
                Read(path="rl/envs/math.yaml", root="repo", sha256="a" * 64),
                Read(path="rl/envs/code.yaml", root="repo", sha256="b" * 64),
                Read(path="rl/envs/chat.yaml", root="repo", sha256="c" * 64),
            ],
        )
    ],
    "reward-changes-reviewed": [
        evidence(
            "git.trailers",
            Status.PASS,
            "2 commits touched rl/reward/** in v1.2..HEAD, each with Reviewed-by from someone else",
            [
                Observation(
                    message="Reviewed-by: Bob <bob@example.com>",
                    commit="9f8e7d6c5b4a39281706f5e4d3c2b1a098f7e6d5",
                    author="alice@example.com",
                    failing=False,
                ),
                Observation(
                    message="Reviewed-by: Alice <alice@example.com>",
                    commit="0e1d2c3b4a5968778695a4b3c2d1e0f9a8b7c6d5",
                    author="dave@example.com",
                    failing=False,
                ),
            ],
            read=[
                Read(commit="9f8e7d6c5b4a39281706f5e4d3c2b1a098f7e6d5"),
                Read(commit="0e1d2c3b4a5968778695a4b3c2d1e0f9a8b7c6d5"),
            ],
            emails=["alice@example.com", "dave@example.com"],
        )
    ],
    "canaries-absent-from-training-data": [
        evidence(
            "canary",
            Status.PASS,
            "0 of 12 canaries found in 4 files (2.1 GB)",
            [Observation(message="canary checked: absent", rule="canary-03 (sha256 5e1c0a...)", failing=False)],
            read=[Read(path="data/mix/part-0.jsonl.gz", root="artifacts", sha256="d" * 64)],
        )
    ],
    "unit-tests-pass": [
        evidence(
            "junit",
            Status.PASS,
            "41 tests passed in junit/grader.xml",
            [
                Observation(
                    message="passed",
                    path="junit/grader.xml",
                    test="tests.grader.test_inputs::test_no_cot",
                    failing=False,
                )
            ],
            read=[Read(path="junit/grader.xml", root="artifacts", sha256="e" * 64)],
        )
    ],
}


def _entry(loaded: loader.LoadedChecklist, result: ItemResult, **fields: object) -> Entry:
    body = EntryBody.model_validate(
        {
            "decision": "approve",
            "release": RELEASE,
            "checklist_id": loaded.checklist.id,
            "checklist_digest": loaded.digest,
            "item": result.id,
            "item_digest": result.item_digest,
            "evidence_digest": result.evidence_digest,
            **fields,
        }
    )
    # Never verified here (the snapshot shows the policy's judgement, not a signature check).
    return Entry(body, "-----BEGIN SSH SIGNATURE-----\n-----END SSH SIGNATURE-----\n", f"{body.id}.json")


def review(*, identity: str | None = "carol") -> Review:
    """The review the snapshots show: one FAIL awaiting a waiver, one APPROVED, one STALE, one not required."""
    loaded = loader.load(DATA / "checklist.yaml")
    signers = parse_signers((DATA / "signers.yaml").read_bytes(), ".gate/signers.yaml")
    results = []
    for item in loaded.checklist.items:
        evs = EVIDENCE[item.id]
        results.append(
            ItemResult(
                id=item.id,
                title=item.title,
                severity=item.severity,
                stages=item.stages,
                status=fold_status([e.status for e in evs]),
                evidence=evs,
                evidence_digest=evidence_digest(evs),
                item_digest=item_digest(item),
                signoff=item.signoff,
                location=f"checklists/cot-isolation.yaml:{loaded.item_locations[item.id].line}:5",
            )
        )
    report = Report(
        gate_version="0.0.0",
        checklist=ChecklistInfo(
            id=loaded.checklist.id,
            version=loaded.checklist.version,
            title=loaded.checklist.title,
            digest=loaded.digest,
            path="checklists/cot-isolation.yaml",
        ),
        release=RELEASE,
        release_commit=COMMIT,
        stage=None,
        evidence_only=True,
        verdict=Verdict.BLOCKED,
        summary=Summary(items=4, passed=3, failed=1, errors=0, waived=0),
        items=results,
    )
    by_id = {r.id: r for r in results}
    entries = [
        _entry(
            loaded,
            by_id["reward-changes-reviewed"],
            signer="bob",
            key=signers.identities["bob"].keys[0].key.fingerprint,
            role="auditor",
            signed_at=datetime(2026, 3, 1, 16, 5, tzinfo=UTC),
            comment="read both reward diffs and their reviews",
        ),
        _entry(
            loaded,
            by_id["canaries-absent-from-training-data"],
            evidence_digest="0" * 64,
            signer="alice",
            key=signers.identities["alice"].keys[0].key.fingerprint,
            role="safety-lead",
            signed_at=datetime(2026, 2, 27, 11, 40, tzinfo=UTC),
            comment="canary scan of the February mix",
        ),
    ]
    judged = policy.apply(
        report, {i.id: i for i in loaded.checklist.items}, entries, signers, owner_role="safety-lead", now=NOW
    )
    who = None
    if identity is not None:
        signer = signers.identities[identity]
        who = Identity(signer, signer.keys[0], None)
    return Review(
        release=RELEASE,
        loaded=loaded,
        evidence=report,
        report=judged,
        entries=tuple(entries),
        signers=signers,
        root=None,
        commit=COMMIT,
        identity=who,
        no_key=None if identity else "no signing key: no ssh-agent key is listed in .gate/signers.yaml",
        source="from report.json",
    )
