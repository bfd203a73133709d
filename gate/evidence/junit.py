"""Collector for `junit` evidence: the selected test cases in JUnit XML reports ran and passed.

Reads artifacts only, streamed through the Context (one pass per file, hashed as read; reports with 200k test
cases keep memory flat) with the safe expat parser in `xmlsafe` (a DTD or entity is ERROR). Understands the
common dialects: a <testsuites> or <testsuite> root, nested suites, pytest, Maven Surefire, go-junit-report.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from fnmatch import fnmatchcase

from gate.errors import EvidenceUnavailable
from gate.evidence.context import Context, HashingReader
from gate.evidence.xmlsafe import XmlElement, iterparse
from gate.model import JunitSelect, JunitSpec
from gate.results import Evidence, Observation, Read, Status, evidence

ROOTS = ("testsuites", "testsuite")
SUITES = frozenset(ROOTS)
# A testcase's outcome is its first child of these kinds; when several appear (pytest writes a teardown <error>
# after a <failure>), the strongest wins. Surefire's flakyFailure/rerunFailure etc. are reruns, not outcomes.
OUTCOMES = {"failure": 3, "error": 2, "skipped": 1}
MESSAGE_LIMIT = 300
"""Characters of a failure message's first line kept in an observation."""
DUPLICATE_NOTES = 20
"""Duplicate test ids listed one by one; the rest are counted."""


@dataclass
class _Counts:
    selected: int = 0
    passed: int = 0
    failed: int = 0
    errors: int = 0
    skipped: int = 0


@dataclass
class _State:
    """What the collector keeps across files: counts and observations, never the parsed documents."""

    counts: _Counts = field(default_factory=_Counts)
    failing: list[Observation] = field(default_factory=list)
    notes: list[Observation] = field(default_factory=list)
    read: list[Read] = field(default_factory=list)
    total: int = 0
    track_duplicates: bool = False
    first_file: dict[int, int] = field(default_factory=dict)
    """Selected test id (64-bit blake2b, deterministic) -> index of the first file it was seen in."""
    duplicates: list[tuple[str, str, str]] = field(default_factory=list)
    duplicate_count: int = 0


def collect(spec: JunitSpec, ctx: Context) -> Evidence:
    """Merge the matched JUnit reports and judge the selected test cases (see JunitSpec)."""
    files = ctx.artifacts.match(spec.files)
    if not files:
        globs = ", ".join(f"'{g}'" for g in spec.files)
        raise EvidenceUnavailable(
            f"no artifact matches {globs}; the JUnit reports are missing",
            where=", ".join(spec.files),
            hint="make CI write the JUnit report into the artifacts folder, then run `gate artifacts record`",
        )
    state = _State(track_duplicates=len(files) > 1)
    for index, rel in enumerate(files):
        with ctx.artifacts.open(rel) as fh:
            total, selected = _read_report(fh, rel, index, files, spec, state)
            sha = fh.finish()
        state.total += total
        state.read.append(Read(path=rel, root="artifacts", sha256=sha))
        state.notes.append(
            Observation(message=f"{_cases(total)}, {selected} selected", path=rel, root="artifacts", failing=False)
        )
    return _judge(spec, state, files)


def _read_report(
    fh: HashingReader, rel: str, index: int, files: list[str], spec: JunitSpec, state: _State
) -> tuple[int, int]:
    """One pass over one report; returns (test cases, selected test cases)."""
    total = selected = 0
    suites: list[str] = []
    case: XmlElement | None = None
    outcome: XmlElement | None = None
    try:
        for event, el in iterparse(fh, rel):
            if event == "start":
                if el.depth == 0 and el.tag not in SUITES:
                    raise EvidenceUnavailable(
                        f"{rel}:{el.line}:{el.col}: root element is <{el.tag}>, not <testsuites> or <testsuite>; "
                        "not a JUnit report",
                        where=rel,
                    )
                if case is None:
                    if el.tag in SUITES:
                        suites.append(el.attrs.get("name", ""))
                    elif el.tag == "testcase":
                        case, outcome = el, None
                elif (
                    el.depth == case.depth + 1
                    and el.tag in OUTCOMES
                    and (outcome is None or OUTCOMES[el.tag] > OUTCOMES[outcome.tag])
                ):
                    outcome = el
                continue
            # end events
            if case is None:
                if el.tag in SUITES:
                    suites.pop()
            elif el is case:
                total += 1
                if _record_case(case, outcome, suites, rel, index, files, spec, state):
                    selected += 1
                case = outcome = None
    except EvidenceUnavailable:
        # A changed artifact that no longer parses is stale first: say so, the manifest names the cause.
        fh.finish()
        raise
    return total, selected


def _record_case(
    case: XmlElement,
    outcome: XmlElement | None,
    suites: list[str],
    rel: str,
    index: int,
    files: list[str],
    spec: JunitSpec,
    state: _State,
) -> bool:
    """Count one test case if it is selected; returns whether it was."""
    name = case.attrs.get("name")
    if not name:
        raise EvidenceUnavailable(f"{rel}:{case.line}:{case.col}: <testcase> without a name", where=rel)
    # Some writers omit classname; the enclosing suite's name is the closest stand-in.
    classname = case.attrs.get("classname") or (suites[-1] if suites else "")
    if not _selected(spec.select, name, classname):
        return False
    counts = state.counts
    counts.selected += 1
    test = f"{classname}::{name}"
    if state.track_duplicates:
        key = int.from_bytes(hashlib.blake2b(test.encode("utf-8", "surrogatepass"), digest_size=8).digest())
        first = state.first_file.setdefault(key, index)
        if first != index:
            state.duplicate_count += 1
            if len(state.duplicates) < DUPLICATE_NOTES:
                state.duplicates.append((test, files[first], rel))
    if outcome is None:
        counts.passed += 1
        return True
    if outcome.tag == "skipped":
        counts.skipped += 1
        if spec.allow_skipped:
            return True
        reason = _first_line(outcome)
        message = f"skipped: {reason}" if reason else "skipped"
    else:
        if outcome.tag == "failure":
            counts.failed += 1
        else:
            counts.errors += 1
        message = _first_line(outcome) or ("failed" if outcome.tag == "failure" else "error")
    state.failing.append(Observation(message=message, path=rel, root="artifacts", line=case.line, test=test))
    return True


def _selected(select: JunitSelect, name: str, classname: str) -> bool:
    """Any name pattern (or none) AND any classname pattern (or none)."""
    return (not select.name or any(fnmatchcase(name, p) for p in select.name)) and (
        not select.classname or any(fnmatchcase(classname, p) for p in select.classname)
    )


def _first_line(outcome: XmlElement) -> str:
    """The message attribute's first line, else the element text's first non-blank line, else its type."""
    for source in (outcome.attrs.get("message", ""), outcome.text, outcome.attrs.get("type", "")):
        for line in source.splitlines():
            if line.strip():
                line = line.strip()
                return line if len(line) <= MESSAGE_LIMIT else line[: MESSAGE_LIMIT - 3] + "..."
    return ""


def _judge(spec: JunitSpec, state: _State, files: list[str]) -> Evidence:
    counts = state.counts
    problems: list[str] = []
    fixes: list[str] = []
    head: list[Observation] = []
    patterns = bool(spec.select.name or spec.select.classname)
    if counts.selected < spec.min_count:
        found = (
            f"{_cases(counts.selected, verb=True)} {_selection(spec.select)}"
            if patterns
            else f"{_cases(counts.selected)} in {_plural(len(files), 'report')}"
        )
        why = "the selected tests did not run" if counts.selected == 0 else "fewer tests ran than required"
        problems.append(f"{found} (min_count {spec.min_count}): {why}")
        head.append(
            Observation(message=f"{found} (min_count {spec.min_count}); the reports hold {_cases(state.total)}: {why}")
        )
        fixes.append(
            "make CI run the selected tests and write their JUnit report where 'files' matches "
            "(check the select patterns)"
        )
    if counts.failed or counts.errors:
        fixes.append("fix the failing tests (or get a waiver), then rebuild the reports in CI")
    if counts.skipped and not spec.allow_skipped:
        fixes.append("make the skipped tests run, or set allow_skipped: true if skipping them is acceptable")

    if counts.selected == 0:
        outcome = (
            f"0 of {_cases(state.total)} match {_selection(spec.select)}"
            if patterns
            else f"0 test cases in {_plural(len(files), 'report')}"
        )
    elif counts.failed or counts.errors or (counts.skipped and not spec.allow_skipped):
        outcome = f"{_tests(counts.selected)}: " + ", ".join(_breakdown(counts))
    else:
        outcome = f"{_tests(counts.selected)} passed ({counts.skipped} skipped)"
    summary = "; ".join([*problems, outcome] if counts.selected or not problems else problems)
    if state.duplicate_count:
        summary += f"; {_plural(state.duplicate_count, 'test id')} seen in more than one report (each counted)"

    notes = [
        Observation(
            message=f"{test} is in {first} and in {later}; both are counted",
            path=later,
            root="artifacts",
            test=test,
            failing=False,
        )
        for test, first, later in state.duplicates
    ]
    if state.duplicate_count > len(state.duplicates):
        notes.append(
            Observation(
                message=f"{state.duplicate_count - len(state.duplicates)} more duplicate test ids", failing=False
            )
        )
    failing = bool(head or state.failing)
    return evidence(
        "junit",
        Status.FAIL if failing else Status.PASS,
        summary,
        [*head, *state.failing, *notes, *state.notes],
        label=spec.label,
        fix="; ".join(fixes) or None,
        read=state.read,
    )


def _breakdown(counts: _Counts) -> list[str]:
    parts = [f"{counts.passed} passed"]
    if counts.failed:
        parts.append(f"{counts.failed} failed")
    if counts.errors:
        parts.append(_plural(counts.errors, "error"))
    if counts.skipped:
        parts.append(f"{counts.skipped} skipped")
    return parts


def _selection(select: JunitSelect) -> str:
    parts = []
    for field_name, patterns in (("name", select.name), ("classname", select.classname)):
        if patterns:
            parts.append(f"{field_name} " + " or ".join(f"'{p}'" for p in patterns))
    return " and ".join(parts)


def _plural(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def _cases(n: int, *, verb: bool = False) -> str:
    if not verb:
        return _plural(n, "test case")
    return f"{n} test case matches" if n == 1 else f"{n} test cases match"


def _tests(n: int) -> str:
    return f"{n} selected test" if n == 1 else f"{n} selected tests"


__all__ = ["collect"]
