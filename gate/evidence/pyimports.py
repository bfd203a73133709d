"""Import records of Python modules (what a module's syntax says it imports; gate.evidence.code resolves them),
from CPython's parser or, for many modules at once, grimp's Rust parser read back exactly (else CPython decides).
Light (no pydantic, nothing else of gate): parse workers (gate.evidence.pool) run `extract_wire`. Errors are data.
"""

from __future__ import annotations

import ast
import bisect
import io
import keyword
import re
import sys
import tokenize
import unicodedata
from collections.abc import Iterable, Iterator, Sequence, Set
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from concurrent.futures import Future

DYNAMIC_IMPORTS = frozenset({"import_module", "__import__"})
"""Callees whose literal string argument is a dynamic import (importlib.import_module, __import__)."""
GRAMMAR = f"Python {sys.version_info.major}.{sys.version_info.minor}"

# Import records: what a file's syntax says about its imports, before resolving them against its package and the
# repository's modules. A pure function of the file's bytes, so gate.cache keeps them. Tuples, in walk order:
#   (IMPORT, line, col, names)                                  import a.b, c
#   (FROM, line, col, level, module, names)                     from ..a import b, c
#   (IMPORT_MODULE, line, col, via, name, anchor, anchor_is_package)   importlib.import_module("x", "pkg")
#   (DUNDER_IMPORT, line, col, via, name, level, fromlist)     __import__("x", fromlist=["y"], level=1)
# line is 1-based, col a 1-based character column; `via` is the call as written.
Record = tuple[Any, ...]
IMPORT, FROM, IMPORT_MODULE, DUNDER_IMPORT = 0, 1, 2, 3


@dataclass(frozen=True)
class Unparsed:
    """A module that cannot be parsed, and so might hide an import: the collector's ERROR, as data."""

    message: str
    hint: str


def _hint() -> str:
    return f"fix the file; gate parses with the grammar of {GRAMMAR}"


def decode(rel: str, data: bytes) -> str | Unparsed:
    """A module's text (PEP 263 encoding, without a BOM)."""
    if data.isascii():
        # What detect_encoding says for ASCII (no BOM) without a `coding` cookie in its first two lines: UTF-8.
        first = data.find(b"\n")
        second = data.find(b"\n", first + 1) if first >= 0 else -1
        if b"coding" not in (data if second < 0 else data[:second]):
            return data.decode("ascii")
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
        text = data.decode(encoding)
    except SyntaxError as exc:
        return Unparsed(f"cannot parse {rel}: {exc.msg}; an unparseable module might hide an import", _hint())
    except (UnicodeDecodeError, LookupError) as exc:
        return Unparsed(
            f"cannot parse {rel}: not valid text in its encoding ({exc}); an unparseable module might hide an import",
            _hint(),
        )
    return text[1:] if text.startswith("\ufeff") else text


def parse(rel: str, text: str) -> ast.Module | Unparsed:
    """CPython's syntax tree of a module."""
    try:
        return ast.parse(text, filename=rel)
    except SyntaxError as exc:
        return Unparsed(
            f"cannot parse {rel}:{exc.lineno or 1}: {exc.msg}; an unparseable module might hide an import", _hint()
        )
    except (ValueError, RecursionError, MemoryError) as exc:
        return Unparsed(
            f"cannot parse {rel}: {type(exc).__name__}: {exc}; an unparseable module might hide an import", _hint()
        )


def extract_wire(item: tuple[str, str]) -> list[Record] | tuple[str, str]:
    """A parse worker's job for one module (path, text): its records, or (message, hint) when it cannot be parsed."""
    rel, text = item
    tree = parse(rel, text)
    if isinstance(tree, Unparsed):
        return (tree.message, tree.hint)
    return extract(tree, text)


def from_wire(wire: object) -> list[Record] | Unparsed | None:
    """What `extract_wire` gave, checked; None for anything else (then the module is parsed here again)."""
    if isinstance(wire, list) and all(isinstance(r, tuple) for r in wire):
        return wire
    if isinstance(wire, tuple) and len(wire) == 2 and all(isinstance(s, str) for s in wire):
        return Unparsed(*wire)
    return None


def dynamic(text: str) -> bool:
    """Whether a module may hold a dynamic import (a call, which only CPython's tree shows). Python NFKC-normalises
    identifiers, so a non-ASCII spelling of `import_module` counts: test the normalised text."""
    plain = text if text.isascii() else unicodedata.normalize("NFKC", text)
    return any(name in plain for name in DYNAMIC_IMPORTS)


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]").search


def cpython_only(text: str) -> bool:
    """Whether only CPython's parser may read a module: a possible dynamic import, or a control character (NUL, VT,
    ESC...), which no Python accepts in code but grimp's parser lets pass."""
    return dynamic(text) or _CONTROL(text) is not None


# ---------------------------------------------------------------------------------------------------------------
# CPython's tree -> records

_COMPOUND = (
    ast.FunctionDef,
    ast.AsyncFunctionDef,
    ast.ClassDef,
    ast.For,
    ast.AsyncFor,
    ast.While,
    ast.If,
    ast.With,
    ast.AsyncWith,
    ast.Match,
    ast.Try,
    ast.TryStar,
    ast.ExceptHandler,
    ast.match_case,
)
_BLOCKS = ("body", "handlers", "orelse", "finalbody", "cases")
"""The fields of a compound statement that hold statements (or handlers and cases holding them), in source order."""


def statements(body: Sequence[ast.stmt]) -> Iterator[ast.AST]:
    """Every statement in a body, nested ones included, in source order; never descends into expressions."""
    stack: list[ast.AST] = list(reversed(body))
    while stack:
        node = stack.pop()
        yield node
        if isinstance(node, _COMPOUND):
            inner: list[ast.AST] = []
            for name in _BLOCKS:
                inner.extend(getattr(node, name, ()))
            stack.extend(reversed(inner))


class Lines:
    """Line starts of a text, with universal newlines (\\r\\n, \\r, \\n) as Python's tokenizer and ast see them."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.starts = [0, *(m.end() for m in re.finditer(r"\r\n|\r|\n", text))]

    def index(self, offset: int) -> int:
        """0-based line of a character offset."""
        return bisect.bisect_right(self.starts, offset) - 1

    def line(self, index: int) -> str:
        """The text of a 0-based line, without its line break."""
        end = self.starts[index + 1] if index + 1 < len(self.starts) else len(self.text)
        return self.text[self.starts[index] : end].rstrip("\r\n")

    def offset(self, lineno: int, col: int) -> int:
        """Character offset of a 1-based line and 0-based character column."""
        if lineno - 1 >= len(self.starts):
            return len(self.text)
        return self.starts[lineno - 1] + col

    def char_col(self, lineno: int, byte_col: int) -> int:
        """ast columns count UTF-8 bytes; this turns one into a 0-based character column."""
        if lineno - 1 >= len(self.starts):
            return byte_col
        text = self.line(lineno - 1)
        if text.isascii():
            return byte_col
        return len(text.encode("utf-8")[:byte_col].decode("utf-8", "ignore"))


def literal_str(node: ast.expr | None) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return None


def _arg(call: ast.Call, position: int, name: str) -> ast.expr | None:
    if len(call.args) > position and not any(isinstance(a, ast.Starred) for a in call.args[: position + 1]):
        return call.args[position]
    return next((k.value for k in call.keywords if k.arg == name), None)


def _callee(func: ast.expr) -> tuple[str, str] | None:
    """The called name and its dotted text, e.g. ('import_module', 'importlib.import_module')."""
    if isinstance(func, ast.Name):
        return func.id, func.id
    if isinstance(func, ast.Attribute):
        parts = [func.attr]
        inner: ast.expr = func.value
        while isinstance(inner, ast.Attribute):
            parts.append(inner.attr)
            inner = inner.value
        if isinstance(inner, ast.Name):
            parts.append(inner.id)
        return func.attr, ".".join(reversed(parts))
    return None


def extract(tree: ast.Module, text: str) -> list[Record]:
    """The import records of a parsed module, in the order of the walk."""
    lines = None if text.isascii() else Lines(text)  # ast columns are UTF-8 bytes; count characters
    records: list[Record] = []

    def where(node: ast.AST) -> tuple[int, int]:
        line, col = getattr(node, "lineno", 1), getattr(node, "col_offset", 0)
        return line, (lines.char_col(line, col) if lines else col) + 1

    # Imports are statements (the cheap walk finds them); a dynamic import is a call inside any expression,
    # so the full walk runs only where one may be.
    nodes: Iterable[ast.AST] = ast.walk(tree) if dynamic(text) else statements(tree.body)
    for node in nodes:
        if isinstance(node, ast.Import):
            records.append((IMPORT, *where(node), tuple(alias.name for alias in node.names)))
        elif isinstance(node, ast.ImportFrom):
            names = tuple(alias.name for alias in node.names)
            records.append((FROM, *where(node), node.level, node.module or "", names))
        elif isinstance(node, ast.Call):
            callee = _callee(node.func)
            if callee is None or callee[0] not in DYNAMIC_IMPORTS:
                continue
            target = literal_str(_arg(node, 0, "name"))
            record: Record
            if callee[0] == "import_module":
                anchor_node = _arg(node, 1, "package")
                is_package = isinstance(anchor_node, ast.Name) and anchor_node.id == "__package__"
                record = (IMPORT_MODULE, *where(node), callee[1], target, literal_str(anchor_node), is_package)
            else:
                level_node = _arg(node, 4, "level")
                level = (
                    level_node.value
                    if isinstance(level_node, ast.Constant) and isinstance(level_node.value, int)
                    else 0
                )
                fromlist = _arg(node, 3, "fromlist")
                names = (
                    tuple(n for n in (literal_str(e) for e in fromlist.elts) if n)
                    if isinstance(fromlist, (ast.List, ast.Tuple))
                    else ()
                )
                record = (DUNDER_IMPORT, *where(node), callee[1], target, level, names)
            records.append(record)
    return records


# ---------------------------------------------------------------------------------------------------------------
# grimp's parser -> records
#
# grimp (import-linter's engine) parses with ruff's Rust parser and reports, per module, each imported name with
# the line its statement starts on, resolved against a set of module names. It gives neither columns nor the
# statements' shapes, so gate reads each reported statement from the text itself (`_simple`, `_logical`), only
# where that reading is certain to be the tokenizer's:
#   - a statement is read only on a line grimp reports, so the file parsed (grimp refuses one with a syntax error)
#     and a statement starts on that line: the line cannot begin inside a string (closing one takes a quote, and
#     the lines read may hold none, comments included), nor inside brackets (`import` is never part of an
#     expression), so the tokens read from the start of the line are the tokenizer's;
#   - the logical line must hold nothing but import statements, in ASCII (`x = 1; import a`, `if c: import a`,
#     `lazy import a`, a quote, a non-ASCII name: CPython's parser reads the file instead);
#   - what gate read must be what grimp read: every (line, name) pair, resolved the way grimp resolves it (given
#     the repository's modules, grimp reports an import of one by its full name, others by their first part).
# Not checked is the grammar: a module that only a newer Python accepts (PEP 695, PEP 701 f-strings...) is read as
# that Python reads it, where CPython 3.11 alone would refuse it. A module grimp refuses gets CPython's verdict, so
# one that neither accepts is ERROR with CPython's message.

_WS = r"[ \t\f]"
_NAME = r"[A-Za-z_][A-Za-z0-9_]*"
_DOTTED = rf"{_NAME}(?:\.{_NAME})*"
_AS = rf"(?:{_WS}+as{_WS}+{_NAME})?"
_SIMPLE = re.compile(
    rf"(?P<indent>{_WS}*)(?:"
    rf"import{_WS}+(?P<imports>{_DOTTED}{_AS}(?:{_WS}*,{_WS}*{_DOTTED}{_AS})*)"
    rf"|from(?:{_WS}+|(?=\.))(?P<dots>\.*){_WS}*(?P<module>{_DOTTED})?{_WS}+import{_WS}+"
    rf"(?P<names>\*|{_NAME}{_AS}(?:{_WS}*,{_WS}*{_NAME}{_AS})*)"
    rf"){_WS}*(?:#[^'\"]*)?"
).fullmatch
"""A line holding one import statement and nothing else (the common case); a comment without quotes after it."""
_TOKEN = re.compile(
    r"(?P<ws>[ \t\f]+|\\\n)|(?P<comment>#[^\n]*)|(?P<nl>\n)|(?P<name>[A-Za-z_][A-Za-z0-9_]*)"
    r"|(?P<op>\.\.\.|[.,()*;])|(?P<bad>.)",
    re.DOTALL,
)
"""The tokens an import statement is made of; anything else (`bad`) sends the file to CPython's parser."""
_PACKAGE = "@"
"""The package grimp is told the scanned files are in: not an identifier, so it never meets an imported name."""
_AFTER_FROM = re.compile(r"from([ \t\f.\\\n]*)")
"""What follows each `from` (also inside words): dots, blanks and line breaks, a bound on any relative level."""
SCAN_CHUNK = 256
"""Modules per grimp scan: enough to keep every core busy, few to scan again when one is refused."""
_PREFIX = "#\n#\n"
"""Put before each text: grimp's in-memory file system dedents and strips its contents; a column-0 second line
keeps every line as it is (lines are counted from after the prefix)."""
_PREFIX_LINES = _PREFIX.count("\n")


@dataclass
class _File:
    """One module on its way through grimp."""

    text: str
    """The module's text with universal newlines as \\n (what Python's tokenizer reads)."""
    depth: int
    """More than any relative level in the file: the depth of the module name grimp is given."""


def _prepare(text: str) -> _File:
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    # grimp resolves relative imports against the module's name, and fails on one above the top: name the module
    # deeper than any level in the file.
    depth = max([run.count(".") for run in _AFTER_FROM.findall(text)], default=0) + 1
    return _File(text, depth)


def _read_names(text: str) -> tuple[str, ...]:
    if _ONE_NAME(text):
        return (text,)
    return tuple([part.split(None, 1)[0] for part in text.split(",")])


_ONE_NAME = re.compile(r"[A-Za-z0-9_.]+").fullmatch


def _simple(text: str, line: int) -> Record | None:
    """The statement of a line holding one import statement and nothing else (the common case)."""
    m = _SIMPLE(text)
    if m is None:
        return None
    indent, imports, dots, module, names = m.groups()
    if imports is not None:
        return (IMPORT, line, len(indent) + 1, _read_names(imports))
    if not dots and not module:
        return None
    return (FROM, line, len(indent) + 1, len(dots), module or "", ("*",) if names == "*" else _read_names(names))


def _logical(text: str, starts: list[int], line: int) -> tuple[list[Record], int] | None:
    """The import statements of the logical line starting at `line`, and its last line; None unless it holds only
    import statements, in ASCII, without quotes (then CPython's parser decides)."""
    tokens: list[tuple[str, str, int]] = []  # kind, text, offset
    depth = 0
    end = len(text)
    for m in _TOKEN.finditer(text, starts[line - 1]):
        kind = m.lastgroup or "bad"
        tok = m.group()
        if kind == "ws":
            continue
        if kind == "comment":
            if not tok.isascii() or "'" in tok or '"' in tok:
                return None
            continue
        if kind == "nl":
            if depth == 0:
                end = m.start()
                break
            continue
        if kind == "bad":
            return None
        if tok == "(":
            depth += 1
        elif tok == ")":
            depth -= 1
        tokens.append((kind, tok, m.start()))
    if depth != 0 or not tokens:
        return None
    records: list[Record] = []
    i = 0

    def at(k: int) -> str:
        return tokens[k][1] if k < len(tokens) else ""

    def name(k: int) -> bool:
        return k < len(tokens) and tokens[k][0] == "name" and not keyword.iskeyword(tokens[k][1])

    def dotted(k: int) -> tuple[str, int] | None:
        if not name(k):
            return None
        parts = [tokens[k][1]]
        k += 1
        while at(k) == "." and name(k + 1):
            parts.append(tokens[k + 1][1])
            k += 2
        return ".".join(parts), k

    def alias(k: int) -> int | None:
        if at(k) != "as":
            return k
        return k + 2 if name(k + 1) else None

    while True:
        offset = tokens[i][2] if i < len(tokens) else end
        first = bisect.bisect_right(starts, offset)
        col = offset - starts[first - 1] + 1
        if at(i) == "import":
            i += 1
            found: list[str] = []
            while True:
                got = dotted(i)
                nxt = alias(got[1]) if got else None
                if got is None or nxt is None:
                    return None
                found.append(got[0])
                i = nxt
                if at(i) != ",":
                    break
                i += 1
            records.append((IMPORT, first, col, tuple(found)))
        elif at(i) == "from":
            i += 1
            level = 0
            while at(i) in (".", "..."):
                level += len(at(i))
                i += 1
            module = ""
            if name(i):
                got = dotted(i)
                assert got is not None
                module, i = got
            if (not module and not level) or at(i) != "import":
                return None
            i += 1
            names: list[str] = []
            if at(i) == "*":
                names.append("*")
                i += 1
            else:
                paren = at(i) == "("
                i += paren
                while True:
                    nxt = alias(i + 1) if name(i) else None
                    if nxt is None:
                        return None
                    names.append(tokens[i][1])
                    i = nxt
                    if at(i) != ",":
                        break
                    i += 1
                    if paren and at(i) == ")":
                        break
                if paren:
                    if at(i) != ")":
                        return None
                    i += 1
            records.append((FROM, first, col, level, module, tuple(names)))
        else:
            return None
        if i == len(tokens):
            break
        if at(i) != ";":
            return None
        i += 1
        if i == len(tokens):
            break
    return records, bisect.bisect_right(starts, end)


def _grimp_names(record: Record, depth: int) -> list[str]:
    """The names grimp reports for a statement, before resolving (relative ones against a module `depth` deep)."""
    if record[0] == IMPORT:
        return list(record[3])
    _, _, _, level, module, names = record
    out = []
    for n in names:
        rest = f"{module}.{n}" if module else n
        out.append(f"{'.'.join([_PACKAGE] * (depth + 1 - level))}.{rest}" if level else rest)
    return out


def _resolved(name: str, known: Set[str]) -> str:
    """grimp's resolution of an imported name: itself or its parent when known, else its first part."""
    if name in known:
        return name
    head, dot, _ = name.rpartition(".")
    if dot and head in known:
        return head
    return name.split(".", 1)[0]


def _records(file: _File, reported: set[tuple[int, str]], known: Set[str], depth: int) -> list[Record] | None:
    """The records of a file grimp parsed, read from its text at the lines grimp reports; None when unsure."""
    records: list[Record] = []
    lines = file.text.split("\n")
    starts: list[int] | None = None
    covered = 0
    for line in sorted({line for line, _ in reported}):
        if line <= covered:
            continue  # inside a logical line read already
        if line > len(lines):
            return None
        simple = _simple(lines[line - 1], line)
        if simple is not None:
            records.append(simple)
            covered = line
            continue
        if starts is None:
            starts = [0, *(m.end() for m in re.finditer("\n", file.text))]
        got = _logical(file.text, starts, line)
        if got is None:
            return None
        records.extend(got[0])
        covered = got[1]
    seen = {(r[1], _resolved(n, known)) for r in records for n in _grimp_names(r, depth)}
    return records if seen == reported else None


def scan(texts: Sequence[str], names: Iterable[str] = ()) -> list[list[Record] | None]:
    """Import records of many modules (decoded texts) with grimp's parser, on all cores: None for a module whose
    records CPython's parser must give (see above), and for every module when grimp is missing or fails.

    `names` (the modules of the repository, say) are given to grimp as known modules: it reports an import of one
    of them by its full name rather than its first part, so the comparison with what gate read is closer."""
    results: list[list[Record] | None] = [None] * len(texts)
    from concurrent.futures import ThreadPoolExecutor  # here: parse workers need neither threads nor grimp

    try:
        import grimp._rustgrimp as rust
        from grimp.application.ports.modulefinder import FoundPackage, ModuleFile
        from grimp.domain.valueobjects import Module
        from grimp.exceptions import SourceSyntaxError
    except ImportError:
        return results

    given = frozenset(names)

    def scan_chunk(files: dict[int, _File]) -> tuple[dict[int, set[tuple[int, str]]], Set[str], int]:
        """What grimp reports for each module (absent: refused), the names it knew, the depth it was told."""
        depth = max(f.depth for f in files.values())
        modules = {i: ".".join([*([_PACKAGE] * depth), f"m{i}"]) for i in files}
        folder = "/".join(["", "g", *([_PACKAGE] * (depth - 1))])
        reported: dict[int, set[tuple[int, str]]] = {}

        def run(indices: list[int], failures: int) -> None:
            if not indices:
                return
            paths = {f"{folder}/m{i}.py": i for i in indices}
            scanned = [ModuleFile(module=Module(modules[i]), mtime=0.0) for i in indices]
            try:
                found = rust.scan_for_imports(
                    module_files=scanned,
                    found_packages={
                        FoundPackage(
                            name=_PACKAGE,
                            directory="/g",
                            module_files=frozenset(scanned),
                            namespace_packages=given,
                        )
                    },
                    include_external_packages=True,
                    exclude_type_checking_imports=False,
                    file_system=rust.FakeBasicFileSystem(
                        content_map={p: _PREFIX + files[i].text for p, i in paths.items()}
                    ),
                )
            except SourceSyntaxError as exc:
                # A module grimp refuses stops the whole scan: CPython's parser decides it, the others are scanned
                # again (in halves after two refusals in a row, so that many refused modules cost few scans).
                bad = paths.get(exc.filename)
                if bad is None:
                    return
                rest = [i for i in indices if i != bad]
                if failures < 1:
                    run(rest, failures + 1)
                else:
                    run(rest[: len(rest) // 2], 0)
                    run(rest[len(rest) // 2 :], 0)
                return
            except (KeyboardInterrupt, SystemExit):
                raise
            except BaseException:  # noqa: BLE001 - pyo3 turns a Rust panic into PanicException, a BaseException
                return
            by_name = {module.name: imports for module, imports in found.items()}
            for i in indices:
                got = by_name.get(modules[i])
                if got is not None:  # else grimp said nothing of it: CPython's parser decides
                    reported[i] = {(d.line_number - _PREFIX_LINES, d.imported.name) for d in got}

        run(list(files), 0)
        return reported, given | set(modules.values()), depth

    # In chunks, so that a refused module costs a scan of its chunk again, not of everything; and pipelined: grimp
    # parses a chunk in a thread (without the GIL, on all cores) while this one reads the chunks around it.
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="gate-grimp") as executor:
        previous: tuple[dict[int, _File], Future[tuple[dict[int, set[tuple[int, str]]], Set[str], int]]] | None = None
        for start in [*range(0, len(texts), SCAN_CHUNK), None]:
            current = None
            if start is not None:
                files = {i: _prepare(texts[i]) for i in range(start, min(start + SCAN_CHUNK, len(texts)))}
                current = (files, executor.submit(scan_chunk, files))
            if previous is not None:
                done, future = previous
                reported, known, depth = future.result()
                for i, got in reported.items():
                    results[i] = _records(done[i], got, known, depth)
            previous = current
    return results


__all__ = [
    "DUNDER_IMPORT",
    "DYNAMIC_IMPORTS",
    "FROM",
    "GRAMMAR",
    "IMPORT",
    "IMPORT_MODULE",
    "Lines",
    "Record",
    "Unparsed",
    "cpython_only",
    "decode",
    "dynamic",
    "extract",
    "extract_wire",
    "from_wire",
    "literal_str",
    "parse",
    "scan",
    "statements",
]
