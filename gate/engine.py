"""Checklist + Context -> Report. Nothing passes by default.

Runs each evidence entry's collector (independent collectors concurrently, results kept in checklist
order), turns EvidenceUnavailable into ERROR and any other exception into ERROR "collector crashed",
folds statuses (ERROR over FAIL over PASS; an empty AND never passes) and computes evidence digests.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
from typing import Any

from gate import __version__
from gate.errors import EvidenceUnavailable, GateError, Location
from gate.evidence import COLLECTORS
from gate.evidence.context import Context
from gate.loader import LoadedChecklist
from gate.model import Item, item_digest
from gate.results import (
    ChecklistInfo,
    Evidence,
    ItemResult,
    Observation,
    Report,
    Status,
    Summary,
    Verdict,
    evidence,
    evidence_digest,
    fold_status,
)


class SelectionError(GateError):
    """An unknown stage or an empty selection (exit 2)."""


def select_items(loaded: LoadedChecklist, stage: str | None) -> list[Item]:
    """The items a stage selects; an unknown stage or an empty selection is a usage error."""
    checklist = loaded.checklist
    if stage is not None and stage not in checklist.stages:
        declared = ", ".join(checklist.stages) or "none"
        raise SelectionError(f"unknown stage '{stage}'", where=loaded.shown, hint=f"declared stages: {declared}")
    items = checklist.items_for(stage)
    if not items:
        raise SelectionError(f"stage '{stage}' selects no items", where=loaded.shown)
    return items


def run_collector(spec: Any, ctx: Context, *, debug: bool = False) -> Evidence:
    """One evidence entry -> Evidence; never raises (except with debug)."""
    kind: str = spec.kind
    label: str | None = spec.label
    collect = COLLECTORS.get(kind)
    if collect is None:
        return evidence(kind, Status.ERROR, f"no collector for kind '{kind}'", label=label)
    try:
        result = collect(spec, ctx)
    except EvidenceUnavailable as exc:
        where = str(exc.where) if isinstance(exc.where, (str, Location)) and exc.where else None
        obs = Observation(message=exc.message, path=where)
        return evidence(kind, Status.ERROR, exc.message, [obs], label=label, fix=exc.hint or _default_fix(kind))
    except GateError as exc:
        return evidence(kind, Status.ERROR, exc.message, [Observation(message=exc.message)], label=label, fix=exc.hint)
    except Exception as exc:
        if debug:
            raise
        message = f"collector crashed: {type(exc).__name__}: {exc}"
        return evidence(
            kind,
            Status.ERROR,
            message,
            [Observation(message=message)],
            label=label,
            fix="this is a bug in gate; rerun with --debug for the traceback and report it",
        )
    if not isinstance(result, Evidence) or result.kind != kind:
        return evidence(kind, Status.ERROR, "collector returned no evidence", label=label)
    if label and not result.label:
        result = result.model_copy(update={"label": label})
    return result


def _default_fix(kind: str) -> str:
    return "make the evidence readable (see the message), then re-run `gate check`"


def evaluate(
    loaded: LoadedChecklist,
    ctx: Context,
    *,
    stage: str | None = None,
    evidence_only: bool = True,
    debug: bool = False,
    workers: int | None = None,
    checklist_path: str | None = None,
    progress: Callable[[str], None] | None = None,
) -> Report:
    """Evaluate the selected items. Sign-off clearance is applied later by the policy layer.

    `progress`, when given, is called on this thread as each evidence entry finishes, with e.g.
    `3/12 grader-configs-exclude-cot: config` (the caller decides whether and where to show it).
    """
    items = select_items(loaded, stage)
    specs = [(i, spec) for i, item in enumerate(items) for spec in item.evidence]
    results: list[list[Evidence]] = [[] for _ in items]
    pool = ThreadPoolExecutor(max_workers=workers or min(8, (os.cpu_count() or 2) + 2), thread_name_prefix="gate")
    try:
        futures: list[tuple[int, Future[Evidence]]] = [
            (i, pool.submit(run_collector, spec, ctx, debug=debug)) for i, spec in specs
        ]
        if progress is not None:
            labels = {f: f"{items[i].id}: {spec.kind}" for (i, f), (_, spec) in zip(futures, specs, strict=True)}
            for done, future in enumerate(as_completed(labels), start=1):
                progress(f"{done}/{len(labels)} {labels[future]}")
        for i, future in futures:
            results[i].append(future.result())
    finally:
        pool.shutdown(wait=True, cancel_futures=True)

    item_results = []
    for item, evs in zip(items, results, strict=True):
        item_results.append(
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
                location=str(loaded.item_locations[item.id]),
            )
        )
    summary = Summary.of(item_results)
    blocked = any(r.blocking for r in item_results)
    notes = []
    if evidence_only and any(item.signoff for item in items):
        notes.append("sign-offs were not checked (--evidence-only)")
    if not ctx.artifacts.use_manifest:
        notes.append("artifacts were not checked against gate-artifacts.json (--no-manifest)")
    cl = loaded.checklist
    return Report(
        gate_version=__version__,
        checklist=ChecklistInfo(
            id=cl.id, version=cl.version, title=cl.title, digest=loaded.digest, path=checklist_path or loaded.shown
        ),
        release=ctx.release,
        release_commit=ctx.repo.commit if ctx.repo else None,
        stage=stage,
        evidence_only=evidence_only,
        verdict=Verdict.BLOCKED if blocked else Verdict.PASSED,
        summary=summary,
        items=item_results,
        notes=notes,
    )
