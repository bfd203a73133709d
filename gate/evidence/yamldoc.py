"""YAML config documents, read the way `yaml.safe_load` reads them, located through their nodes.

Part of the `config` collector (gate.evidence.config), kept free of pydantic and the rest of gate so that parse
workers (gate.evidence.pool) import it in milliseconds: `parse_wire` is what a worker runs per file.
"""

from __future__ import annotations

import re
from typing import Any

import yaml

from gate.evidence.documents import DataPath, Document, Locator, Unreadable, line_col

MAX_VALUES = 1_000_000
"""A YAML document expanding (through aliases) to more values than this is refused (alias bomb)."""
FIX_SYNTAX = "fix the syntax of the file listed, or leave it out of `files:`"


_Base: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
LIBRARY = f"pyyaml-{yaml.__version__}-{_Base.__name__}"
"""The YAML library and loader that made a product, for cache keys."""


_RESOLVED: dict[tuple[str, tuple[bool, bool]], str] = {}
"""Implicit tags of plain scalars seen so far (bounded by RESOLVED_LIMIT): config values repeat a lot."""
RESOLVED_LIMIT = 1 << 16


class _ConfigLoader(_Base):  # type: ignore[valid-type,misc]
    """yaml.safe_load semantics, with the values JSON has no type for kept as JSON types.

    libyaml (CSafeLoader) when available: configs can be many and large, and it is ~3x faster than the
    pure-Python parser. Its syntax-error wording differs slightly from `gate lint`'s; positions are exact.
    """

    # The resolver's tag for a scalar is a pure function of its text and how it was written (no path
    # resolvers are registered on the safe loader), so it is remembered; a third of composing went there.
    def resolve(self, kind: Any, value: Any, implicit: Any) -> Any:
        if kind is yaml.ScalarNode and not self.yaml_path_resolvers:
            key = (value, implicit)
            tag = _RESOLVED.get(key)
            if tag is None:
                tag = super().resolve(kind, value, implicit)
                if len(_RESOLVED) < RESOLVED_LIMIT:
                    _RESOLVED[key] = tag
            return tag
        return super().resolve(kind, value, implicit)

    def descend_resolver(self, current_node: Any, current_index: Any) -> None:
        if self.yaml_path_resolvers:  # pragma: no cover - the safe loader registers none
            super().descend_resolver(current_node, current_index)

    def ascend_resolver(self) -> None:
        if self.yaml_path_resolvers:  # pragma: no cover - the safe loader registers none
            super().ascend_resolver()


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
    tags, recursive aliases and alias bombs are Unreadable at line:col.

    The node graph is not kept: thousands of documents' nodes (and their marks) would stay alive until the
    judgement and slow every garbage collection down (issue 10: 5000 configs took 4x longer). A finding's
    position is found by composing the document again (`_lazy_yaml_locator`), which only findings need.
    """
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
            try:
                data = _construct_fast(loader, node)
            except _Fallback:
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
    return Document(rel, data, _lazy_yaml_locator(text))


def _lazy_yaml_locator(text: str) -> Locator:
    """line:col of a data path, from the document's nodes, composed again on first use (text parsed before)."""
    found: list[yaml.Node] = []

    def locate(path: DataPath) -> tuple[int | None, int | None]:
        if not found:
            loader = _ConfigLoader(text)
            try:
                node = loader.get_single_node()
                # Constructing flattens merge keys into the mappings' node lists, as _node_at expects.
                loader.construct_document(node)
            finally:
                loader.dispose()
            found.append(node)
        mark = _node_at(found[0], path).start_mark
        return mark.line + 1, mark.column + 1

    return locate


class _Fallback(Exception):  # noqa: N818 - an internal signal, never leaves this module
    """The document needs PyYAML's own constructor (aliases, merge keys, sets, unknown tags, any error)."""


_SEQ = "tag:yaml.org,2002:seq"
_MAP = "tag:yaml.org,2002:map"
_KEY_TAGS_FLATTENED = frozenset({"tag:yaml.org,2002:merge", "tag:yaml.org,2002:value"})
_PLAIN_SCALARS = ("null", "bool", "int", "float", "timestamp", "binary")
_SCALARS: dict[tuple[str, str], Any] = {}
"""Constructed values of the plain scalars seen so far (bounded by RESOLVED_LIMIT)."""
_UNSEEN = object()


def _construct_fast(loader: yaml.SafeLoader, root: yaml.Node) -> Any:
    """The data `loader.construct_document(root)` would give, built directly from the nodes (~4x faster).

    Only for the common case: every node seen once (no alias), plain mappings (no merge or `=` keys),
    sequences, strings, and the scalars whose constructors are plain functions of one node (null, bool, int,
    float; timestamps and binary as text). Anything else, and any error, raises _Fallback so that PyYAML's
    constructor (with the alias checks) gives exactly its result or its error. Calls the same scalar
    constructors PyYAML would, so values are identical.
    """
    constructors = type(loader).yaml_constructors
    scalars = {f"tag:yaml.org,2002:{t}": constructors[f"tag:yaml.org,2002:{t}"] for t in _PLAIN_SCALARS}
    scalar_node, sequence_node, mapping_node = yaml.ScalarNode, yaml.SequenceNode, yaml.MappingNode
    seen: set[int] = set()

    def build(node: yaml.Node) -> Any:
        key = id(node)
        if key in seen or len(seen) >= MAX_VALUES:
            raise _Fallback  # an alias (or a huge document): _expanded_size must judge it
        seen.add(key)
        kind, tag = type(node), node.tag
        if kind is scalar_node:
            if tag == _STR:
                return node.value
            known = _SCALARS.get((tag, node.value), _UNSEEN)
            if known is not _UNSEEN:
                return known
            construct = scalars.get(tag)
            if construct is None:
                raise _Fallback
            value = construct(loader, node)
            if len(_SCALARS) < RESOLVED_LIMIT:
                _SCALARS[tag, node.value] = value  # immutable, and a pure function of the text
            return value
        if kind is sequence_node and tag == _SEQ:
            return [build(child) for child in node.value]
        if kind is mapping_node and tag == _MAP:
            out: dict[Any, Any] = {}
            for key_node, value_node in node.value:
                if key_node.tag in _KEY_TAGS_FLATTENED:
                    raise _Fallback
                out[build(key_node)] = build(value_node)
            return out
        raise _Fallback

    try:
        return build(root)
    except _Fallback:
        raise
    except Exception:  # noqa: BLE001 - an unhashable key, a bad scalar, deep nesting: PyYAML says what
        raise _Fallback from None


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
# Parse workers


Wire = tuple[Any, ...]
"""What a worker sends back for one file: (0, data) or (1, message, line, col, fix); marshal-able."""


def parse_wire(item: tuple[str, str]) -> Wire:
    """parse_yaml for a parse worker: (path, text) -> the document's data, or why it is unreadable."""
    rel, text = item
    doc = parse_yaml(rel, text)
    if isinstance(doc, Unreadable):
        return (1, doc.message, doc.line, doc.col, doc.fix)
    return (0, doc.data)


def from_wire(rel: str, text: str, wire: Wire) -> Document | Unreadable:
    """The Document (located lazily from `text`) or Unreadable that parse_wire described."""
    if wire[0] == 0:
        return Document(rel, wire[1], _lazy_yaml_locator(text))
    return Unreadable(rel, wire[1], wire[2], wire[3], wire[4])
