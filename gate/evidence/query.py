"""JMESPath queries and assertions over parsed documents, shared by the `config` and `json` collectors.

Owns the query (compiled once, mapped back to a place in the file: a data path, a JSON pointer and, through
the document's locator, line:col), the assertion operators, and the judgement of `each:` over the matched
files into one Evidence. Reads no file itself (collectors parse files through the Context) and never prints.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import jmespath
import jmespath.exceptions

from gate.errors import EvidenceUnavailable
from gate.evidence.documents import DataPath, Document, Selected, Unreadable
from gate.model import Assertion, ConfigSpec, JsonSpec
from gate.results import Evidence, Observation, Read, Status, evidence

Root = Literal["repo", "artifacts", "subject"]

SHOW_LIMIT = 60
"""Characters of a value shown in a message; longer values are shortened with '...'."""


# ---------------------------------------------------------------------------------------------
# Queries


class QueryProblem(Exception):  # noqa: N818 - an expected condition, named for it (STYLE)
    """The query cannot give a value to judge in one document (nothing selected, failed, wrong type)."""

    def __init__(self, message: str, fix: str, *, nothing: bool = False, detail: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.fix = fix
        self.nothing = nothing
        """True when the query selected nothing (said as "... in FILE" in the summary)."""
        self.detail = detail
        """Said after the message (and after "in FILE"), e.g. " (an empty list)"."""


class Query:
    """A compiled JMESPath expression and the data path it reads, when that can be told from the expression.

    `path` is exact for a chain of fields and indexes (`grader.inputs`, `envs[0].grader`, `envs[-1]`). For
    anything else (filters, projections, functions, pipes after them) it is the longest such chain the
    expression starts from (`envs` for `envs[?name=='math'].grader`), so a finding is placed there.

    A query with a projection, filter or flatten (`graders[*].inputs[]`, `envs[?name=='G1'].inputs[]`) that
    gives an empty list has selected nothing: `select` refuses it like null, and `value` gives None for it, so
    `exists` fails and `absent` holds. A plain field whose value in the document is `[]` is a real value.
    """

    def __init__(self, text: str) -> None:
        try:
            self.parsed = jmespath.compile(text)
        except jmespath.exceptions.JMESPathError as exc:
            reason = str(exc).splitlines()[0]
            raise EvidenceUnavailable(
                f"invalid JMESPath expression '{text}': {reason}",
                hint="test the expression at https://jmespath.org, then fix the checklist",
            ) from None
        self.text = text
        self.path, self.exact = static_path(self.parsed.parsed)
        self.projects = projects(self.parsed.parsed)
        """Whether the query has a projection, filter or flatten (then `[]` means it selected nothing)."""

    def search(self, data: Any) -> Any:
        """The selected value (None when the query selects nothing); QueryProblem when it cannot run."""
        if self.exact:
            return _walk(data, self.path)
        try:
            return self.parsed.search(data)
        except jmespath.exceptions.JMESPathError as exc:
            reason = " ".join(str(exc).split())
            raise QueryProblem(
                f"query '{self.text}' cannot be evaluated: {reason}",
                "fix the query so that it applies to the files listed",
            ) from None

    def select(self, data: Any) -> Any:
        """The selected value; QueryProblem when the query selects nothing (fail closed): null, or an empty list
        from a projection, filter or flatten."""
        return self.select_from(self.search(data))

    def select_from(self, value: Any) -> Any:
        """`select` given what `search` gave."""
        if value is None or (value == [] and self.projects):
            raise QueryProblem(
                f"query '{self.text}' selected nothing",
                f"make the files listed define {self.text}, or use `exists: true` / `absent: true` when it may "
                "be missing",
                nothing=True,
                detail="" if value is None else " (an empty list)",
            )
        return value

    def value(self, data: Any) -> Any:
        """The selected value for `exists`/`absent`: None when the query selects nothing (null, or an empty list
        from a projection, filter or flatten)."""
        return self.value_from(self.search(data))

    def value_from(self, value: Any) -> Any:
        """`value` given what `search` gave."""
        return None if value == [] and self.projects else value

    def where(self, data: Any, element: int | None = None) -> DataPath:
        """The concrete data path to place a finding at: the selected value when the path is exact and present
        (or its element `element`), else the deepest value on the way that exists."""
        path, complete = resolve(data, self.path)
        if complete and self.exact and element is not None:
            path = (*path, element)
        return path


def _walk(data: Any, path: DataPath) -> Any:
    """What JMESPath gives for an exact path (a chain of fields and indexes), without its tree-walking
    interpreter (~10x faster; a config check evaluates one query per file, thousands of times): a field of a
    non-mapping, an index of a non-list or out of range, and anything under null are null."""
    value = data
    for step in path:
        if isinstance(step, str):
            value = value.get(step) if isinstance(value, dict) else None
        elif isinstance(value, list) and -len(value) <= step < len(value):
            value = value[step]
        else:
            return None
        if value is None:
            return None
    return value


def static_path(node: Mapping[str, Any]) -> tuple[DataPath, bool]:
    """The data path an expression reads, and whether it is exact (a plain chain of fields and indexes)."""
    kind = node["type"]
    if kind == "field":
        return (node["value"],), True
    if kind in ("identity", "current"):
        return (), True
    children = [c for c in node["children"] if isinstance(c, dict)]
    if kind in ("subexpression", "pipe"):
        # The right side is evaluated on the left side's value, so the paths concatenate.
        path: DataPath = ()
        for child in children:
            sub, exact = static_path(child)
            path = (*path, *sub)
            if not exact:
                return path, False
        return path, True
    if kind == "index_expression":
        path, exact = static_path(children[0])
        if not exact:
            return path, False
        for child in children[1:]:
            if child["type"] != "index":
                return path, False  # a slice
            path = (*path, child["value"])
        return path, True
    # Projections, filters, flatten, functions, multi-selects, comparisons: place findings at what they start from.
    if children and kind != "literal":
        return static_path(children[0])[0], False
    return (), False


_PROJECTING = frozenset({"projection", "value_projection", "filter_projection", "flatten"})


def projects(node: Mapping[str, Any]) -> bool:
    """Whether an expression has a projection (`[*]`, `*`, a slice), a filter (`[?...]`) or a flatten (`[]`)
    anywhere: the node types whose result is an empty list when they select nothing."""
    stack = [node]
    while stack:
        current = stack.pop()
        if current.get("type") in _PROJECTING:
            return True
        stack.extend(c for c in current.get("children", ()) if isinstance(c, dict))
    return False


def resolve(data: Any, path: DataPath) -> tuple[DataPath, bool]:
    """The part of path that exists in data (negative indexes made positive), and whether all of it does."""
    out: list[str | int] = []
    current = data
    for part in path:
        if isinstance(part, str) and isinstance(current, dict) and part in current:
            current = current[part]
            out.append(part)
        elif isinstance(part, int) and isinstance(current, list) and -len(current) <= part < len(current):
            index = part % len(current)
            current = current[index]
            out.append(index)
        else:
            return tuple(out), False
    return tuple(out), True


def pointer(path: DataPath) -> str | None:
    """RFC 6901 JSON pointer of a data path; None for the whole document."""
    if not path:
        return None
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in path)


# ---------------------------------------------------------------------------------------------
# Showing values


def show(value: Any, limit: int = SHOW_LIMIT) -> str:
    """A value as shown in messages: strings in '...', JSON-like lists and mappings, shortened past limit."""
    if isinstance(value, str):
        text = _escape(value[: limit + 1])
        return f"'{text}'" if len(text) <= limit else f"'{text[: limit - 3]}...'"
    parts: list[str] = []
    size = 0

    def emit(piece: str) -> bool:
        nonlocal size
        parts.append(piece)
        size += len(piece)
        return size > limit  # stop: the rest would be cut anyway (also bounds the work on huge values)

    def walk(v: Any) -> bool:
        if isinstance(v, list):
            if emit("["):
                return True
            for i, element in enumerate(v):
                if (i and emit(", ")) or walk(element):
                    return True
            return emit("]")
        if isinstance(v, dict):
            if emit("{"):
                return True
            for i, (key, element) in enumerate(v.items()):
                if (i and emit(", ")) or emit(show(str(key), limit) + ": ") or walk(element):
                    return True
            return emit("}")
        return emit(show(v, limit) if isinstance(v, str) else _scalar(v))

    walk(value)
    text = "".join(parts)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _scalar(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if value != value:
            return "NaN"
        if value in (float("inf"), float("-inf")):
            return "Infinity" if value > 0 else "-Infinity"
        return repr(value)
    if isinstance(value, int):
        return str(value)
    return _escape(repr(value))


def _escape(text: str) -> str:
    """Non-printable characters as escapes, so a value cannot break a line or drive a terminal."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


def type_name(value: Any) -> str:
    """The JSON type of a value, as said in messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "list"
    if isinstance(value, dict):
        return "mapping"
    return type(value).__name__


# ---------------------------------------------------------------------------------------------
# Assertions


def is_number(value: Any) -> bool:
    """int or float, and not bool (True is not the number 1 here)."""
    return isinstance(value, (int, float)) and not isinstance(value, bool)  # a tuple: faster than int | float


def deep_equal(a: Any, b: Any) -> bool:
    """JSON equality: 1 equals 1.0, True equals neither 1 nor 'true', lists in order, mappings by keys."""
    if type(a) is str:  # the common case, first
        return type(b) is str and a == b
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if is_number(a) and is_number(b):
        return bool(a == b)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(deep_equal(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(deep_equal(a[k], b[k]) for k in a)
    if type(a) is not type(b):
        return False
    return bool(a == b)


@dataclass(frozen=True)
class Verdict:
    """Whether the assertion holds on a value; `element` is the index of the list element found by contains."""

    holds: bool
    element: int | None = None


_NEEDS = {
    "contains": "a list or a string",
    "not_contains": "a list or a string",
    "matches": "a string",
    "gt": "a number",
    "ge": "a number",
    "lt": "a number",
    "le": "a number",
}


def check(assertion: Assertion, value: Any, label: str) -> Verdict:
    """Apply the assertion to the selected value. A value of the wrong type is QueryProblem (ERROR): the check
    can say neither yes nor no, and a FAIL would wrongly suggest the value was seen and judged."""
    op, operand = assertion.operator, assertion.operand
    if op == "exists":
        return Verdict(value is not None)
    if op == "absent":
        return Verdict(value is None)
    if op == "equals":
        return Verdict(deep_equal(value, operand))
    if op == "not_equals":
        return Verdict(not deep_equal(value, operand))
    if op == "in":
        return Verdict(any(deep_equal(value, o) for o in operand))
    if op == "not_in":
        return Verdict(not any(deep_equal(value, o) for o in operand))
    if op in ("contains", "not_contains"):
        found, element = _contains(value, operand, op, label)
        return Verdict(found if op == "contains" else not found, element)
    if op == "matches":
        if not isinstance(value, str):
            raise _mismatch(op, value, label)
        return Verdict(re.search(operand, value) is not None)
    if not is_number(value):
        raise _mismatch(op, value, label)
    if op == "gt":
        return Verdict(value > operand)
    if op == "ge":
        return Verdict(value >= operand)
    if op == "lt":
        return Verdict(value < operand)
    if op == "le":
        return Verdict(value <= operand)
    raise AssertionError(f"unknown operator {op}")  # the model allows only OPERATORS


def _contains(value: Any, operand: Any, op: str, label: str) -> tuple[bool, int | None]:
    if isinstance(value, list):
        if not isinstance(operand, list) and any(isinstance(element, list) for element in value):
            # A projection without flatten (`graders[*].inputs`) gives one list per element: contains would
            # compare the operand with whole lists and never find it (not_contains would pass vacuously).
            raise QueryProblem(
                f"cannot apply {op} {show(operand)}: {label} is a list of lists: flatten it with [] in the query",
                f"write the query as '{label}[]' so that {op} looks at the elements of the inner lists",
            )
        for index, element in enumerate(value):
            if deep_equal(element, operand):
                return True, index
        return False, None
    if isinstance(value, str):
        if not isinstance(operand, str):
            raise QueryProblem(
                f"cannot apply {op} {show(operand)} to a string: {label} is {show(value)}; only a string can be a "
                "substring",
                f"give {op} a string, or point the query at a list",
            )
        return operand in value, None
    raise _mismatch(op, value, label)


def _mismatch(op: str, value: Any, label: str) -> QueryProblem:
    return QueryProblem(
        f"cannot apply {op} to a {type_name(value)}: {label} is {show(value)}",
        f"{op} needs {_NEEDS[op]}: point the query at one, or use another operator",
    )


def predicate(assertion: Assertion, holds: bool) -> str:
    """What the assertion says of the value (holds) or its negation, e.g. "contains 'reasoning'"."""
    op = assertion.operator
    x = show(assertion.operand)
    yes, no = {
        "equals": (f"equals {x}", f"does not equal {x}"),
        "not_equals": (f"does not equal {x}", f"equals {x}"),
        "in": (f"is one of {x}", f"is not one of {x}"),
        "not_in": (f"is not one of {x}", f"is one of {x}"),
        "contains": (f"contains {x}", f"does not contain {x}"),
        "not_contains": (f"does not contain {x}", f"contains {x}"),
        "matches": (f"matches {x}", f"does not match {x}"),
        "exists": ("exists", "is missing or null"),
        "absent": ("is missing or null", "exists"),
        "gt": (f"is greater than {x}", f"is not greater than {x}"),
        "ge": (f"is at least {x}", f"is less than {x}"),
        "lt": (f"is less than {x}", f"is not less than {x}"),
        "le": (f"is at most {x}", f"is greater than {x}"),
    }[op]
    return yes if holds else no


def finding(assertion: Assertion, label: str, value: Any, holds: bool) -> str:
    """What was seen in one file: the statement, plus the value when the statement does not already say it."""
    op = assertion.operator
    text = f"{label} {predicate(assertion, holds)}"
    quiet = (
        value is None
        or op in ("contains", "not_contains")  # the element is the operand; the list may be long
        or (op == "equals" and holds)
        or (op == "not_equals" and not holds)
    )
    return text if quiet else f"{text} (got {show(value)})"


def fix_for(assertion: Assertion, label: str, holds: bool, scope: str) -> str:
    """How to make the assertion hold (or not hold) in the files of `scope`, e.g. "in each file listed"."""
    op = assertion.operator
    x = show(assertion.operand)
    if (op, holds) in (("contains", False), ("not_contains", True)):
        action = f"drop {x} from {label}"
    elif (op, holds) in (("contains", True), ("not_contains", False)):
        action = f"add {x} to {label}"
    elif (op, holds) == ("equals", True):
        action = f"set {label} to {x}"
    elif (op, holds) in (("exists", True), ("absent", False)):
        action = f"set {label}"
    elif (op, holds) in (("exists", False), ("absent", True)):
        action = f"remove {label}"
    else:
        action = f"change {label} so that it {predicate(assertion, holds)}"
    return f"{action} {scope}, or get a waiver"


# ---------------------------------------------------------------------------------------------
# Judging `each:` over the matched files


def _files(n: int) -> str:
    return "file" if n == 1 else "files"


@dataclass(frozen=True)
class _Problem:
    observation: Observation
    summary: str
    fix: str


@dataclass(frozen=True)
class _Row:
    doc: Document | Selected
    value: Any
    verdict: Verdict


def judge(
    spec: ConfigSpec | JsonSpec,
    query: Query,
    docs: Sequence[Document | Selected | Unreadable],
    read: list[Read],
    *,
    root: Root,
) -> Evidence:
    """Evaluate the query and the assertion in every document and judge them by `spec.each`.

    ERROR when any file could not be parsed or judged (nothing selected, the query failed, a value of the wrong
    type); FAIL by `each`; one observation per offending file, placed at the selected value.
    """
    assertion = spec.assert_
    label = query.text
    nullable = assertion.operator in ("exists", "absent")
    problems: list[_Problem] = []
    rows: list[_Row] = []
    for doc in docs:
        if isinstance(doc, Unreadable):
            obs = Observation(message=doc.message, path=doc.path, root=root, line=doc.line, col=doc.col)
            problems.append(_Problem(obs, f"{obs.where}: {doc.message}", doc.fix))
            continue
        try:
            found = _found(doc, query)
            # exists/absent judge null like any value; every other operator needs a selection (fail closed).
            value = query.value_from(found) if nullable else query.select_from(found)
            verdict = check(assertion, value, label)
        except QueryProblem as exc:
            obs = _observation(doc, query, exc.message + exc.detail, root)
            text = f"{exc.message} in {doc.path}{exc.detail}" if exc.nothing else f"{obs.where}: {exc.message}"
            problems.append(_Problem(obs, text, exc.fix))
            continue
        rows.append(_Row(doc, value, verdict))

    n = len(docs)
    holding = [r for r in rows if r.verdict.holds]
    if spec.each == "file":
        offenders = [r for r in rows if not r.verdict.holds]
        failed = bool(offenders)
        if failed:
            summary = f"{len(offenders)} of {n} {_files(n)}: {label} {predicate(assertion, False)}"
        else:
            summary = f"{n} of {n} {_files(n)}: {label} {predicate(assertion, True)}"
        observations = [_seen(r, query, assertion, root) for r in offenders]
        fix = fix_for(assertion, label, True, "in each file listed")
    elif spec.each == "any-file":
        failed = not holding
        summary = f"{len(holding)} of {n} {_files(n)}: {label} {predicate(assertion, True)}"
        if failed:
            observations = [_seen(r, query, assertion, root) for r in rows]
        else:  # where it holds, for the reviewer; not failing
            observations = [_seen(r, query, assertion, root, failing=False) for r in holding]
        fix = fix_for(assertion, label, True, "in at least one of the matched files")
    else:  # no-file
        failed = bool(holding)
        summary = f"{len(holding)} of {n} {_files(n)}: {label} {predicate(assertion, True)}"
        observations = [_seen(r, query, assertion, root) for r in holding]
        fix = fix_for(assertion, label, False, "in each file listed")

    if problems:
        summary = problems[0].summary
        if len(problems) > 1:
            more = len(problems) - 1
            summary += f"; {more} more {_files(more)} could not be checked"
        return evidence(
            spec.kind,
            Status.ERROR,
            summary,
            [p.observation for p in problems] + [o for o in observations if o.failing],
            label=spec.label,
            fix=problems[0].fix,
            read=read,
        )
    status = Status.FAIL if failed else Status.PASS
    return evidence(spec.kind, status, summary, observations, label=spec.label, fix=fix, read=read)


def _found(doc: Document | Selected, query: Query) -> Any:
    """What the query gives on a document (known already for a Selected one of this query)."""
    if isinstance(doc, Selected):
        if doc.query == query.text:
            return doc.found
        loaded = doc.load()
        if isinstance(loaded, Unreadable):
            raise QueryProblem(loaded.message, loaded.fix)
        doc = loaded
    return query.search(doc.data)


def _seen(row: _Row, query: Query, assertion: Assertion, root: Root, *, failing: bool = True) -> Observation:
    """What one file shows, placed at the selected value (at the element found, for contains on a list)."""
    message = finding(assertion, query.text, row.value, row.verdict.holds)
    return _observation(row.doc, query, message, root, row.verdict.element, failing=failing)


def _observation(
    doc: Document | Selected,
    query: Query,
    message: str,
    root: Root,
    element: int | None = None,
    *,
    failing: bool = True,
) -> Observation:
    if isinstance(doc, Selected):
        loaded = doc.load()
        if isinstance(loaded, Unreadable):  # cannot happen for the same bytes; placed at the file then
            return Observation(message=message, path=doc.path, root=root, failing=failing)
        doc = loaded
    path = query.where(doc.data, element)
    line, col = doc.locate(path) if path else (None, None)
    return Observation(
        message=message, path=doc.path, root=root, line=line, col=col, pointer=pointer(path), failing=failing
    )


__all__ = [
    "Query",
    "QueryProblem",
    "Verdict",
    "check",
    "deep_equal",
    "judge",
    "pointer",
    "projects",
    "resolve",
    "show",
    "static_path",
    "type_name",
]
