"""YAML checklists -> models. Every problem carries file:line:col and a dotted field path.

Owns the input limits (regular files only, size cap before reading, UTF-8, one document, depth and alias
caps, duplicate keys refused, no custom tags) and include resolution (union only, no cycles, no escape
from the root). Never prints and never exits: problems are returned (lint) or raised (load).
"""

from __future__ import annotations

import difflib
import os
import posixpath
import re
import stat
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path
from typing import Any

import jmespath
import jmespath.exceptions
import yaml
from pydantic import ValidationError

from gate.errors import Location, Problem, ProblemsError
from gate.model import (
    EVIDENCE_KINDS,
    SLUG_PATTERN,
    Checklist,
    ConfigSpec,
    DigestSpec,
    Item,
    JsonSpec,
    RoleDef,
    checklist_digest,
)

MAX_BYTES = 2 * 1024 * 1024
MAX_DEPTH = 40
MAX_NODES = 200_000
MAX_INCLUDE_DEPTH = 16

Path_ = tuple[str | int, ...]


# ---------------------------------------------------------------------------------------------
# Reading a file within the limits


def display_path(path: Path) -> str:
    """The path as shown to a person: relative to the working directory when under it, POSIX, no `..`."""
    # normpath is lexical: an include such as `../common/a.yaml` shows as `common/a.yaml`, not `ml/../common/a.yaml`.
    try:
        return Path(os.path.normpath(path.absolute())).relative_to(Path.cwd()).as_posix()
    except ValueError:
        return Path(os.path.normpath(path)).as_posix()


def read_text(path: Path, shown: str, *, max_bytes: int = MAX_BYTES, what: str = "file") -> str:
    """Read a small UTF-8 text file, refusing anything but a regular file under the size cap."""
    where = Location(shown)
    try:
        st = path.stat()
    except FileNotFoundError:
        raise ProblemsError([Problem(where, f"no such {what}")]) from None
    except OSError as exc:
        raise ProblemsError([Problem(where, f"cannot read {what}: {exc.strerror}")]) from None
    if stat.S_ISDIR(st.st_mode):
        raise ProblemsError([Problem(where, f"is a folder, not a {what}")])
    if not stat.S_ISREG(st.st_mode):
        raise ProblemsError([Problem(where, f"not a regular file ({_file_type(st.st_mode)}); refusing to read it")])
    if st.st_size > max_bytes:
        raise ProblemsError([Problem(where, f"{what} is {st.st_size} bytes, over the {max_bytes}-byte limit")])
    try:
        with open(path, "rb") as fh:
            data = fh.read(max_bytes + 1)
    except OSError as exc:
        raise ProblemsError([Problem(where, f"cannot read {what}: {exc.strerror}")]) from None
    return decode_text(data, shown, max_bytes=max_bytes, what=what)


def decode_text(data: bytes, shown: str, *, max_bytes: int = MAX_BYTES, what: str = "file") -> str:
    """Bytes read elsewhere (a file, or a blob at a commit) -> UTF-8 text, within the same limits as read_text."""
    if len(data) > max_bytes:
        raise ProblemsError([Problem(Location(shown), f"{what} is over the {max_bytes}-byte limit")])
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    nul = data.find(b"\x00")
    if nul >= 0:
        line, col = _line_col(data, nul)
        raise ProblemsError([Problem(Location(shown, line, col), "binary file (NUL byte); a checklist is UTF-8 text")])
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line, col = _line_col(data, exc.start)
        raise ProblemsError(
            [Problem(Location(shown, line, col), f"not UTF-8 (byte 0x{data[exc.start]:02x}); save the file as UTF-8")]
        ) from None


def _line_col(data: bytes, offset: int) -> tuple[int, int]:
    line = data.count(b"\n", 0, offset) + 1
    start = data.rfind(b"\n", 0, offset) + 1
    return line, len(data[start:offset].decode("utf-8", "replace")) + 1


def _file_type(mode: int) -> str:
    for test, name in (
        (stat.S_ISFIFO, "a FIFO"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
        (stat.S_ISSOCK, "a socket"),
    ):
        if test(mode):
            return name
    return "a special file"


# ---------------------------------------------------------------------------------------------
# YAML with positions


class _LibyamlRefused(Exception):  # noqa: N818 - an internal signal, never leaves this module
    """libyaml refused a document, or met what it reads differently: parse it with the pure-Python parser."""


class _Limits:
    """Checks the limits on one document, nesting and size as the events stream in, so the recursive composer
    never sees deep nesting and a 2 MiB list stops at the cap instead of being parsed whole."""

    def _start_limits(self, shown: str) -> None:
        self.shown = shown
        self.documents = 0
        self.depth = 0
        self.nodes = 0

    def get_event(self) -> yaml.Event:
        event: yaml.Event = super().get_event()  # type: ignore[misc]  # the parser's, after this mixin
        if isinstance(event, yaml.DocumentStartEvent):
            self.documents += 1
            if self.documents > 1:
                raise self._refuse(event, "more than one YAML document; a checklist is one")
        elif isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
            self.depth += 1
            if self.depth > MAX_DEPTH:
                raise self._refuse(event, f"nested deeper than {MAX_DEPTH} levels")
        elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
            self.depth -= 1
        if isinstance(event, yaml.NodeEvent):
            self.nodes += 1
            if self.nodes > MAX_NODES:
                raise self._refuse(event, f"document has more than {MAX_NODES} values")
        return event

    def _refuse(self, event: yaml.Event, message: str) -> ProblemsError:
        return ProblemsError([Problem(Location(self.shown, *_mark(event.start_mark)), message)])


class _Loader(_Limits, yaml.SafeLoader):
    """SafeLoader with YAML 1.2 booleans (no yes/no/on/off) and dates kept as strings, PyYAML's pure-Python
    parser: its error messages are the ones `gate lint` shows (tests hold them word for word)."""

    def __init__(self, stream: str, shown: str) -> None:
        yaml.SafeLoader.__init__(self, stream)
        self._start_limits(shown)


_CParser: Any = getattr(getattr(yaml, "cyaml", None), "CParser", None)  # libyaml, in PyYAML's wheels

_FastLoader: type[Any] | None = None
if _CParser is not None:

    class _LibyamlLoader(
        _Limits,
        yaml.composer.Composer,
        _CParser,  # type: ignore[misc]  # libyaml's parser class is untyped (Any)
        yaml.constructor.SafeConstructor,
        yaml.resolver.Resolver,
    ):
        """_Loader with libyaml's scanner and parser under PyYAML's composer (the limits above still see every
        event): ~5x faster on a checklist of a few hundred lines, which every `gate check` reads. A document
        libyaml refuses is parsed again by _Loader, so errors read the same."""

        def __init__(self, stream: str, shown: str) -> None:
            _CParser.__init__(self, stream)
            yaml.composer.Composer.__init__(self)
            yaml.constructor.SafeConstructor.__init__(self)
            yaml.resolver.Resolver.__init__(self)
            self._start_limits(shown)

        def get_event(self) -> yaml.Event:
            # Explicit tags (checklists have none) are where the two parsers' events differ ('!' alone): the
            # pure-Python parser reads such a document, to the same result as before.
            event = super().get_event()
            if getattr(event, "tag", None) is not None:
                raise _LibyamlRefused
            return event

    _FastLoader = _LibyamlLoader

for _loader in (_Loader, _FastLoader) if _FastLoader is not None else (_Loader,):
    _loader.yaml_implicit_resolvers = {
        first: [
            (tag, rx) for tag, rx in resolvers if tag not in ("tag:yaml.org,2002:bool", "tag:yaml.org,2002:timestamp")
        ]
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }
    _loader.add_implicit_resolver(
        "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
    )

_SCALAR_TAGS = {
    "tag:yaml.org,2002:str",
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:null",
}
_MAP_TAG = "tag:yaml.org,2002:map"
_SEQ_TAG = "tag:yaml.org,2002:seq"


@dataclass
class Positions:
    """Where each value (and each mapping key) of a document is: data path -> 1-based line, col."""

    shown: str
    values: dict[Path_, tuple[int, int]] = field(default_factory=dict)
    keys: dict[Path_, tuple[int, int]] = field(default_factory=dict)

    def value(self, path: Path_) -> Location:
        """The location of the value at path, or of its nearest ancestor that has one."""
        for n in range(len(path), -1, -1):
            if path[:n] in self.values:
                return Location(self.shown, *self.values[path[:n]])
        return Location(self.shown, 1, 1)

    def key(self, path: Path_) -> Location:
        """The location of a mapping key, falling back to its value."""
        if path in self.keys:
            return Location(self.shown, *self.keys[path])
        return self.value(path)


def _mark(mark: Any) -> tuple[int, int]:
    return (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)


def _short_tag(tag: str) -> str:
    return "!!" + tag[len("tag:yaml.org,2002:") :] if tag.startswith("tag:yaml.org,2002:") else tag


def parse_yaml(text: str, shown: str) -> tuple[Any, Positions]:
    """One YAML document -> plain data (dict, list, str, int, float, bool, None) and positions."""
    if _FastLoader is not None:
        try:
            return _parse_with(_FastLoader, text, shown, libyaml=True)
        except (_LibyamlRefused, ProblemsError):
            pass  # any problem: parsed again below, so problems are found and worded as PyYAML's parser finds them
    return _parse_with(_Loader, text, shown)


def _parse_with(loader_class: type[Any], text: str, shown: str, *, libyaml: bool = False) -> tuple[Any, Positions]:
    pos = Positions(shown)
    try:
        loader = loader_class(text, shown)
        try:
            node = loader.get_single_node()
            if node is None:
                return None, pos
            builder = _Builder(loader, pos)
            return builder.build(node, (), 0, frozenset()), pos
        finally:
            loader.dispose()
    except yaml.YAMLError as exc:
        if libyaml:  # parsed again by the caller, for PyYAML's wording of the error
            raise _LibyamlRefused from None
        if isinstance(exc, yaml.MarkedYAMLError):
            raise ProblemsError([_yaml_problem(exc, shown)]) from None
        raise ProblemsError([_reader_problem(exc, text, shown)]) from None  # ReaderError: an offset, no mark


class _Builder:
    """Builds plain data from the node graph, counting nodes so that alias bombs stop early."""

    def __init__(self, loader: yaml.constructor.SafeConstructor, pos: Positions) -> None:
        self.loader = loader
        self.pos = pos
        self.count = 0

    def _fail(self, node: yaml.Node, message: str, path: Path_ = ()) -> ProblemsError:
        return ProblemsError([Problem(Location(self.pos.shown, *_mark(node.start_mark)), message, dotted(path))])

    def build(self, node: yaml.Node, path: Path_, depth: int, ancestors: frozenset[int]) -> Any:
        self.count += 1
        if self.count > MAX_NODES:  # only aliases get here: the loader caps the nodes written out
            raise self._fail(node, f"document expands to more than {MAX_NODES} values (alias bomb?)")
        if depth > MAX_DEPTH:
            raise self._fail(node, f"nested deeper than {MAX_DEPTH} levels (through aliases)", path)
        if id(node) in ancestors:
            raise self._fail(node, "recursive alias: a value contains itself", path)
        self.pos.values.setdefault(path, _mark(node.start_mark))
        if isinstance(node, yaml.ScalarNode):
            if node.tag not in _SCALAR_TAGS:
                raise self._fail(node, f"unsupported tag '{_short_tag(node.tag)}'; checklists are plain YAML", path)
            try:
                return self.loader.construct_object(node, deep=True)
            except ValueError:
                # The YAML 1.1 resolver takes `0b_` or `0x_` for an integer that int() then refuses.
                invalid = f"'{_clip(node.value)}' is not a valid {_TAG_WORDS.get(node.tag, 'value')}"
                raise self._fail(node, f"{invalid}; quote it if it is text", path) from None
        inner = ancestors | {id(node)}
        if isinstance(node, yaml.SequenceNode):
            if node.tag != _SEQ_TAG:
                raise self._fail(node, f"unsupported tag '{_short_tag(node.tag)}'; checklists are plain YAML", path)
            return [self.build(child, (*path, i), depth + 1, inner) for i, child in enumerate(node.value)]
        assert isinstance(node, yaml.MappingNode)
        if node.tag != _MAP_TAG:
            raise self._fail(node, f"unsupported tag '{_short_tag(node.tag)}'; checklists are plain YAML", path)
        out: dict[str, Any] = {}
        first_seen: dict[str, tuple[int, int]] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode) or key_node.tag != "tag:yaml.org,2002:str":
                if isinstance(key_node, yaml.ScalarNode) and key_node.value == "<<":
                    raise self._fail(key_node, "merge keys ('<<') are not supported; write the keys out", path)
                raise self._fail(key_node, f"mapping keys must be strings, got {_key_kind(key_node)}", path)
            key = key_node.value
            if key in first_seen:
                line = first_seen[key][0]
                raise self._fail(key_node, f"duplicate key '{_clip(key)}' (first at line {line})", (*path, key))
            first_seen[key] = _mark(key_node.start_mark)
            self.pos.keys[(*path, key)] = _mark(key_node.start_mark)
            out[key] = self.build(value_node, (*path, key), depth + 1, inner)
        return out


_TAG_WORDS = {
    "tag:yaml.org,2002:int": "integer",
    "tag:yaml.org,2002:float": "number",
    "tag:yaml.org,2002:bool": "boolean",
    "tag:yaml.org,2002:null": "null",
}


def _key_kind(node: yaml.Node) -> str:
    """What a non-string mapping key is, for the message: `integer 1 (quote it: '1')`, `a list`."""
    if isinstance(node, yaml.MappingNode):
        return "a mapping"
    if isinstance(node, yaml.SequenceNode):
        return "a list"
    if node.tag == "tag:yaml.org,2002:null":
        return "null" if not node.value or node.value == "~" else f"null (quote it: '{_clip(node.value)}')"
    if node.tag in _TAG_WORDS:
        return f"{_TAG_WORDS[node.tag]} {_clip(node.value)} (quote it: '{_clip(node.value)}')"
    return f"a value tagged '{_short_tag(node.tag)}'"


def _yaml_problem(exc: yaml.MarkedYAMLError, shown: str) -> Problem:
    mark = exc.problem_mark or exc.context_mark
    where = Location(shown, *_mark(mark))
    problem = (exc.problem or "").strip()
    if "'\\t'" in problem or "tab" in problem.lower():
        return Problem(where, "YAML syntax error: tab character; indent with spaces")
    if problem.startswith("found unhashable key"):
        return Problem(where, "mapping keys must be strings")
    message = f"YAML syntax error: {problem}"
    if exc.context:
        message += f" ({exc.context.strip()}"
        if exc.context_mark is not None and exc.context_mark is not mark:
            message += f" at line {exc.context_mark.line + 1}"
        message += ")"
    if "found undefined alias" in problem:
        message = f"YAML syntax error: {problem}"
    hints: tuple[str, ...] = ()
    if problem == "mapping values are not allowed here":
        hints = ("quote a value that contains ': ', or check the indentation of this line and the one above",)
    return Problem(where, message, hints=hints)


def _reader_problem(exc: yaml.YAMLError, text: str, shown: str) -> Problem:
    if isinstance(exc, yaml.reader.ReaderError):
        line = text.count("\n", 0, exc.position) + 1
        col = exc.position - (text.rfind("\n", 0, exc.position) + 1) + 1
        char = exc.character if isinstance(exc.character, int) else ord(exc.character)
        return Problem(Location(shown, line, col), f"control character #x{char:04x} is not allowed in a checklist")
    return Problem(Location(shown), f"YAML error: {exc}")


# ---------------------------------------------------------------------------------------------
# Validation errors -> problems


@cache
def _schema() -> dict[str, Any]:
    return Checklist.model_json_schema(by_alias=True)


def _resolve(node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        node = _schema()["$defs"][node["$ref"].rsplit("/", 1)[1]]
    return node


def _schema_at(data: Any, path: Path_) -> dict[str, Any] | None:
    """The JSON schema node of the value at path (following the kind: discriminator)."""
    node: dict[str, Any] | None = _schema()
    cur = data
    for part in path:
        if node is None:
            return None
        node = _pick(_resolve(node), cur)
        if node is None:
            return None
        if isinstance(part, str) and "properties" in node:
            node = node["properties"].get(part)
        elif isinstance(part, str) and isinstance(node.get("additionalProperties"), dict):
            node = node["additionalProperties"]
        elif isinstance(part, int) and "items" in node:
            node = node["items"]
        else:
            return None
        cur = (
            cur.get(part)
            if isinstance(cur, dict)
            else cur[part]
            if isinstance(cur, list) and isinstance(part, int) and part < len(cur)
            else None
        )
    return _pick(_resolve(node), cur) if node is not None else None


def _pick(node: dict[str, Any], value: Any) -> dict[str, Any] | None:
    """Choose the branch of a union that fits the value (by its kind:, or by its shape)."""
    node = _resolve(node)
    if "discriminator" in node and isinstance(value, dict):
        ref = node["discriminator"]["mapping"].get(value.get("kind"))
        return _resolve({"$ref": ref}) if ref else None
    for key in ("anyOf", "oneOf"):
        if key in node:
            for branch in node[key]:
                branch = _resolve(branch)
                if isinstance(value, dict) and ("properties" in branch or "additionalProperties" in branch):
                    return branch
                if isinstance(value, list) and "items" in branch:
                    return branch
                if "discriminator" in branch:
                    return _pick(branch, value)
            return None
    return node


def _keys_at(data: Any, path: Path_) -> list[str]:
    node = _schema_at(data, path)
    return list(node.get("properties", {})) if node else []


def dotted(path: Path_) -> str:
    """`('items', 2, 'evidence', 0, 'kind')` -> `items[2].evidence[0].kind`."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + part
    return out


def _data_path(data: Any, loc: tuple[str | int, ...]) -> tuple[Path_, bool]:
    """Map a pydantic loc to a path in the data, dropping union tags; True when the error is about a mapping key."""
    path: list[str | int] = []
    cur = data
    for part in loc:
        if part == "[key]":
            return tuple(path), True  # pydantic's marker for an error in a dict key, not its value
        if isinstance(cur, dict):
            if part in cur:
                path.append(part)
                cur = cur[part]
            elif isinstance(part, str) and cur.get("kind") == part:
                continue  # the discriminated union's tag
            else:
                path.append(part)
                cur = None
        elif isinstance(cur, list) and isinstance(part, int) and 0 <= part < len(cur):
            path.append(part)
            cur = cur[part]
        else:
            # union member names (str, int, list[...]) or validator names: not part of the data
            continue
    return tuple(path), False


def _value_at(data: Any, path: Path_) -> Any:
    cur = data
    for part in path:
        in_dict = isinstance(cur, dict) and part in cur
        in_list = isinstance(cur, list) and isinstance(part, int) and 0 <= part < len(cur)
        if not (in_dict or in_list):
            return None
        cur = cur[part]
    return cur


_TYPE_WORDS = {
    "string_type": "a string",
    "int_type": "an integer",
    "int_from_float": "an integer",
    "int_parsing": "an integer",
    "float_type": "a number",
    "float_parsing": "a number",
    "bool_type": "true or false",
    "bool_parsing": "true or false",
    "list_type": "a list",
    "tuple_type": "a list",
    "dict_type": "a mapping",
    "model_type": "a mapping",
    "model_attributes_type": "a mapping",
    "none_required": "null",
}


def _clip(text: str, limit: int = 80) -> str:
    """Text quoted in a message, cut to limit characters so that one problem stays one readable line."""
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _describe(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return f"boolean {str(value).lower()}"
    if isinstance(value, int):
        return f"integer {value}"
    if isinstance(value, float):
        return f"number {value}"
    if isinstance(value, str):
        return f"string '{_clip(value, 60)}'"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return type(value).__name__


def _close_match(word: str, options: Iterable[str]) -> str | None:
    match = difflib.get_close_matches(word, list(options), n=1, cutoff=0.6)
    return match[0] if match else None


def _did_you_mean(word: str, options: Iterable[str]) -> str:
    match = _close_match(word, options)
    return f". Did you mean '{match}'?" if match else ""


def validation_problems(exc: ValidationError, data: Any, pos: Positions) -> list[Problem]:
    """Turn pydantic's errors into one problem per place, in document order."""
    grouped: dict[tuple[Path_, bool], list[dict[str, Any]]] = {}
    for err in exc.errors(include_url=False):
        grouped.setdefault(_data_path(data, tuple(err["loc"])), []).append(dict(err))
    # A misspelt key is reported once: `querry` is unknown, and the `query` it stands for is not also missing.
    typos: set[Path_] = set()
    for (path, _), errs in grouped.items():
        if errs[0]["type"] == "extra_forbidden":
            match = _close_match(str(path[-1]), _keys_at(data, path[:-1]))
            if match is not None:
                typos.add((*path[:-1], match))
    problems = []
    for (path, is_key), errs in grouped.items():
        if errs[0]["type"] == "missing" and path in typos:
            continue
        problems.append(_problem_for(path, errs, data, pos, is_key=is_key))
    problems.sort(key=lambda p: (p.where.line, p.where.col, p.field))
    return problems


def _problem_for(
    path: Path_, errs: list[dict[str, Any]], data: Any, pos: Positions, *, is_key: bool = False
) -> Problem:
    field_name = dotted(path)
    types = [e["type"] for e in errs]
    first = errs[0]
    kind = first["type"]
    if is_key:
        return Problem(pos.key(path), _message(first, path), field_name)
    if kind == "extra_forbidden":
        key = str(path[-1])
        allowed = _keys_at(data, path[:-1])
        hints = (f"allowed keys here: {', '.join(allowed)}",) if allowed else ()
        return Problem(pos.key(path), f"unknown key '{_clip(key)}'{_did_you_mean(key, allowed)}", dotted(path), hints)
    if kind == "missing":
        key = str(path[-1])
        return Problem(pos.value(path[:-1]), f"missing required key '{key}'", dotted(path[:-1]) or "", ())
    if kind == "union_tag_invalid":
        tag = _value_at(data, (*path, "kind"))
        if not isinstance(tag, str):
            message = f"expected a string naming an evidence kind, got {_describe(tag)}"
        else:
            message = f"unknown kind '{_clip(tag)}'{_did_you_mean(tag, EVIDENCE_KINDS)}"
        return Problem(
            pos.value((*path, "kind")), message, dotted((*path, "kind")), ("`gate schema` lists every evidence kind",)
        )
    if kind == "union_tag_not_found":
        return Problem(
            pos.value(path),
            "missing required key 'kind'",
            field_name,
            (f"kinds: {', '.join(EVIDENCE_KINDS)}",),
        )
    if all(t in _TYPE_WORDS for t in types):
        words = list(dict.fromkeys(_TYPE_WORDS[t] for t in types))
        if "a number" in words and "an integer" in words:
            words.remove("an integer")  # `StrictInt | float`: any number will do
        expected = " or ".join(words)
        return Problem(pos.value(path), f"expected {expected}, got {_describe(first['input'])}", field_name)
    # Prefer the most specific error when a union produced several.
    for err in errs:
        if err["type"] not in _TYPE_WORDS:
            first = err
            break
    message = _message(first, path)
    if first["type"] in ("value_error", "assertion_error"):
        path = _culprit(path, message, data)
    return Problem(pos.value(path), message, dotted(path))


def _culprit(path: Path_, message: str, data: Any) -> Path_:
    """A rule over a whole mapping (a model validator) names no field: point at the value it is about."""
    node = _value_at(data, path)
    if not isinstance(node, dict):
        return path
    if twice := re.match(r"stage '(.*)' declared twice", message):
        return _second(path, node, "stages", twice[1])
    if twice := re.match(r"signoff lists role '(.*)' twice", message):
        return _second(path, node, "signoff", twice[1], "role")
    for prefix, key in (
        ("invalid regular expression", "pattern"),
        ("signed: true needs", "signed"),
        ("give `since` or `range`, not both", "range"),
        ("key goes with manifest", "key"),
        ("manifest needs key", "manifest"),
    ):
        if message.startswith(prefix) and key in node:
            return (*path, key)
    return path


def _second(path: Path_, node: dict[str, Any], key: str, value: str, sub: str | None = None) -> Path_:
    """The path of the second entry of node[key] equal to value (or whose [sub] is): the one to remove."""
    entries = node.get(key)
    if not isinstance(entries, list):
        return path
    hits = [i for i, e in enumerate(entries) if (e.get(sub) if sub and isinstance(e, dict) else e) == value]
    if len(hits) < 2:
        return path
    return (*path, key, hits[1], sub) if sub else (*path, key, hits[1])


_PATTERN_WORDS = {
    r"^[0-9a-f]{64}$": "is not a sha256 digest (64 lower-case hex digits)",
    r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$": "is not a Python module name (e.g. 'rl.reward')",
    r"^[^\s-][^\s]*$": "is not a git range: no spaces, and it must not start with '-'",
}


def _slug_noun(path: Path_) -> str:
    """What a slug names, from where it stands: an id, a role or a stage."""
    names = [p for p in path if isinstance(p, str)]
    last = names[-1] if names else ""
    if last == "id":
        return "id"
    if last in ("owner", "release_role", "role", "roles") or (len(names) > 1 and names[-2] == "roles"):
        return "role name"
    if last == "stages":
        return "stage name"
    return "name"


def _literal_options(expected: str) -> list[tuple[str, str]]:
    """pydantic's `'a', 'b' or 'c'` (or `True`) -> [(raw, shown)]: shown quoted, or as YAML writes it."""
    yaml_words = {"True": "true", "False": "false", "None": "null"}
    options = []
    for quoted, bare in re.findall(r"'([^']*)'|([^\s,']+)", expected):
        if bare == "or":
            continue
        options.append((quoted, f"'{quoted}'") if not bare else (bare, yaml_words.get(bare, bare)))
    return options


def _message(err: dict[str, Any], path: Path_ = ()) -> str:
    kind = err["type"]
    ctx = err.get("ctx") or {}
    value = err.get("input")
    if kind == "literal_error":
        options = _literal_options(str(ctx.get("expected", "")))
        got = _describe(value)
        if len(options) == 1:
            return f"expected {options[0][1]}, got {got}"
        hint = _did_you_mean(value, [raw for raw, _ in options]) if isinstance(value, str) else ""
        return f"expected one of {', '.join(shown for _, shown in options)}, got {got}{hint}"
    if kind == "string_pattern_mismatch":
        if ctx.get("pattern") == SLUG_PATTERN:
            return (
                f"'{_clip(str(value))}' is not a valid {_slug_noun(path)}: "
                "use lower-case letters, digits, '.', '_' and '-', starting with a letter or digit"
            )
        if ctx.get("pattern") in _PATTERN_WORDS:
            return f"'{_clip(str(value))}' {_PATTERN_WORDS[ctx['pattern']]}"
        return f"'{_clip(str(value))}' does not match the pattern {ctx.get('pattern')}"
    if kind == "too_short":
        if isinstance(value, (list, dict)) and not value:
            return "must not be empty"
        if isinstance(value, str):
            return "must not be empty"
        return f"needs at least {ctx.get('min_length')} entries"
    if kind == "too_long":
        count = len(value) if isinstance(value, (list, dict)) else ctx.get("actual_length")
        return f"too many entries: {count}, at most {ctx.get('max_length')}"
    if kind == "string_too_long":
        return f"too long: {len(str(value))} characters, at most {ctx.get('max_length')}"
    if kind == "string_too_short":
        return "must not be empty"
    for op, word in (
        ("greater_than_equal", ">="),
        ("greater_than", ">"),
        ("less_than_equal", "<="),
        ("less_than", "<"),
    ):
        if kind == op:
            bound = next(iter(ctx.values()), "?")
            return f"must be {word} {bound}, got {_describe(value)}"
    if kind in ("value_error", "assertion_error"):
        msg = str(err["msg"])
        for prefix in ("Value error, ", "Assertion failed, "):
            msg = msg.removeprefix(prefix)
        # The model quotes values whole; a 3000-character regular expression does not belong on one line.
        return re.sub(r"'([^'\n]{81,})'", lambda m: f"'{_clip(m[1])}'", msg)
    if kind in ("finite_number",):
        return "must be a finite number"
    msg = str(err["msg"])
    return msg[:1].lower() + msg[1:]


# ---------------------------------------------------------------------------------------------
# Loading one file, then resolving includes


@dataclass(frozen=True)
class ChecklistFile:
    """One validated checklist file, before includes are merged."""

    path: Path
    shown: str
    checklist: Checklist
    positions: Positions


@dataclass(frozen=True)
class LoadedChecklist:
    """A checklist with its includes merged, its digest, and where each item came from."""

    checklist: Checklist
    """The resolved checklist (include: emptied, included items, roles and stages merged)."""
    path: Path
    shown: str
    digest: str
    item_locations: dict[str, Location]
    """Item id -> the file, line and column where it is defined."""
    includes: tuple[str, ...]
    """Every file included, transitively, as shown paths, in load order."""
    root: Path


def find_root(path: Path) -> Path:
    """The folder includes must stay inside: the enclosing git work tree, else the checklist's folder."""
    start = path.absolute().parent
    for folder in (start, *start.parents):
        if (folder / ".git").exists():
            return folder
    return start


def load_file(path: Path, shown: str | None = None, *, max_bytes: int = MAX_BYTES) -> ChecklistFile:
    """Read, parse and validate one checklist file (no includes), with the per-file rules."""
    shown = shown if shown is not None else display_path(path)
    return parse_file(read_text(path, shown, max_bytes=max_bytes, what="checklist"), path, shown)


def parse_file(text: str, path: Path, shown: str) -> ChecklistFile:
    """Parse and validate one checklist's text (no includes), with the per-file rules."""
    data, pos = parse_yaml(text, shown)
    if data is None:
        empty = "empty file" if not text.strip() else "empty document"
        raise ProblemsError(
            [
                Problem(
                    Location(shown, 1, 1),
                    f"{empty}; a checklist needs id, version, title, owner, release_role and items",
                )
            ]
        )
    if not isinstance(data, dict):
        raise ProblemsError([Problem(pos.value(()), f"the top level must be a mapping, got {_describe(data)}")])
    try:
        checklist = Checklist.model_validate(data, by_alias=True, by_name=False)
    except ValidationError as exc:
        raise ProblemsError(validation_problems(exc, data, pos)) from None
    problems = list(_file_rules(checklist, pos))
    if problems:
        raise ProblemsError(problems)
    return ChecklistFile(path, shown, checklist, pos)


def _file_rules(cl: Checklist, pos: Positions) -> Iterator[Problem]:
    """Rules within one file: defined roles and stages, unique ids, valid JMESPath."""
    roles = sorted(cl.roles)
    hint = (f"defined roles: {', '.join(roles)}",) if roles else ("define it under roles:",)
    for key in ("owner", "release_role"):
        role = getattr(cl, key)
        if role not in cl.roles:
            yield Problem(pos.value((key,)), f"undefined role '{role}'{_did_you_mean(role, roles)}", key, hint)
    seen: dict[str, int] = {}
    for i, item in enumerate(cl.items):
        base: Path_ = ("items", i)
        if item.id in seen:
            first = pos.value(("items", seen[item.id], "id"))
            yield Problem(
                pos.value((*base, "id")),
                f"duplicate item id '{item.id}' (first at line {first.line})",
                dotted((*base, "id")),
            )
        else:
            seen[item.id] = i
        for s, stage in enumerate(item.stages or []):
            if stage not in cl.stages:
                declared = ", ".join(cl.stages) or "none"
                yield Problem(
                    pos.value((*base, "stages", s)),
                    f"undefined stage '{stage}'{_did_you_mean(stage, cl.stages)}",
                    dotted((*base, "stages", s)),
                    (f"declared stages: {declared}",),
                )
        for r, req in enumerate(item.signoff):
            if req.role not in cl.roles:
                p = (*base, "signoff", r, "role")
                yield Problem(
                    pos.value(p), f"undefined role '{req.role}'{_did_you_mean(req.role, roles)}", dotted(p), hint
                )
        if item.waiver is not None:
            for r, role in enumerate(item.waiver.roles):
                if role not in cl.roles:
                    p = (*base, "waiver", "roles", r)
                    yield Problem(pos.value(p), f"undefined role '{role}'{_did_you_mean(role, roles)}", dotted(p), hint)
        for e, spec in enumerate(item.evidence):
            expressions: list[tuple[str, str]] = []
            if isinstance(spec, (ConfigSpec, JsonSpec)):
                expressions.append(("query", spec.query))
            if isinstance(spec, DigestSpec) and spec.key is not None:
                expressions.append(("key", spec.key))
            for name, expr in expressions:
                reason = _jmespath_problem(expr)
                if reason is not None:
                    p = (*base, "evidence", e, name)
                    yield Problem(pos.value(p), f"invalid JMESPath expression '{_clip(expr)}': {reason}", dotted(p))


def _jmespath_problem(expr: str) -> str | None:
    """Why expr is not a JMESPath expression, in a few words with a 1-based position; None when it is one."""
    try:
        jmespath.compile(expr)
    except RecursionError:  # jmespath's parser recurses once per nesting level
        return "nested too deeply"
    except jmespath.exceptions.JMESPathError as exc:
        pos = getattr(exc, "lex_position", None)
        at = f" at position {pos + 1}" if isinstance(pos, int) else ""
        if isinstance(exc, jmespath.exceptions.IncompleteExpressionError):
            return "the expression ends too early"
        if isinstance(exc, jmespath.exceptions.LexerError):
            return f"{exc.message[:1].lower()}{exc.message[1:]}{at}"
        if isinstance(exc, jmespath.exceptions.ParseError) and exc.token_value is not None:
            return f"unexpected '{exc.token_value}'{at}"
        first = str(exc).splitlines()[0]
        return first[:1].lower() + first[1:]
    return None


def load(path: Path, *, root: Path | None = None, max_bytes: int = MAX_BYTES) -> LoadedChecklist:
    """Load a checklist and its includes. Raises ProblemsError listing every problem found."""
    root = (root or find_root(path)).resolve()
    top = load_file(path, max_bytes=max_bytes)
    files: list[ChecklistFile] = []
    problems: list[Problem] = []
    _collect(top, root, max_bytes, (top.path.resolve(),), files, problems, set())
    if problems:
        raise ProblemsError(problems)
    return _merge(top, files, root)


def load_at(root: Path, commit: str, path: str, *, max_bytes: int = MAX_BYTES) -> LoadedChecklist:
    """Load a checklist and its includes as of a commit (`git show COMMIT:path`), never from the work tree.

    `path` is repo-relative (POSIX). Includes resolve against the same commit with the rules of `load`:
    relative to the including file, never outside the repository, no cycles, regular files only (a
    symlink, folder or submodule at an include path is refused). Problems name files as `COMMIT12:path`.
    The digest equals the one `load` gives for the same files checked out. Used by `gate verify --repo`
    and the ratchet (a baseline is a ref).
    """
    from gate import gitrepo  # subprocess git only (no GitPython): the loader stays free of the git package

    ref = commit[:12]

    def read(rel: str) -> tuple[bytes | None, str]:
        entry = gitrepo.tree_entry(root, commit, rel)
        if entry is None:
            return None, "not found"
        if entry.mode not in ("100644", "100755"):
            kind = {"120000": "a symlink", "040000": "a folder", "160000": "a submodule"}.get(entry.mode, "not a file")
            return None, f"is {kind} at the commit, not a checklist file"
        return gitrepo.read_blob(root, commit, rel, max_bytes=max_bytes + 1), ""

    rel = posixpath.normpath(path)
    shown = f"{ref}:{rel}"
    if rel.startswith("../") or rel == ".." or posixpath.isabs(rel):
        raise ProblemsError([Problem(Location(shown), "the checklist path must be inside the repository")])
    data, why = read(rel)
    if data is None:
        raise ProblemsError([Problem(Location(shown), f"checklist {why} at commit {ref}")])
    top = parse_file(decode_text(data, shown, max_bytes=max_bytes, what="checklist"), Path(rel), shown)
    files: list[ChecklistFile] = []
    problems: list[Problem] = []
    _collect_at(top, rel, read, ref, max_bytes, (rel,), files, problems, set())
    if problems:
        raise ProblemsError(problems)
    return _merge(top, files, root)


def _collect_at(
    current: ChecklistFile,
    rel: str,
    read: Callable[[str], tuple[bytes | None, str]],
    ref: str,
    max_bytes: int,
    stack: tuple[str, ...],
    out: list[ChecklistFile],
    problems: list[Problem],
    done: set[str],
) -> None:
    """`_collect` over the files of a commit: the same order, so the merged checklist (and digest) is the same."""
    for i, entry in enumerate(current.checklist.include):
        where = current.positions.value(("include", i))
        field_name = f"include[{i}]"
        if "\x00" in entry:
            problems.append(Problem(where, "include contains a NUL character", field_name))
            continue
        target = posixpath.normpath(posixpath.join(posixpath.dirname(rel), entry))
        if posixpath.isabs(entry) or target == ".." or target.startswith("../"):
            problems.append(Problem(where, f"include '{_clip(entry)}' escapes the repository root", field_name))
            continue
        if target in stack:
            chain = " -> ".join(f"{ref}:{p}" for p in (*stack[stack.index(target) :], target))
            problems.append(Problem(where, f"include cycle: {chain}", field_name))
            continue
        if target in done:
            continue
        if len(stack) >= MAX_INCLUDE_DEPTH:
            problems.append(Problem(where, f"includes nested deeper than {MAX_INCLUDE_DEPTH} files", field_name))
            continue
        data, why = read(target)
        if data is None:
            problems.append(Problem(where, f"include '{_clip(entry)}' {why}", field_name))
            continue
        shown = f"{ref}:{target}"
        try:
            child = parse_file(decode_text(data, shown, max_bytes=max_bytes, what="checklist"), Path(target), shown)
        except ProblemsError as exc:
            problems.extend(exc.problems)
            continue
        done.add(target)
        _collect_at(child, target, read, ref, max_bytes, (*stack, target), out, problems, done)
        out.append(child)


_BROKEN_LINK = "is a broken symlink (missing target or a loop)"


def _collect(
    current: ChecklistFile,
    root: Path,
    max_bytes: int,
    stack: tuple[Path, ...],
    out: list[ChecklistFile],
    problems: list[Problem],
    done: set[Path],
) -> None:
    """Depth-first include resolution: each file once, cycles and escapes refused."""
    for i, entry in enumerate(current.checklist.include):
        where = current.positions.value(("include", i))
        field_name = f"include[{i}]"
        if "\x00" in entry:
            problems.append(Problem(where, "include contains a NUL character", field_name))
            continue
        target = current.path.parent / entry
        try:
            resolved = target.resolve()
        except RuntimeError:  # a symlink loop, before Python 3.13
            problems.append(Problem(where, f"include '{_clip(entry)}' {_BROKEN_LINK}", field_name))
            continue
        try:
            resolved.relative_to(root)
        except ValueError:
            problems.append(Problem(where, f"include '{_clip(entry)}' escapes the repository root", field_name))
            continue
        if resolved in stack:
            chain = " -> ".join(display_path(p) for p in (*stack[stack.index(resolved) :], resolved))
            problems.append(Problem(where, f"include cycle: {chain}", field_name))
            continue
        if resolved in done:
            continue  # a diamond: the file is already merged once
        if len(stack) >= MAX_INCLUDE_DEPTH:
            problems.append(Problem(where, f"includes nested deeper than {MAX_INCLUDE_DEPTH} files", field_name))
            continue
        try:
            is_dir, exists, is_link = target.is_dir(), target.exists(), target.is_symlink()
        except OSError as exc:  # e.g. a file name too long; is_dir() and exists() only swallow "not found"
            problems.append(Problem(where, f"cannot read include '{_clip(entry)}': {exc.strerror}", field_name))
            continue
        if is_dir:
            problems.append(Problem(where, f"include '{_clip(entry)}' is a folder; name a checklist file", field_name))
            continue
        if not exists:
            missing = _BROKEN_LINK if is_link else "not found"
            problems.append(Problem(where, f"include '{_clip(entry)}' {missing}", field_name))
            continue
        try:
            child = load_file(target, max_bytes=max_bytes)
        except ProblemsError as exc:
            problems.extend(exc.problems)
            continue
        done.add(resolved)
        _collect(child, root, max_bytes, (*stack, resolved), out, problems, done)
        out.append(child)


def _merge(top: ChecklistFile, included: list[ChecklistFile], root: Path) -> LoadedChecklist:
    """Union of items, roles and stages. Duplicate ids and conflicting role definitions are errors."""
    problems: list[Problem] = []
    roles: dict[str, RoleDef] = {}
    role_where: dict[str, Location] = {}
    stages: list[str] = []
    items: list[Item] = []
    item_where: dict[str, Location] = {}
    for f in (*included, top):
        for name, definition in f.checklist.roles.items():
            where = f.positions.key(("roles", name))
            if name in roles and roles[name] != definition:
                problems.append(
                    Problem(
                        where,
                        f"role '{name}' is defined differently in {role_where[name].path}:{role_where[name].line}",
                        f"roles.{name}",
                        ("an included role must have the same definition everywhere",),
                    )
                )
            elif name not in roles:
                roles[name] = definition
                role_where[name] = where
        for stage in f.checklist.stages:
            if stage not in stages:
                stages.append(stage)
    for f in (*included, top):
        for i, item in enumerate(f.checklist.items):
            where = f.positions.value(("items", i, "id"))
            if item.id in item_where:
                first = item_where[item.id]
                if first.path != where.path:
                    problems.append(
                        Problem(where, f"duplicate item id '{item.id}' (also in {first})", f"items[{i}].id")
                    )
                continue
            item_where[item.id] = where
            items.append(item)
    if not items:
        problems.append(Problem(top.positions.value(("items",)), "the checklist has no items", "items"))
    if problems:
        raise ProblemsError(problems)
    resolved = top.checklist.model_copy(update={"roles": roles, "stages": stages, "items": items, "include": []})
    # Re-validate so the merged model obeys the same rules as a file (model_copy skips validation).
    # Each file was valid alone, so only a limit that the union exceeds can fail here (over 200 roles);
    # anything else would be a bug in gate, and is left to surface as one.
    dumped = resolved.model_dump(by_alias=True)
    try:
        resolved = Checklist.model_validate(dumped)
    except ValidationError as exc:
        if any(err["type"] != "too_long" for err in exc.errors()):
            raise
        merged = validation_problems(exc, dumped, top.positions)
        raise ProblemsError([replace(p, message=f"with its includes: {p.message}") for p in merged]) from None
    return LoadedChecklist(
        checklist=resolved,
        path=top.path,
        shown=top.shown,
        digest=checklist_digest(resolved),
        item_locations=item_where,
        includes=tuple(f.shown for f in included),
        root=root,
    )


# ---------------------------------------------------------------------------------------------
# Lint


def lint_targets(paths: Iterable[Path]) -> tuple[list[Path], list[Problem]]:
    """The checklist files named or found under folders (`*.yaml`/`*.yml` outside `examples/` folders)."""
    files: list[Path] = []
    problems: list[Problem] = []
    for p in paths:
        if p.is_dir():
            for found in sorted(p.rglob("*")):
                rel = found.relative_to(p)
                if found.suffix in (".yaml", ".yml") and "examples" not in rel.parts[:-1] and found.is_file():
                    files.append(found)
        elif p.exists() or p.is_symlink():
            files.append(p)
        else:
            problems.append(Problem(Location(display_path(p)), "no such file or folder"))
    return files, problems


def lint(paths: Iterable[Path], *, max_bytes: int = MAX_BYTES) -> tuple[list[Path], list[Problem]]:
    """Load every checklist under paths; return the files linted and every problem, each once."""
    files, problems = lint_targets(paths)
    seen = {str(p) for p in problems}
    for f in files:
        try:
            load(f, max_bytes=max_bytes)
        except ProblemsError as exc:
            for problem in exc.problems:
                if str(problem) not in seen:
                    seen.add(str(problem))
                    problems.append(problem)
    return files, problems
