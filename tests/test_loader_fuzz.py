"""Fuzzing the loader: whatever the bytes, `loader.load` either loads or raises GateError, never anything else.

Three sources of input: random bytes; random YAML documents, and the shipped starter checklist with a few
values replaced (so that the later rules run too); and the starter's text with random insertions and
deletions. Inputs are bounded in size and each example runs under an alarm, so a hang fails the test
instead of stalling the suite.
"""

from __future__ import annotations

import copy
import os
import signal
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from types import FrameType
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.configuration import set_hypothesis_home_dir

from gate import loader
from gate.errors import GateError

# Hypothesis keeps caches (unicode tables, constants found in the source) under ./.hypothesis unless told
# otherwise, and its pytest plugin writes them right after collection, before any fixture runs: point it
# at the system temp folder here, at import. (The example database is off: database=None below.)
set_hypothesis_home_dir(Path(tempfile.gettempdir()) / "gate-tests-hypothesis")

STARTER = Path(__file__).resolve().parent.parent / "checklists" / "starter.yaml"
STARTER_TEXT = STARTER.read_text(encoding="utf-8")
STARTER_DATA = yaml.safe_load(STARTER_TEXT)
SECONDS_PER_EXAMPLE = 10

# `isolate` (autouse, function-scoped) only sets environment variables, which every example may share;
# each example writes its file in its own temporary folder.
FUZZ = settings(
    max_examples=int(os.environ.get("GATE_FUZZ_EXAMPLES", "200")),
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


class HungError(Exception):
    """An example ran past SECONDS_PER_EXAMPLE."""


@contextmanager
def _time_limit(seconds: int) -> Iterator[None]:
    """Raise HungError in the main thread after `seconds` (POSIX); a no-op where SIGALRM does not exist."""
    if not hasattr(signal, "SIGALRM"):
        yield
        return

    def _alarm(signum: int, frame: FrameType | None) -> None:
        raise HungError(f"loading took more than {seconds} s")

    previous = signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def load_or_refuse(data: bytes) -> None:
    """Write data as a checklist in a fresh folder and load it: it must load or raise GateError."""
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        path = root / "checklist.yaml"
        path.write_bytes(data)
        start = time.monotonic()
        with _time_limit(SECONDS_PER_EXAMPLE), suppress(GateError):
            loader.load(path, root=root)
        assert time.monotonic() - start < SECONDS_PER_EXAMPLE


@FUZZ
@given(st.binary(max_size=2000))
def test_random_bytes_load_or_raise_gate_error(data: bytes) -> None:
    load_or_refuse(data)


KEYS = (
    "id",
    "version",
    "title",
    "owner",
    "release_role",
    "stages",
    "roles",
    "description",
    "include",
    "items",
    "evidence",
    "kind",
    "files",
    "query",
    "assert",
    "signoff",
    "role",
    "count",
    "waiver",
    "pattern",
    "regex",
    "since",
    "range",
    "equals",
    "matches",
    "<<",
)
# Values known to have upset parsers: NUL, deep nesting, huge repetition counts, long path segments.
NASTY = (
    "a\x00b",
    "(" * 1200 + "a",
    "[" * 60,
    "a{99999999999}",
    "x" * 300 + ".yaml",
    "../" * 30 + "etc/passwd",
    "/dev/zero",
    ".",
    "",
)
KINDS = ("config", "json", "code.pattern", "git.trailers", "digest", "manual", "command", "junit", "canary", "nope")
scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=20)
    | st.sampled_from(KINDS + NASTY + ("safety-lead", "release-manager", "pre-release", "a.b", "checklist.yaml"))
)
# Mostly string keys: a non-string key stops the whole file early, hiding everything behind it.
keys = st.sampled_from((*KEYS, 1, True, None)) | st.text(max_size=10)
documents = st.recursive(
    scalars,
    lambda children: st.lists(children, max_size=5) | st.dictionaries(keys, children, max_size=6),
    max_leaves=40,
)


@st.composite
def nearly_valid_checklists(draw: st.DrawFn) -> Any:
    """The starter checklist with one to three values replaced, added or removed, anywhere in the tree.

    A random document fails on its first line; a nearly valid one reaches the later rules (roles,
    stages, includes, JMESPath, regular expressions).
    """
    doc = copy.deepcopy(STARTER_DATA)
    doc["include"] = []
    for _ in range(draw(st.integers(1, 3))):
        parent: Any = None
        key: Any = None
        node: Any = doc
        while isinstance(node, (dict, list)) and node and draw(st.integers(0, 3)) > 0:
            parent = node
            key = draw(st.sampled_from(sorted(node, key=str) if isinstance(node, dict) else range(len(node))))
            node = node[key]
        action = draw(st.sampled_from(("replace", "add", "remove")))
        if action == "add" and isinstance(node, dict):
            node[draw(keys)] = draw(documents)
        elif action == "add" and isinstance(node, list):
            node.append(draw(documents))
        elif action == "remove" and parent is not None:
            del parent[key]
        elif parent is not None:
            parent[key] = draw(scalars | documents)
    return doc


def _dump(doc: Any) -> bytes:
    return yaml.safe_dump(doc, allow_unicode=True, sort_keys=False).encode("utf-8")


@FUZZ
@given(documents | nearly_valid_checklists())
def test_random_yaml_documents_load_or_raise_gate_error(doc: Any) -> None:
    load_or_refuse(_dump(doc))


# YAML syntax that random characters rarely spell: anchors, aliases, tags, merge keys, flow and block markers.
SNIPPETS = (
    "&a ",
    "*a",
    "!!python/object:os.system ",
    "!x ",
    "<<: ",
    "? ",
    ": ",
    "- ",
    "\t",
    "\n---\n",
    "[",
    "]",
    "{",
    "}",
    "'",
    '"',
    "#",
    "\x07",
    "0b_",
    "0x_",
    "12:30",
    "\n  " * 3,
)


@st.composite
def mutated_starter(draw: st.DrawFn) -> str:
    """The starter checklist with a few random insertions and deletions."""
    text = STARTER_TEXT
    for _ in range(draw(st.integers(1, 8))):
        at = draw(st.integers(0, len(text)))
        if draw(st.booleans()):
            text = text[:at] + draw(st.text(min_size=1, max_size=5) | st.sampled_from(SNIPPETS + NASTY)) + text[at:]
        else:
            text = text[:at] + text[at + draw(st.integers(1, 20)) :]
    return text


@FUZZ
@given(mutated_starter())
def test_edited_starter_checklist_loads_or_raises_gate_error(text: str) -> None:
    load_or_refuse(text.encode("utf-8", "surrogatepass"))


def _outcome(loader_class: type, text: str) -> object:
    try:
        data, pos = loader._parse_with(loader_class, text, "c.yaml", libyaml=loader_class is loader._FastLoader)
    except GateError as exc:
        return ("problems", str(exc))
    except loader._LibyamlRefused:
        return "refused"
    except RecursionError:
        return "recursion"
    return (data, pos.values, pos.keys)


def _outcome_of_parse(text: str) -> object:
    try:
        data, pos = loader.parse_yaml(text, "c.yaml")
    except GateError as exc:
        return ("problems", str(exc))
    except RecursionError:
        return "recursion"
    return (data, pos.values, pos.keys)


@FUZZ
@given(mutated_starter() | st.text(max_size=300))
def test_libyaml_reads_whatever_pure_python_parsing_reads_the_same(text: str) -> None:
    # parse_yaml takes libyaml's parser (PyYAML's wording for its errors): on every document the pure-Python
    # parser reads, it must give the same data and positions. libyaml also reads some valid YAML that PyYAML's
    # scanner refuses (a tab or '?' inside a plain scalar): docs/design.md, "Checklists are read with libyaml".
    if any("\ud800" <= c <= "\udfff" for c in text):
        return  # not encodable text; the loader decodes UTF-8 before parsing
    slow = _outcome(loader._Loader, text)
    fast = _outcome(loader._FastLoader, text)
    parsed = _outcome_of_parse(text)
    if slow == "recursion":
        return
    if fast == "refused" or fast[0] == "problems":  # type: ignore[index]  # parsed again the slow way
        assert parsed == slow
    else:
        assert parsed == fast
        superset = fast[0] != "problems" and slow[0] == "problems"  # type: ignore[index]
        assert fast == slow or superset
