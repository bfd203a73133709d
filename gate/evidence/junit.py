"""Collector for `junit` evidence: the selected test cases in JUnit XML reports ran and passed.

Reads artifacts only, streamed through the Context (hashed as read; 200k test cases in flat memory) with the
safe readers in `xmlsafe` (a DTD or entity is ERROR): libxml2's, a batch of finished test cases at a time (issue
10), or, where that one cannot answer exactly (malformed XML, UTF-16, a test case without a name), expat's, whose
findings and errors are the reference. Understands the common dialects: a <testsuites> or <testsuite> root,
nested suites, pytest, Maven Surefire, go-junit-report.
"""

from __future__ import annotations

import fnmatch
import hashlib
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from itertools import islice
from typing import TYPE_CHECKING, NamedTuple

from gate.errors import EvidenceUnavailable
from gate.evidence.context import Context, HashingReader
from gate.evidence.xmlsafe import (
    TEXT_LIMIT,
    NotFast,
    TagLines,
    XmlElement,
    iter_complete,
    iterparse,
    qname,
    sourceline,
    start_lines,
)
from gate.model import JunitSelect, JunitSpec
from gate.results import Evidence, Observation, Read, Status, evidence

if TYPE_CHECKING:
    from lxml import etree

ROOTS = ("testsuites", "testsuite")
SUITES = frozenset(ROOTS)
CASE = "testcase"
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
    selects: Callable[[str, str], bool] | None = None
    """Whether a test case (name, classname) is selected; None when every one is (see `_selector`)."""


@dataclass
class _Tally:
    """One report's share, added to the _State only once the report is read (a fast read that gives up leaves
    no trace but its entries in `first_file`, which `_forget` removes)."""

    counts: _Counts = field(default_factory=_Counts)
    total: int = 0
    failing: list[Observation] = field(default_factory=list)
    found: list[tuple[int, str, str, int | None]] = field(default_factory=list)
    """The fast reader's findings: (test case ordinal, message, test id, line or None until `start_lines`)."""
    duplicates: list[tuple[str, str, str]] = field(default_factory=list)
    duplicate_count: int = 0


class _Outcome(NamedTuple):
    tag: str
    message: str
    text: str
    type: str


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
    state = _State(track_duplicates=len(files) > 1, selects=_selector(spec.select))
    for index, rel in enumerate(files):
        tally, sha = _read(ctx, rel, index, files, spec, state)
        counts = state.counts
        for name in ("selected", "passed", "failed", "errors", "skipped"):
            setattr(counts, name, getattr(counts, name) + getattr(tally.counts, name))
        state.total += tally.total
        state.failing += tally.failing
        state.duplicates += tally.duplicates
        state.duplicate_count += tally.duplicate_count
        state.read.append(Read(path=rel, root="artifacts", sha256=sha))
        state.notes.append(
            Observation(
                message=f"{_cases(tally.total)}, {tally.counts.selected} selected",
                path=rel,
                root="artifacts",
                failing=False,
            )
        )
    return _judge(spec, state, files)


def _read(ctx: Context, rel: str, index: int, files: list[str], spec: JunitSpec, state: _State) -> tuple[_Tally, str]:
    """One report: the fast reader (and a second pass for the lines it could not give), else expat's reader."""
    tally: _Tally | None
    with ctx.artifacts.open(rel) as fh:
        try:
            tally = _read_fast(fh, rel, index, files, spec, state)
        except NotFast:
            tally = None
        except EvidenceUnavailable:
            # A changed artifact that no longer parses is stale first: say so, the manifest names the cause.
            fh.finish()
            raise
        sha = fh.finish()  # stale before anything else, and before a second read
    if tally is not None and tally.found:
        try:
            lines = [line for _, _, _, line in tally.found if line is not None]
            if len(lines) < len(tally.found):  # a finding whose bytes were no longer at hand: read again for it
                lines = _second_pass(ctx, rel, sha, [(o, line) for o, _, _, line in tally.found])
        except NotFast:
            tally = None
        else:
            tally.failing = [
                Observation(message=message, path=rel, root="artifacts", line=line, test=test)
                for line, (_, message, test, _) in zip(lines, tally.found, strict=True)
            ]
    if tally is None:
        _forget(state, index)
        with ctx.artifacts.open(rel) as fh:
            tally = _read_exact(fh, rel, index, files, spec, state)
            sha = fh.finish()
    return tally, sha


def _second_pass(ctx: Context, rel: str, sha: str, found: list[tuple[int, int | None]]) -> list[int]:
    """The lines of the fast reader's findings (ordinal, line or None), those it could not give read again."""
    with ctx.artifacts.open(rel) as again:
        missing = start_lines(again, CASE, [ordinal for ordinal, line in found if line is None])
        if again.finish() != sha:  # changed between the two reads (without a manifest to say so)
            raise NotFast
    fill = iter(missing)
    return [next(fill) if line is None else line for _, line in found]


def _forget(state: _State, index: int) -> None:
    """Drop the test ids a fast read that gave up recorded for file `index`: the second read records them."""
    if state.track_duplicates:
        state.first_file = {key: first for key, first in state.first_file.items() if first != index}


def _read_fast(fh: HashingReader, rel: str, index: int, files: list[str], spec: JunitSpec, state: _State) -> _Tally:
    """One pass with libxml2 over one report. Raises NotFast where only expat's reader can say exactly what is
    wrong (or right): the caller then reads the report again with `_read_exact`."""
    walk = _Walk(rel, index, files, spec, state)
    for path, count in iter_complete(fh, rel, roots=SUITES, opaque=CASE, lines=walk.lines):
        suite = next((e.get("name", "") for e in reversed(path) if qname(e) in SUITES), "")
        walk.children(islice(path[-1], count), suite)
    return walk.tally


class _Walk:
    """The fast reader's visit of finished subtrees, in document order (the batches of `iter_complete`)."""

    def __init__(self, rel: str, index: int, files: list[str], spec: JunitSpec, state: _State) -> None:
        self.rel = rel
        self.index = index
        self.files = files
        self.spec = spec
        self.state = state
        self.tally = _Tally()
        self.lines = TagLines(CASE)
        self.ordinal = 0
        """Elements whose tag begins 'testcase' (nested ones too) before the next one, as start_lines counts them."""

    def children(self, elements: Iterable[etree._Element], suite: str) -> None:
        """Visit finished sibling elements; `suite` is the name of the innermost suite around them."""
        # A test case without children passes if it is selected: the common case, kept in these loops (issue 10).
        state = self.state
        selects = state.selects
        passed = total = 0
        ordinal = self.ordinal
        if selects is None and not state.track_duplicates:
            for element in elements:
                if element.tag == CASE and not len(element) and element.get("name"):
                    passed += 1
                else:  # something else, or a test case without a name (expat's reader names its place)
                    self.ordinal = ordinal + passed
                    self.visit(element, suite)
                    ordinal = self.ordinal - passed
            total = passed
        else:
            for element in elements:
                if element.tag != CASE or len(element):
                    self.ordinal = ordinal + total
                    self.visit(element, suite)
                    ordinal = self.ordinal - total
                    continue
                name = element.get("name")
                if not name:
                    raise NotFast  # expat's reader names the line and column
                total += 1
                classname = element.get("classname") or suite
                if selects is not None and not selects(name, classname):
                    continue
                passed += 1
                if state.track_duplicates:
                    _track(f"{classname}::{name}", self.rel, self.index, self.files, state, self.tally)
        self.ordinal = ordinal + total
        counts = self.tally.counts
        self.tally.total += total
        counts.selected += passed
        counts.passed += passed

    def visit(self, element: etree._Element, suite: str) -> None:
        """One finished element: a test case, or something whose children may hold test cases."""
        tag = qname(element)
        if tag != CASE:
            if tag.startswith(CASE):  # e.g. <testcases>: start_lines counts it
                self.ordinal += 1
            self.children(element, element.get("name", "") if tag in SUITES else suite)
            return
        here = self.ordinal
        self.ordinal += 1
        outcome = None
        if len(element):
            # What a test case holds is no test case, but start_lines counts the tags that begin '<testcase'.
            self.ordinal += sum(1 for inner in element.iterdescendants() if qname(inner).startswith(CASE))
            outcome = _fast_outcome(element)
        name = element.get("name")
        if not name:
            raise NotFast  # expat's reader names the line and column
        classname = element.get("classname") or suite
        found = _record_case(
            name, classname, outcome, self.rel, self.index, self.files, self.spec, self.state, self.tally
        )
        if found is not None:
            end = sourceline(element)
            line = None if end is None else self.lines.line(here, end)
            self.tally.found.append((here, *found, line))


def _fast_outcome(case: etree._Element) -> _Outcome | None:
    """The strongest outcome among a finished test case's children (the first of its kind), as _Outcome."""
    best: etree._Element | None = None
    rank = 0
    for child in case:
        kind = OUTCOMES.get(qname(child), 0)
        if kind > rank:
            best, rank = child, kind
    if best is None:
        return None
    # The element's own text, as expat's reader keeps it: its text and its children's tails, capped.
    text = best.text or ""
    for child in best:
        if len(text) >= TEXT_LIMIT:
            break
        text += child.tail or ""
    return _Outcome(qname(best), best.get("message", ""), text[:TEXT_LIMIT], best.get("type", ""))


def _read_exact(fh: HashingReader, rel: str, index: int, files: list[str], spec: JunitSpec, state: _State) -> _Tally:
    """One pass with expat's reader over one report (the reference: exact lines, columns and errors)."""
    tally = _Tally()
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
                    elif el.tag == CASE:
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
                name = case.attrs.get("name")
                if not name:
                    raise EvidenceUnavailable(f"{rel}:{case.line}:{case.col}: <testcase> without a name", where=rel)
                # Some writers omit classname; the enclosing suite's name is the closest stand-in.
                classname = case.attrs.get("classname") or (suites[-1] if suites else "")
                result = None
                if outcome is not None:
                    attrs = outcome.attrs
                    result = _Outcome(outcome.tag, attrs.get("message", ""), outcome.text, attrs.get("type", ""))
                found = _record_case(name, classname, result, rel, index, files, spec, state, tally)
                if found is not None:
                    message, test = found
                    tally.failing.append(
                        Observation(message=message, path=rel, root="artifacts", line=case.line, test=test)
                    )
                case = outcome = None
    except EvidenceUnavailable:
        # A changed artifact that no longer parses is stale first: say so, the manifest names the cause.
        fh.finish()
        raise
    return tally


def _record_case(
    name: str,
    classname: str,
    outcome: _Outcome | None,
    rel: str,
    index: int,
    files: list[str],
    spec: JunitSpec,
    state: _State,
    tally: _Tally,
) -> tuple[str, str] | None:
    """Count one test case (named, with its classname or its suite's name); returns the message and test id of
    the finding it makes, if any."""
    tally.total += 1
    if state.selects is not None and not state.selects(name, classname):
        return None
    counts = tally.counts
    counts.selected += 1
    test = f"{classname}::{name}"
    if state.track_duplicates:
        _track(test, rel, index, files, state, tally)
    if outcome is None:
        counts.passed += 1
        return None
    if outcome.tag == "skipped":
        counts.skipped += 1
        if spec.allow_skipped:
            return None
        reason = _first_line(outcome)
        message = f"skipped: {reason}" if reason else "skipped"
    else:
        if outcome.tag == "failure":
            counts.failed += 1
        else:
            counts.errors += 1
        message = _first_line(outcome) or ("failed" if outcome.tag == "failure" else "error")
    return message, test


def _track(test: str, rel: str, index: int, files: list[str], state: _State, tally: _Tally) -> None:
    """Note a selected test id seen in an earlier report (each is still counted)."""
    key = int.from_bytes(hashlib.blake2b(test.encode("utf-8", "surrogatepass"), digest_size=8).digest())
    first = state.first_file.setdefault(key, index)
    if first != index:
        tally.duplicate_count += 1
        if len(state.duplicates) + len(tally.duplicates) < DUPLICATE_NOTES:
            tally.duplicates.append((test, files[first], rel))


def _selector(select: JunitSelect) -> Callable[[str, str], bool] | None:
    """Whether a test case (name, classname) is selected: any name pattern (or none) AND any classname pattern
    (or none), as fnmatchcase reads them. None when there are no patterns. Compiled once: fnmatchcase per test
    case and pattern was most of a selective check's time (issue 10)."""
    name = _compile(select.name)
    classname = _compile(select.classname)
    if name is None and classname is None:
        return None
    if classname is None:
        return lambda n, _c: name is not None and name(n) is not None
    if name is None:
        return lambda _n, c: classname(c) is not None
    return lambda n, c: name(n) is not None and classname(c) is not None


def _compile(patterns: list[str]) -> Callable[[str], re.Match[str] | None] | None:
    """fnmatch patterns as one case-sensitive regular expression's match (fnmatchcase semantics), or None."""
    if not patterns:
        return None
    return re.compile("|".join(f"(?:{fnmatch.translate(p)})" for p in patterns)).match


def _first_line(outcome: _Outcome) -> str:
    """The message attribute's first line, else the element text's first non-blank line, else its type."""
    for source in (outcome.message, outcome.text, outcome.type):
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
