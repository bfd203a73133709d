"""Collector for `config` evidence: repository config files (YAML, JSON, TOML) queried with JMESPath.

Reads committed, unmodified files at the release commit through the Context only. YAML is read the way
`yaml.safe_load` reads it (what the programs using these files see: YAML 1.1 booleans, duplicate keys
last-wins, merge keys), from the node graph so that findings carry the line:col of the selected value;
timestamps stay text. JSON is located exactly, TOML best-effort (the line of the key). Never prints.
"""

from __future__ import annotations

import re
import tomllib
from datetime import date, datetime, time
from typing import Any

import yaml

from gate.evidence.context import Context
from gate.evidence.jsonfile import parse_json, require_files
from gate.evidence.query import DataPath, Document, Query, Unreadable, decode_utf8, judge, line_col
from gate.model import ConfigSpec
from gate.results import Evidence, Read

FORMATS = {".yaml": "yaml", ".yml": "yaml", ".json": "json", ".toml": "toml"}
MAX_VALUES = 1_000_000
"""A YAML document expanding (through aliases) to more values than this is refused (alias bomb)."""
FIX_SYNTAX = "fix the syntax of the file listed, or leave it out of `files:`"


def collect(spec: ConfigSpec, ctx: Context) -> Evidence:
    """Query every matched config file and judge the assertion by `each` (see ConfigSpec)."""
    query = Query(spec.query)
    repo = ctx.need_repo()
    files = repo.match(spec.files)
    require_files(files, spec.files, spec.min_files, "committed file")
    docs: list[Document | Unreadable] = []
    read: list[Read] = []
    for rel in files:
        data, sha = repo.read_bytes(rel)
        read.append(Read(path=rel, root="repo", sha256=sha))
        docs.append(parse_config(rel, data, spec.format))
    return judge(spec, query, docs, read, root="repo")


def parse_config(rel: str, data: bytes, given: str = "auto") -> Document | Unreadable:
    """Parse a config file by its format (auto: by extension)."""
    fmt = given
    if fmt == "auto":
        suffix = rel[rel.rfind(".") :].lower() if "." in rel.rsplit("/", 1)[-1] else ""
        fmt = FORMATS.get(suffix, "")
        if not fmt:
            return Unreadable(
                rel,
                "cannot tell the format from the file extension (.yaml, .yml, .json or .toml)",
                fix="set `format:` (yaml, json or toml) on the evidence entry, or narrow `files:`",
            )
    if fmt == "json":
        return parse_json(rel, data, fix=FIX_SYNTAX)
    text = decode_utf8(rel, data)
    if isinstance(text, Unreadable):
        return text
    return parse_yaml(rel, text) if fmt == "yaml" else parse_toml(rel, text)


# ---------------------------------------------------------------------------------------------
# YAML


_Base: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _ConfigLoader(_Base):  # type: ignore[valid-type,misc]
    """yaml.safe_load semantics, with the values JSON has no type for kept as JSON types.

    libyaml (CSafeLoader) when available: configs can be many and large, and it is ~3x faster than the
    pure-Python parser. Its syntax-error wording differs slightly from `gate lint`'s; positions are exact.
    """


def _text(loader: yaml.SafeLoader, node: yaml.Node) -> Any:
    # Timestamps and !!binary stay as written: a checklist can only compare them with strings.
    return loader.construct_scalar(node)  # type: ignore[arg-type]


def _set(loader: yaml.SafeLoader, node: yaml.Node) -> Any:
    # !!set -> the list of its members, in order.
    members: list[Any] = []
    yield members
    members.extend(loader.construct_mapping(node).keys())  # type: ignore[arg-type]


def _pairs(loader: yaml.SafeLoader, node: yaml.Node) -> Any:
    # !!omap / !!pairs -> a list of one-key mappings, as written.
    pairs: list[Any] = []
    yield pairs
    if not isinstance(node, yaml.SequenceNode):
        raise yaml.constructor.ConstructorError(None, None, "expected a sequence of one-key mappings", node.start_mark)
    for sub in node.value:
        if not isinstance(sub, yaml.MappingNode) or len(sub.value) != 1:
            raise yaml.constructor.ConstructorError(
                None, None, "expected a one-key mapping in an ordered map", sub.start_mark
            )
        key_node, value_node = sub.value[0]
        pairs.append({loader.construct_object(key_node): loader.construct_object(value_node)})


for _tag in ("timestamp", "binary"):
    _ConfigLoader.add_constructor(f"tag:yaml.org,2002:{_tag}", _text)
_ConfigLoader.add_constructor("tag:yaml.org,2002:set", _set)
_ConfigLoader.add_constructor("tag:yaml.org,2002:omap", _pairs)
_ConfigLoader.add_constructor("tag:yaml.org,2002:pairs", _pairs)

# The characters the YAML reader refuses; checked first so the line:col is exact in characters.
_NON_PRINTABLE = re.compile("[^\x09\x0a\x0d\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_STR = "tag:yaml.org,2002:str"


class _Refused(Exception):  # noqa: N818 - a reason to refuse a document, not an error of gate
    def __init__(self, node: yaml.Node, message: str) -> None:
        super().__init__(message)
        self.node = node
        self.message = message


def parse_yaml(rel: str, text: str) -> Document | Unreadable:
    """One YAML document -> data, located through its node marks. Syntax errors, several documents, unknown
    tags, recursive aliases and alias bombs are Unreadable at line:col."""
    bad = _NON_PRINTABLE.search(text)
    if bad:
        line, col = line_col(text, bad.start())
        return Unreadable(rel, f"invalid YAML: control character #x{ord(bad.group()):04x}", line, col, FIX_SYNTAX)
    try:
        loader = _ConfigLoader(text)
        try:
            node = loader.get_single_node()
            if node is None:
                return Document(rel, None)
            _expanded_size(node, set(), {})
            data = loader.construct_document(node)
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = (exc.problem or "").strip()
        reason = f"{exc.context.strip()}, {problem}" if exc.context else problem
        if mark is None:
            return Unreadable(rel, f"invalid YAML: {reason}", fix=FIX_SYNTAX)
        return Unreadable(rel, f"invalid YAML: {reason}", mark.line + 1, mark.column + 1, FIX_SYNTAX)
    except yaml.YAMLError as exc:
        return Unreadable(rel, f"invalid YAML: {exc}", fix=FIX_SYNTAX)
    except _Refused as exc:
        mark = exc.node.start_mark
        return Unreadable(rel, f"invalid YAML: {exc.message}", mark.line + 1, mark.column + 1, FIX_SYNTAX)
    except RecursionError:
        return Unreadable(rel, "invalid YAML: nested too deeply", fix=FIX_SYNTAX)

    def locate(path: DataPath) -> tuple[int | None, int | None]:
        mark = _node_at(node, path).start_mark
        return mark.line + 1, mark.column + 1

    return Document(rel, data, locate)


def _expanded_size(node: yaml.Node, path: set[int], sizes: dict[int, int]) -> int:
    """How many values the document expands to through its aliases; refuses recursion and alias bombs."""
    key = id(node)
    if key in sizes:
        return sizes[key]
    if key in path:
        raise _Refused(node, "recursive alias: a value contains itself")
    if isinstance(node, yaml.ScalarNode):
        return 1
    path.add(key)
    children = [n for pair in node.value for n in pair] if isinstance(node, yaml.MappingNode) else node.value
    total = 1 + sum(_expanded_size(child, path, sizes) for child in children)
    path.discard(key)
    if total > MAX_VALUES:
        raise _Refused(node, f"document expands to more than {MAX_VALUES} values through aliases (alias bomb?)")
    sizes[key] = total
    return total


def _node_at(root: yaml.Node, path: DataPath) -> yaml.Node:
    """The node of the value at path (the deepest one found). Constructing the document already flattened merge
    keys into the mappings' node lists, so the last matching key is the one safe_load kept."""
    node = root
    for part in path:
        if isinstance(node, yaml.MappingNode) and isinstance(part, str):
            hits = [v for k, v in node.value if isinstance(k, yaml.ScalarNode) and k.tag == _STR and k.value == part]
            if not hits:
                break
            node = hits[-1]
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and 0 <= part < len(node.value):
            node = node.value[part]
        else:
            break
    return node


# ---------------------------------------------------------------------------------------------
# TOML


_TOML_WHERE = re.compile(r"\s*\(at line (\d+), column (\d+)\)\s*$")


def parse_toml(rel: str, text: str) -> Document | Unreadable:
    """A TOML document (stdlib tomllib); dates and times become ISO text. Located best-effort by key lines."""
    try:
        data = _plain(tomllib.loads(text))
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        found = _TOML_WHERE.search(message)
        line, col = (int(found.group(1)), int(found.group(2))) if found else (None, None)
        reason = _TOML_WHERE.sub("", message)
        return Unreadable(rel, f"invalid TOML: {reason[:1].lower() + reason[1:]}", line, col, FIX_SYNTAX)
    except RecursionError:
        return Unreadable(rel, "invalid TOML: nested too deeply", fix=FIX_SYNTAX)

    def locate(path: DataPath) -> tuple[int | None, int | None]:
        return toml_line(text, path), None

    return Document(rel, data, locate)


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    return value


_HEADER = re.compile(r"^\s*(\[\[?)\s*([^\]]+?)\s*\]\]?\s*(?:#.*)?$")
_ASSIGN = re.compile(
    r"""^\s*((?:[A-Za-z0-9_-]+|"(?:[^"\\]|\\.)*"|'[^']*')(?:\s*\.\s*(?:[A-Za-z0-9_-]+|"(?:[^"\\]|\\.)*"|'[^']*'))*)\s*="""
)
_KEY_PART = re.compile(r"""[A-Za-z0-9_-]+|"(?:[^"\\]|\\.)*"|'[^']*'""")


def _keys(dotted: str) -> tuple[str, ...]:
    return tuple(p.strip("'\"") for p in _KEY_PART.findall(dotted))


def toml_line(text: str, path: DataPath) -> int | None:
    """Best effort: the line of the table header or `key =` line defining the value at path, else of the
    longest prefix of it found. Arrays of tables count their `[[...]]` headers; inline values are not entered."""
    best: tuple[int, int] | None = None  # (matched length, line)
    table: tuple[str | int, ...] = ()
    counts: dict[tuple[str | int, ...], int] = {}
    for number, line in enumerate(text.splitlines(), 1):
        header = _HEADER.match(line)
        if header:
            keys = _keys(header.group(2))
            table = keys
            if header.group(1) == "[[":
                counts[keys] = counts.get(keys, -1) + 1
                table = (*keys, counts[keys])
            full: tuple[str | int, ...] = table
        else:
            assign = _ASSIGN.match(line)
            if not assign:
                continue
            full = (*table, *_keys(assign.group(1)))
        if full == path[: len(full)] and (best is None or len(full) > best[0]):
            best = (len(full), number)
            if len(full) == len(path):
                return number
    return best[1] if best else None
