"""Collector for `config` evidence: repository config files (YAML, JSON, TOML) queried with JMESPath.

Reads committed, unmodified files at the release commit through the Context only. YAML is read the way
`yaml.safe_load` reads it (what the programs using these files see: YAML 1.1 booleans, duplicate keys
last-wins, merge keys), from the node graph so that findings carry the line:col of the selected value;
timestamps stay text. JSON is located exactly, TOML best-effort (the line of the key). Never prints.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

import jmespath

from gate.cache import Cache, Store, source_key
from gate.evidence import pool, yamldoc
from gate.evidence import query as query_module
from gate.evidence.context import Context, RepoView
from gate.evidence.documents import DataPath, Document, Locator, Selected, Unreadable, decode_utf8, no_position
from gate.evidence.jsonfile import parse_json, require_files
from gate.evidence.query import Query, QueryProblem, judge
from gate.evidence.yamldoc import FIX_SYNTAX, from_wire, parse_yaml
from gate.model import ConfigSpec
from gate.results import Evidence, Read

FORMATS = {".yaml": "yaml", ".yml": "yaml", ".json": "json", ".toml": "toml"}
CACHE_KIND = "config"
CACHE_SPECS = {"yaml": "yaml-safe-1", "toml": "tomllib-1"}
"""Cache spec keys: bump one when its parser's product changes. The gate and Python versions, PyYAML's and a
digest of this file are in every key too."""


def collect(spec: ConfigSpec, ctx: Context) -> Evidence:
    """Query every matched config file and judge the assertion by `each` (see ConfigSpec)."""
    query = Query(spec.query)
    repo = ctx.need_repo()
    files = repo.match(spec.files)
    require_files(files, spec.files, spec.min_files, "committed file")
    stores = _Stores(Cache.from_env(), query)
    docs: list[Document | Selected | Unreadable] = []
    read: list[Read] = []
    todo: list[_Todo] = []
    try:
        for rel in files:
            got, sha = _document(repo, rel, spec.format, stores)
            read.append(Read(path=rel, root="repo", sha256=sha))
            if isinstance(got, _Todo):
                got.index = len(docs)
                todo.append(got)
                docs.append(Unreadable(rel, "not parsed"))  # replaced below
            else:
                docs.append(got)
        _parse_yaml_files(todo, docs, stores)
    finally:
        stores.flush()
    return judge(spec, query, docs, read, root="repo")


@dataclass
class _Todo:
    """A file read but not parsed yet (YAML files are parsed together, on all cores: gate.evidence.pool)."""

    rel: str
    text: str
    fmt: str
    oid: str | None
    sha256: str
    index: int = -1


def _document(
    repo: RepoView, rel: str, given: str, stores: _Stores
) -> tuple[Document | Selected | Unreadable | _Todo, str]:
    """A file's document (or, for YAML, the text to parse) and the sha256 of its bytes.

    A YAML or TOML file whose blob was parsed before by the same parser comes from the cache by git's object id
    of the file at the release commit, without reading it (RepoView.content_id: the work tree matches the commit
    as git sees it): first what this query found in it (a Selected document; a re-run of the same check loads
    no document at all), else its data. Entries hold the bytes' sha256 too, so the evidence records the same
    reads either way; a finding's position is found by reading and parsing the file again."""
    fmt = _format(rel, given)
    oid = repo.content_id(rel) if fmt in CACHE_SPECS and stores.cache.enabled else None
    if oid is not None:
        hit = stores.selections(fmt).get(oid)
        if isinstance(hit, tuple) and len(hit) == 2 and isinstance(hit[0], str):
            return Selected(rel, stores.query.text, hit[1], lambda: _reparse(repo, rel, fmt)), hit[0]
        hit = stores.documents(fmt).get(oid)
        if isinstance(hit, tuple) and len(hit) == 2 and isinstance(hit[0], str):
            doc = Document(rel, hit[1], _lazy_locator(rel, lambda: repo.read_bytes(rel)[0], fmt))
            stores.keep_selection(fmt, oid, hit[0], doc)
            return doc, hit[0]
    raw, sha = repo.read_bytes(rel)
    if fmt == "yaml":
        text = decode_utf8(rel, raw)
        return (text if isinstance(text, Unreadable) else _Todo(rel, text, fmt, oid, sha)), sha
    parsed = parse_config(rel, raw, fmt)
    if oid is not None and isinstance(parsed, Document):
        stores.documents(fmt).put(oid, (sha, parsed.data))
        stores.keep_selection(fmt, oid, sha, parsed)
    return parsed, sha


def _reparse(repo: RepoView, rel: str, fmt: str) -> Document | Unreadable:
    return parse_config(rel, repo.read_bytes(rel)[0], fmt)


def _parse_yaml_files(todo: list[_Todo], docs: list[Document | Selected | Unreadable], stores: _Stores) -> None:
    """Parse the YAML files read, on all cores when they are many, into `docs` (and the cache)."""
    sizes = [len(t.text) for t in todo]
    wires: list[yamldoc.Wire | None] = [None] * len(todo)  # None: parse here, the common small case
    if len(todo) > 1 and pool.workers_for(sum(sizes)) > 0:
        wires = pool.parse_all("yaml", [(t.rel, t.text) for t in todo], sizes)
    for entry, wire in zip(todo, wires, strict=True):
        doc = parse_yaml(entry.rel, entry.text) if wire is None else from_wire(entry.rel, entry.text, wire)
        docs[entry.index] = doc
        if entry.oid is not None and isinstance(doc, Document):
            stores.documents(entry.fmt).put(entry.oid, (entry.sha256, doc.data))
            stores.keep_selection(entry.fmt, entry.oid, entry.sha256, doc)


def _format(rel: str, given: str) -> str:
    """The parser for a file: `format:` when given, else by extension ("" when the extension says nothing)."""
    if given != "auto":
        return given
    suffix = rel[rel.rfind(".") :].lower() if "." in rel.rsplit("/", 1)[-1] else ""
    return FORMATS.get(suffix, "")


class _Stores:
    """The cache stores of one collection, opened when first needed: per parser, the parsed documents, and what
    this collection's query found in them (a projection of the parse product; the assertion is judged afresh)."""

    def __init__(self, cache: Cache, query: Query) -> None:
        self.cache = cache
        self.query = query
        self.opened: dict[tuple[str, str], Store] = {}

    def _store(self, fmt: str, what: str) -> Store:
        store = self.opened.get((fmt, what))
        if store is None:
            library = yamldoc.LIBRARY if fmt == "yaml" else ""
            parts = [CACHE_SPECS[fmt], "git-blob", library, source_key(__file__), source_key(yamldoc.__file__)]
            if what == "select":
                # The query's text and the code that evaluates it; "\0" cannot occur in a checklist's string.
                parts += [f"jmespath-{jmespath.__version__}", source_key(query_module.__file__), self.query.text]
            store = self.opened[fmt, what] = self.cache.store(CACHE_KIND, "\0".join([what, *parts]))
        return store

    def documents(self, fmt: str) -> Store:
        return self._store(fmt, "data")

    def selections(self, fmt: str) -> Store:
        return self._store(fmt, "select")

    def keep_selection(self, fmt: str, oid: str, sha256: str, doc: Document) -> None:
        """Cache what the query finds in a document, unless it cannot be evaluated there (then it is judged from
        the document each time, and the error said each time)."""
        try:
            found = self.query.search(doc.data)
        except QueryProblem:
            return
        self.selections(fmt).put(oid, (sha256, found))

    def flush(self) -> None:
        for store in self.opened.values():
            store.flush()


def parse_config(rel: str, data: bytes, fmt: str = "auto") -> Document | Unreadable:
    """Parse a config file as `fmt` (yaml, json or toml; auto: by extension)."""
    fmt = _format(rel, fmt)
    if not fmt:
        return Unreadable(
            rel,
            "cannot tell the format from the file extension (.yaml, .yml, .json or .toml)",
            fix="set `format:` (yaml, json or toml) on the evidence entry, or narrow `files:`",
        )
    if fmt == "json":
        return parse_json(rel, data, fix=FIX_SYNTAX)  # the C parser is as fast as reading a cache entry
    text = decode_utf8(rel, data)
    if isinstance(text, Unreadable):
        return text
    return parse_yaml(rel, text) if fmt == "yaml" else parse_toml(rel, text)


def _lazy_locator(rel: str, read: Callable[[], bytes], fmt: str) -> Locator:
    """The locator of a document whose data came from the cache: read and parse once more, only if asked."""
    found: list[Locator] = []

    def locate(path: DataPath) -> tuple[int | None, int | None]:
        if not found:
            doc = parse_config(rel, read(), fmt)
            found.append(doc.locate if isinstance(doc, Document) else no_position)
        return found[0](path)

    return locate


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
