"""The Python API for launchers and notebooks: load(), check(), check_or_raise(). Returns data or raises; never prints.

Example (a training launcher, before it spends GPUs; docs/api.md has more)::

    from gate import api

    report = api.check_or_raise(stage="pre-training", evidence_only=True)  # gate.toml names the checklist
    launch_training(...)                                                     # only reached when the gate passed

`check_or_raise` raises `GateBlocked` (with the full `Report` as `.report`) unless the verdict is passed; every
other problem (a missing checklist, an invalid file, an unknown stage) is a `GateError`. Arguments left as None
take the project's defaults from gate.toml or `[tool.gate]` (gate.config).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path

from gate import config, engine, loader
from gate.errors import GateError, UsageError
from gate.evidence.context import RepoView, build_context
from gate.loader import LoadedChecklist
from gate.model import RELEASE_ID_PATTERN
from gate.results import Report, Verdict


class SignoffRequiredError(GateError):
    """Selected items need sign-off and the run was not --evidence-only."""


class GateBlocked(GateError):  # noqa: N818 - an expected condition, named for it (STYLE)
    """`check_or_raise`: the verdict is not passed. `.report` is the whole Report (what blocks, and why).

    `exit_code` is 1 when the release is blocked and 4 when only sign-offs are missing, as `gate check` exits.
    """

    def __init__(self, report: Report) -> None:
        blocking = [item.id for item in report.blocking]
        if report.verdict is Verdict.PENDING:
            what = "awaiting sign-off"
        elif blocking:
            what = f"blocked by {len(blocking)} item{'s' if len(blocking) != 1 else ''}: " + ", ".join(blocking[:5])
            what += " ..." if len(blocking) > 5 else ""
        else:  # a reject, an expired waiver or a weakening against the baseline: the report says which
            rejected = [i.id for i in report.items if i.signoff_state and i.signoff_state.status == "REJECTED"]
            what = f"blocked (rejected: {', '.join(rejected)})" if rejected else "blocked"
        super().__init__(
            f"checklist {report.checklist.id} v{report.checklist.version}: {what}",
            hint="the report says what was seen where and how to clear it: `gate check` prints it",
        )
        self.report = report
        self.exit_code = 4 if report.verdict is Verdict.PENDING else 1


def load(checklist: Path | str) -> LoadedChecklist:
    """Load and resolve a checklist; raises ProblemsError (a GateError) listing every problem."""
    return loader.load(Path(checklist))


def check(
    checklist: Path | str | None = None,
    *,
    repo: Path | str | None = ".",
    artifacts: Path | str | None = None,
    subjects: Sequence[Path | str] = (),
    release_ref: str | None = None,
    release: str | None = None,
    stage: str | None = None,
    evidence_only: bool = False,
    use_manifest: bool = True,
    allow_commands: bool = False,
    debug: bool = False,
    now: datetime | None = None,
    baseline: str | None = None,
    progress: Callable[[str], None] | None = None,
) -> Report:
    """Evaluate a checklist against a repository, its artifacts and subjects. Raises GateError on bad input.

    Without `checklist`, the project's gate is checked: gate.toml (or `[tool.gate]` in pyproject.toml) at the top
    of `repo` names the checklist, and gives `artifacts` and `stage` where they are None; no such file is a
    GateError. With a `checklist`, that file is not read.

    With `baseline` (a git ref; needs `release`), the checklist and the signers list are also compared with those
    at the baseline, and a weakening no valid retire entry covers blocks (`Report.baseline`). `progress`, when
    given, is called with a short line (e.g. `3/12 grader-configs-exclude-cot: config`) as each evidence entry is
    collected; it must not raise.
    """
    if checklist is None:
        # The project's defaults apply as a unit, and only here: `gate sign` and `gate attest` always name the
        # checklist, so a default stage can never narrow what they sign or attest.
        defaults = config.find(repo)
        if defaults.checklist is None:
            raise UsageError(
                "no checklist given, and no gate.toml (or [tool.gate] in pyproject.toml) names one",
                hint="pass --checklist PATH (checklist= in the API), or run `gate init` to write gate.toml",
            )
        checklist = defaults.checklist
        artifacts = defaults.artifacts if artifacts is None else artifacts
        stage = defaults.stage if stage is None else stage
    if release is not None and not re.fullmatch(RELEASE_ID_PATTERN, release):
        raise GateError(f"invalid release id '{release}'", hint="release ids match [A-Za-z0-9][A-Za-z0-9._-]*")
    if baseline is not None and (release is None or evidence_only):
        raise UsageError(
            "--baseline needs --release ID (and no --evidence-only)",
            hint="the owner's consent to a weakening is a retire entry bound to a release",
        )
    loaded = load(checklist)
    items = engine.select_items(loaded, stage)
    needs_signoff = [i.id for i in items if i.signoff]
    if needs_signoff and not evidence_only and release is None:
        shown = ", ".join(needs_signoff[:5]) + (" ..." if len(needs_signoff) > 5 else "")
        raise SignoffRequiredError(
            f"{len(needs_signoff)} selected item(s) need sign-off ({shown}); sign-offs are bound to a release",
            hint="pass --release ID to check the sign-offs, or --evidence-only to check the evidence alone",
        )
    ctx = build_context(
        repo=Path(repo) if repo is not None else None,
        artifacts=Path(artifacts) if artifacts is not None else None,
        subjects=[Path(s) for s in subjects],
        release_ref=release_ref,
        release=release,
        use_manifest=use_manifest,
        allow_commands=allow_commands,
        now=now,
    )
    shown = loaded.shown
    if ctx.repo is not None:
        shown = _checklist_in_repo(loaded, ctx.repo) or shown
    signoffs = release is not None and not evidence_only
    report = engine.evaluate(
        loaded, ctx, stage=stage, evidence_only=not signoffs, debug=debug, checklist_path=shown, progress=progress
    )
    if signoffs:
        from gate.signoff import evaluate_signoffs

        assert release is not None
        if ctx.repo is None:
            raise GateError(f"cannot check sign-offs without the repository: {ctx.repo_problem}")
        report, entries, signers = evaluate_signoffs(report, loaded, ctx.repo.root, ctx.repo.commit, release, ctx.now)
        if baseline is not None:
            from gate.ratchet import check_baseline

            report = check_baseline(report, loaded, ctx.repo.root, ctx.repo.commit, baseline, entries, signers)
    return report


def check_or_raise(
    checklist: Path | str | None = None,
    *,
    repo: Path | str | None = ".",
    artifacts: Path | str | None = None,
    subjects: Sequence[Path | str] = (),
    release_ref: str | None = None,
    release: str | None = None,
    stage: str | None = None,
    evidence_only: bool = False,
    use_manifest: bool = True,
    allow_commands: bool = False,
    baseline: str | None = None,
    allow_pending: bool = False,
    now: datetime | None = None,
) -> Report:
    """`check()`, then raise GateBlocked unless the verdict is passed (or, with `allow_pending`, awaiting sign-off).

    For launchers: the call returns the Report only when it is safe to go on; nothing is printed either way.
    """
    report = check(
        checklist,
        repo=repo,
        artifacts=artifacts,
        subjects=subjects,
        release_ref=release_ref,
        release=release,
        stage=stage,
        evidence_only=evidence_only,
        use_manifest=use_manifest,
        allow_commands=allow_commands,
        now=now,
        baseline=baseline,
    )
    if report.verdict is Verdict.PASSED or (allow_pending and report.verdict is Verdict.PENDING):
        return report
    raise GateBlocked(report)


def _checklist_in_repo(loaded: LoadedChecklist, view: RepoView) -> str | None:
    """A checklist inside the repository is read as of the release commit: committed and unmodified."""
    root = view.root.resolve()
    try:
        rel = loaded.path.resolve().relative_to(root).as_posix()
    except ValueError:
        return None
    for path in [loaded.path, *(Path(p) for p in loaded.includes)]:
        r = path.resolve().relative_to(root).as_posix() if path.resolve().is_relative_to(root) else None
        if r is None:
            continue
        if r not in view.tree:
            raise GateError(
                f"checklist {r} is not committed at the release commit {view.commit[:12]}",
                hint="commit the checklist: gate reads checklists as of the release commit",
            )
        if r in view.changed:
            raise GateError(
                f"checklist {r} differs from the release commit {view.commit[:12]}",
                hint="commit the change (gate reads checklists as of the release commit); "
                "use `gate lint` while editing",
            )
    return rel
