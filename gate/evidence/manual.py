"""`manual` evidence: a repository document that people review; its sha256 is bound into the evidence digest.

The machine only checks that the document is committed, unmodified and non-empty; the verdict is a
human's (human_only). Editing the document changes the digest, so sign-offs on the old text go STALE.
"""

from __future__ import annotations

from gate.errors import EvidenceUnavailable
from gate.evidence.context import Context
from gate.model import ManualSpec
from gate.results import Evidence, Read, Status, evidence


def collect(spec: ManualSpec, ctx: Context) -> Evidence:
    """PASS (human-only) when the document is readable and non-empty; its content hash is what sign-offs bind."""
    data, sha = ctx.need_repo().read_bytes(spec.path)
    if not data.strip():
        raise EvidenceUnavailable(
            f"{spec.path} is empty; there is nothing to review",
            where=spec.path,
            hint="write the document and commit it",
        )
    summary = f"{spec.path} (sha256 {sha[:12]}): for review by the sign-off roles"
    if spec.instructions:
        # The summary is one line: the instructions are folded onto it, whitespace collapsed.
        summary += f"; check: {' '.join(spec.instructions.split())}"
    return evidence(
        spec.kind,
        Status.PASS,
        summary,
        label=spec.label,
        read=[Read(path=spec.path, root="repo", sha256=sha)],
        human_only=True,
    )
