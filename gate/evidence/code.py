"""Collectors for `code.imports` (the Python import graph) and `code.pattern` (a text search in source files).

Both read the repository at the release commit only through `ctx.need_repo()` (tracked, unmodified files) and
bind every file they read into the evidence digest. They fail closed: a file they need to parse and cannot is
ERROR, never skipped, because an unparseable module might hide an import (and an untokenizable file a match).
"""

from __future__ import annotations

import ast
import importlib.util
import io
import keyword
import re
import tokenize
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import NamedTuple, Protocol

from gate.cache import Cache, Store, source_key
from gate.errors import EvidenceUnavailable
from gate.evidence import pool, pyimports
from gate.evidence.context import Context, RepoView, compile_globs
from gate.evidence.pyimports import FROM, IMPORT, IMPORT_MODULE, Lines, Record, Unparsed
from gate.evidence.pyimports import literal_str as _literal_str
from gate.evidence.pyimports import statements as _statements
from gate.model import CodeImportsSpec, CodePatternSpec
from gate.results import Evidence, Observation, Read, Status, evidence

MAX_MODULE_BYTES = 4 * 1024 * 1024
"""A Python module larger than this is ERROR for code.imports (generated code; parsing it would be slow)."""
MAX_SEARCH_BYTES = 64 * 1024 * 1024
"""A file larger than this is ERROR for code.pattern."""
MAX_SHOWN = 200
"""Characters of a matched line shown in an observation."""
PYTHON_SUFFIXES = (".py", ".pyi", ".pyw")
"""Files that code.pattern tokenizes as Python for ignore_comments / ignore_strings."""


class _Spanner(Protocol):
    """An ast node -> its character span in the text."""

    def __call__(self, node: ast.AST) -> tuple[int, int]: ...


def _q(value: str) -> str:
    return f"'{value}'"


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


# ---------------------------------------------------------------------------------------------------------------
# code.imports


class _Import(NamedTuple):
    """One module reaching another: where the import is, and the callee when it is a dynamic import."""

    target: str
    path: str
    line: int
    col: int
    via: str | None = None

    def link(self) -> str:
        note = f", via {self.via}" if self.via else ""
        return f" -> {self.target} ({self.path}:{self.line}{note})"


@dataclass(frozen=True)
class _ModuleFile:
    path: str
    package: bool
    """True for pkg/__init__.py: relative imports resolve against the module itself."""


def _root_prefix(root: str) -> str:
    """'src/' for 'src', './src/' or 'src/'; '' for the repository root."""
    rel = root
    while rel.startswith("./"):
        rel = rel[2:]
    rel = rel.strip("/")
    return "" if rel in ("", ".") else rel + "/"


def _root_glob(prefix: str) -> str:
    if not prefix:
        return "*.py"
    return "/" + re.sub(r"([*?\[\]])", r"\\\1", prefix) + "**/*.py"


def _module_name(rest: str) -> tuple[str, bool] | None:
    """'rl/reward/__init__.py' -> ('rl.reward', True); None when the path is not an importable module."""
    parts = rest[: -len(".py")].split("/")
    package = parts[-1] == "__init__"
    if package:
        parts.pop()
    if not parts or not all(p.isidentifier() and not keyword.iskeyword(p) for p in parts):
        return None
    return ".".join(parts), package


def _ancestors(name: str) -> list[str]:
    """'a.b.c' -> ['a.b.c', 'a.b', 'a']: importing a module runs every package above it."""
    parts = name.split(".")
    return [".".join(parts[:i]) for i in range(len(parts), 0, -1)]


def _within(name: str, prefixes: Iterable[str]) -> bool:
    return any(name == p or name.startswith(p + ".") for p in prefixes)


CACHE_KIND = "code.imports"
CACHE_SPEC = "import-records-2"
"""Bump when the records change. Entries are keyed by git's blob id (RepoView.content_id) and hold the sha256 and
size of the bytes with the records; the gate and Python versions, digests of this file, of
gate.evidence.pyimports and of grimp's package are in every key too."""


def _store(cache: Cache) -> Store:
    found = importlib.util.find_spec("grimp")
    grimp = source_key(found.origin) if found is not None and found.origin else "no-grimp"
    key = f"{CACHE_SPEC};git-blob;{source_key(__file__)};{source_key(pyimports.__file__)};grimp-{grimp}"
    return cache.store(CACHE_KIND, key)


def _parse(rel: str, data: bytes) -> tuple[ast.Module, str]:
    """Decode (PEP 263) and parse a module with CPython's parser; ERROR when it cannot be parsed (it might hide an
    import)."""
    text = pyimports.decode(rel, data)
    tree = text if isinstance(text, Unparsed) else pyimports.parse(rel, text)
    if isinstance(tree, Unparsed):
        raise EvidenceUnavailable(tree.message, where=rel, hint=tree.hint)
    assert isinstance(text, str)
    return tree, text


def _unparsed(rel: str, got: Unparsed) -> EvidenceUnavailable:
    return EvidenceUnavailable(got.message, where=rel, hint=got.hint)


@dataclass
class _Todo:
    """A module read but not parsed yet: the modules of a search step are parsed together (grimp, all cores)."""

    rel: str
    data: bytes
    text: str
    oid: str | None
    sha256: str


class _Scanner:
    """Parses modules as the search reaches them, a step at a time (`prefetch`), and remembers their imports.

    A module is read and parsed once: from the cache by git's blob id without reading it, else its bytes are read
    (and bound) and its import records come from grimp's parser or, where that is unsure, CPython's
    (gate.evidence.pyimports). A file that cannot be read or parsed is an error kept for the moment the search
    reaches its module, so the error raised is the one a module-by-module walk would raise first."""

    def __init__(
        self, repo: RepoView, files: dict[str, list[_ModuleFile]], known: set[str], cache: Cache | None = None
    ) -> None:
        self.repo = repo
        self.files = files
        self.known = known
        self.cache = cache if cache is not None else Cache(None)
        self.store = _store(self.cache)
        self.reads: list[Read] = []
        self._records: dict[str, list[Record] | EvidenceUnavailable] = {}
        self._imports: dict[str, list[_Import]] = {}
        self._lineage: dict[str, list[str]] = {}

    def close(self) -> None:
        """Write the new cache entries."""
        self.store.flush()

    def prefetch(self, modules: Iterable[str]) -> None:
        """Read and parse the files of these modules (those not done yet), together."""
        self._load([mf.path for m in modules for mf in self.files.get(m, ())])

    def _load(self, paths: Iterable[str]) -> None:
        todo: list[_Todo] = []
        for rel in dict.fromkeys(p for p in paths if p not in self._records):
            got = self._read(rel)
            if isinstance(got, _Todo):
                todo.append(got)
            else:
                self._records[rel] = got
        if todo:
            self._parse_all(todo)

    def _read(self, rel: str) -> list[Record] | EvidenceUnavailable | _Todo:
        """A module's records from the cache, else its text to parse, or why it cannot be read.

        A hit reads nothing: git's blob id (RepoView.content_id) says what the bytes are, and the entry holds their
        sha256 and size, so the evidence binds the same reads either way and the size cap holds."""
        try:
            oid = self.repo.content_id(rel) if self.cache.enabled else None
            if oid is not None:
                hit = self.store.get(oid)
                if (
                    isinstance(hit, tuple)
                    and len(hit) == 3
                    and isinstance(hit[0], str)
                    and isinstance(hit[1], int)
                    and hit[1] <= MAX_MODULE_BYTES
                    and isinstance(hit[2], list)
                ):
                    self.reads.append(Read(path=rel, root="repo", sha256=hit[0]))
                    return hit[2]
            data, sha = self.repo.read_bytes(rel, max_bytes=MAX_MODULE_BYTES)
        except EvidenceUnavailable as exc:
            return exc
        self.reads.append(Read(path=rel, root="repo", sha256=sha))
        text = pyimports.decode(rel, data)
        if isinstance(text, Unparsed):
            return _unparsed(rel, text)
        return _Todo(rel, data, text, oid, sha)

    def _parse_all(self, todo: list[_Todo]) -> None:
        """Records for modules read: grimp's parser for all but those only CPython's may read (a possible dynamic
        import), then CPython's for those and any grimp was unsure about (on all cores when they are many:
        gate.evidence.pool)."""
        fast = [t for t in todo if not pyimports.cpython_only(t.text)]
        found: dict[str, list[Record] | EvidenceUnavailable] = {}
        for entry, records in zip(
            fast, pyimports.scan([t.text for t in fast], self.known) if fast else [], strict=True
        ):
            if records is not None:
                found[entry.rel] = records
        slow = [t for t in todo if t.rel not in found]
        sizes = [len(t.data) for t in slow]
        wires: list[object] = [None] * len(slow)  # None: parse here, the common small case
        if len(slow) > 1 and pool.workers_for(sum(sizes)) > 0:
            wires = pool.parse_all("pyimports", [(t.rel, t.text) for t in slow], sizes)
        for entry, wire in zip(slow, wires, strict=True):
            got = pyimports.from_wire(wire)
            if got is None:
                try:
                    got = pyimports.extract(*_parse(entry.rel, entry.data))
                except EvidenceUnavailable as exc:
                    found[entry.rel] = exc
                    continue
            found[entry.rel] = _unparsed(entry.rel, got) if isinstance(got, Unparsed) else got
        for entry in todo:
            result = found[entry.rel]
            self._records[entry.rel] = result
            if entry.oid is not None and isinstance(result, list):
                self.store.put(entry.oid, (entry.sha256, len(entry.data), result))

    def imports(self, module: str) -> list[_Import]:
        """What a module imports, first occurrence of each target, in source order (files in roots order)."""
        cached = self._imports.get(module)
        if cached is not None:
            return cached
        seen: set[str] = set()
        out: list[_Import] = []
        for mf in self.files.get(module, []):
            for line, col, targets, via in self._scan(module, mf):
                for target in targets:
                    if target not in seen:
                        seen.add(target)
                        out.append(_Import(target, mf.path, line, col, via))
        self._imports[module] = out
        return out

    def _ancestors(self, name: str) -> list[str]:
        found = self._lineage.get(name)
        if found is None:
            found = self._lineage[name] = _ancestors(name)
        return found

    def _records_of(self, rel: str) -> list[Record]:
        """A file's import records (prefetched, or read and parsed now); its error, raised now."""
        got = self._records.get(rel)
        if got is None:
            self._load([rel])
            got = self._records[rel]
        if isinstance(got, EvidenceUnavailable):
            raise got
        return got

    def _scan(self, module: str, mf: _ModuleFile) -> list[tuple[int, int, list[str], str | None]]:
        """A file's imports as (line, col, targets, via) per statement or call, in source order."""
        records = self._records_of(mf.path)
        package = module if mf.package else module.rpartition(".")[0]
        known = self.known
        ancestors = self._ancestors
        found: list[tuple[int, int, list[str], str | None]] = []

        def relative(level: int, name: str, line: int, *, strict: bool = True) -> str | None:
            parts = package.split(".") if package else []
            if len(parts) < level:
                if not strict:
                    return None
                raise EvidenceUnavailable(
                    f"cannot resolve the relative import at {mf.path}:{line}: it goes above the top-level package",
                    where=mf.path,
                    hint="check `roots`: they are the folders that hold the top-level packages (e.g. 'src')",
                )
            base = ".".join(parts[: len(parts) - level + 1])
            return f"{base}.{name}" if name else base

        # Records are resolved in the order the walk met them, so the first error is the same as a walk's.
        last = (0, 0)
        ordered = True  # records from grimp or the statement walk are in source order; a full walk's may not be
        calls = False
        for record in records:
            kind, line, col = record[0], record[1], record[2]
            if ordered and (line, col) < last:
                ordered = False
            last = (line, col)
            if kind == IMPORT:
                names = record[3]
                found.append(
                    (
                        line,
                        col,
                        ancestors(names[0]) if len(names) == 1 else [t for n in names for t in ancestors(n)],
                        None,
                    )
                )
            elif kind == FROM:
                base = relative(record[3], record[4], line) if record[3] else record[4]
                assert base is not None
                # `from a import b`: b is a submodule when the repository has one by that name, else an attribute.
                subs = [sub for sub in [f"{base}.{n}" for n in record[5]] if sub in known]
                found.append((line, col, subs + ancestors(base) if subs else ancestors(base), None))
            elif kind == IMPORT_MODULE:
                calls = True
                via, target, anchor, anchor_is_package = record[3:7]
                resolved = _import_module_targets(target, anchor, anchor_is_package, package)
                if resolved is not None:
                    found.append((line, col, resolved, via))
            else:  # __import__ (pyimports.DUNDER_IMPORT)
                calls = True
                via, target, level, fromlist = record[3:7]
                if not target:
                    continue
                base = relative(level, target, line, strict=False) if level > 0 else target
                if base is None:
                    continue
                subs = [f"{base}.{n}" for n in fromlist if f"{base}.{n}" in known]
                found.append((line, col, subs + ancestors(base), via))
        if not ordered:
            found.sort(key=_position)  # a dynamic walk's order becomes source order
        if calls and len({_position(f) for f in found}) < len(found):
            # Two calls at one place (`import_module("a").import_module("b")`): targets interleave by index.
            flat = sorted(
                ((line, col, i, target, via) for line, col, targets, via in found for i, target in enumerate(targets)),
                key=lambda f: (f[0], f[1], f[2]),
            )
            return [(line, col, [target], via) for line, col, _, target, via in flat]
        return found


def _position(found: tuple[int, int, list[str], str | None]) -> tuple[int, int]:
    return found[0], found[1]


def _import_module_targets(
    target: str | None, anchor: str | None, anchor_is_package: bool, package: str
) -> list[str] | None:
    """Targets of `importlib.import_module("x")` with a literal name (relative names need a literal anchor or
    `__package__`); None otherwise."""
    if not target:
        return None
    level = len(target) - len(target.lstrip("."))
    if level:
        if anchor is None and anchor_is_package:
            anchor = package
        if not anchor:
            return None
        parts = anchor.split(".")
        if len(parts) < level:
            return None
        base = ".".join(parts[: len(parts) - level + 1])
        rest = target[level:]
        target = f"{base}.{rest}" if rest else base
    return _ancestors(target)


def _modules(repo: RepoView, roots: list[str]) -> tuple[dict[str, list[_ModuleFile]], set[str]]:
    """Python modules under the roots: name -> files (several roots may hold one name), and every known name
    (packages without __init__.py, i.e. namespace packages, included)."""
    files: dict[str, list[_ModuleFile]] = {}
    known: set[str] = set()
    for root in roots:
        prefix = _root_prefix(root)
        for rel in repo.match([_root_glob(prefix)]):
            if not rel.startswith(prefix):
                continue
            named = _module_name(rel[len(prefix) :])
            if named is None:
                continue
            name, package = named
            files.setdefault(name, []).append(_ModuleFile(rel, package))
            known.update(_ancestors(name))
    return files, known


def collect_imports(spec: CodeImportsSpec, ctx: Context) -> Evidence:
    """Source modules must not reach forbidden modules, directly or (transitive: true) through a chain of imports.

    Semantics: module names come from paths relative to each root (pkg/__init__.py -> pkg; a folder without
    __init__.py is a namespace package). Every import statement counts, wherever it is (inside functions, under
    `if`/`try`/TYPE_CHECKING). `import a.b.c` reaches a, a.b and a.b.c (importing runs each package's
    __init__); `from a import b` reaches a and, when the repository has a module a.b, a.b; relative imports
    resolve against the importing module's package; `importlib.import_module("x")` and `__import__("x")` with a
    literal name count too, and the chain says so. Only modules the search reaches are parsed (and bound into
    the digest). One observation per source module that reaches a forbidden one: the shortest chain, each link
    with the file:line of its import, at the first import of the chain.
    """
    repo = ctx.need_repo()
    roots_text = ", ".join(_q(r) for r in spec.roots)
    files, known = _modules(repo, list(spec.roots))
    missing = [s for s in spec.source if s not in known]
    if missing:
        raise EvidenceUnavailable(
            f"no module {', '.join(_q(m) for m in missing)} under roots {roots_text}",
            hint="check `source` and `roots` (the folders that hold the top-level packages, e.g. 'src')",
        )
    absent = [f for f in spec.forbidden if f not in known]
    if absent:
        names = ", ".join(_q(f) for f in absent)
        verb = "does" if len(absent) == 1 else "do"
        raise EvidenceUnavailable(
            f"forbidden module{'s' if len(absent) > 1 else ''} {names} {verb} not exist under roots; "
            "the check would be vacuous",
            hint=f"check the spelling of `forbidden` and `roots` ({roots_text}); only modules in the repository "
            "can be forbidden",
        )
    for s in spec.source:
        inside = next((f for f in spec.forbidden if _within(s, [f])), None)
        if inside is not None:
            raise EvidenceUnavailable(
                f"source module {_q(s)} is inside forbidden module {_q(inside)}; the check would be meaningless",
                hint="a source must not be (inside) a forbidden module",
            )

    sources = sorted(n for n in files if _within(n, spec.source) and not _within(n, spec.forbidden))
    if not sources:
        raise EvidenceUnavailable(
            f"no module in {', '.join(_q(s) for s in spec.source)} outside the forbidden ones under roots {roots_text}",
            hint="check `source` and `forbidden`",
        )
    scanner = _Scanner(repo, files, known, Cache.from_env())
    forbidden = list(spec.forbidden)
    try:
        chains = _chains(scanner, sources, forbidden, transitive=spec.transitive)
    finally:
        scanner.close()

    observations: list[Observation] = []
    for source in sources:
        chain = chains.get(source)
        if chain:
            first = chain[0]
            observations.append(
                Observation(
                    message=source + "".join(imp.link() for imp in chain),
                    path=first.path,
                    root="repo",
                    line=first.line,
                    col=first.col,
                )
            )
    sources_text = ", ".join(_q(s) for s in spec.source)
    forbidden_text = " or ".join(_q(f) for f in spec.forbidden)
    how = "(directly or through other modules)" if spec.transitive else "directly"
    count = len(observations)
    summary = (
        f"{count} of {_plural(len(sources), 'module')} in {sources_text} {'imports' if count == 1 else 'import'} "
        f"{forbidden_text} {how}"
    )
    return evidence(
        spec.kind,
        Status.FAIL if observations else Status.PASS,
        summary,
        observations,
        label=spec.label,
        fix=f"remove the imports shown (removing any link breaks a chain), or move the code that needs "
        f"{forbidden_text} out of {sources_text}",
        read=scanner.reads,
    )


def _chains(
    scanner: _Scanner, sources: list[str], forbidden: list[str], *, transitive: bool
) -> dict[str, list[_Import]]:
    """For each source module that reaches a forbidden module: the shortest chain of imports (BFS)."""
    if not transitive:
        scanner.prefetch(sources)
        direct: dict[str, list[_Import]] = {}
        for source in sources:
            hit = next((imp for imp in scanner.imports(source) if _within(imp.target, forbidden)), None)
            if hit is not None:
                direct[source] = [hit]
        return direct

    # Forward: discover (and parse) what the sources reach; forbidden modules are ends, never expanded. A step at
    # a time (the modules of one BFS level are parsed together), in the order of a queue-driven BFS.
    seen = set(sources)
    level = list(sources)
    reverse: dict[str, list[str]] = {}
    while level:
        expanded = [m for m in level if not _within(m, forbidden)]
        scanner.prefetch(expanded)
        level = []
        for module in expanded:
            for imp in scanner.imports(module):
                reverse.setdefault(imp.target, []).append(module)
                if imp.target not in seen:
                    seen.add(imp.target)
                    level.append(imp.target)
    # Backward: distance from every reached module to the nearest forbidden one.
    dist = {m: 0 for m in seen if _within(m, forbidden)}
    queue = deque(sorted(dist))
    while queue:
        module = queue.popleft()
        for importer in reverse.get(module, []):
            if importer not in dist:
                dist[importer] = dist[module] + 1
                queue.append(importer)
    # Each step takes the first import (in source order) that keeps the chain shortest.
    chains: dict[str, list[_Import]] = {}
    for source in sources:
        if source not in dist:
            continue
        chain: list[_Import] = []
        module = source
        while dist[module] > 0:
            step = next(imp for imp in scanner.imports(module) if dist.get(imp.target) == dist[module] - 1)
            chain.append(step)
            module = step.target
        chains[source] = chain
    return chains


# ---------------------------------------------------------------------------------------------------------------
# code.pattern


@dataclass
class _Mask:
    """Character spans to blank out (True) or to show again (False), applied in order."""

    ops: list[tuple[int, int, bool]] = field(default_factory=list)

    def apply(self, text: str) -> str:
        if not self.ops:
            return text
        flags = bytearray(len(text))
        for start, end, on in self.ops:
            flags[start:end] = (b"\x01" if on else b"\x00") * (end - start)
        out: list[str] = []
        last = 0
        for run in re.finditer(rb"\x01+", flags):
            out.append(text[last : run.start()])
            # Blank everything but line breaks, so lines and columns stay where they were.
            out.append(re.sub(r"[^\r\n]", " ", text[run.start() : run.end()]))
            last = run.end()
        out.append(text[last:])
        return "".join(out)


class _Misplaced(Exception):  # noqa: N818 - internal signal, never leaves this module
    """An ast position inside an f-string did not point at the expression (older Pythons had such bugs)."""


_FSTRING_TOKENS: frozenset[int] = frozenset(
    getattr(tokenize, name)
    for name in ("FSTRING_START", "FSTRING_MIDDLE", "FSTRING_END", "TSTRING_START", "TSTRING_MIDDLE", "TSTRING_END")
    if hasattr(tokenize, name)
)
_SPLIT_FSTRINGS = bool(_FSTRING_TOKENS)
"""Python 3.12+ tokenizes f-strings into parts, so the code inside {...} stays visible on its own."""


def _python_mask(rel: str, text: str, lines: Lines, *, comments: bool, strings: bool) -> _Mask:
    """Blank comments and docstrings (comments) and string literals (strings), keeping the code in f-strings."""
    hint = "fix the file, or drop ignore_comments / ignore_strings for it"
    try:
        tree = ast.parse(text, filename=rel)
        tokens = list(tokenize.generate_tokens(io.StringIO(text, newline="").readline))
    except SyntaxError as exc:
        raise EvidenceUnavailable(
            f"cannot parse {rel}:{exc.lineno or 1}: {exc.msg}; cannot tell comments and strings from code",
            where=rel,
            hint=hint,
        ) from None
    except tokenize.TokenError as exc:
        row = exc.args[1][0] if len(exc.args) > 1 and isinstance(exc.args[1], tuple) else 1
        raise EvidenceUnavailable(
            f"cannot parse {rel}:{row}: {exc.args[0]}; cannot tell comments and strings from code",
            where=rel,
            hint=hint,
        ) from None
    except (ValueError, RecursionError, MemoryError) as exc:
        raise EvidenceUnavailable(
            f"cannot parse {rel}: {type(exc).__name__}: {exc}; cannot tell comments and strings from code",
            where=rel,
            hint=hint,
        ) from None
    mask = _Mask()
    has_fstrings = False
    for tok in tokens:
        if (comments and tok.type == tokenize.COMMENT) or (
            strings and (tok.type == tokenize.STRING or tok.type in _FSTRING_TOKENS)
        ):
            mask.ops.append((lines.offset(*tok.start), lines.offset(*tok.end), True))
            if tok.type == tokenize.STRING and "f" in tok.string[: tok.string.find(tok.string[-1])].lower():
                has_fstrings = True

    def span(node: ast.AST) -> tuple[int, int]:
        line, end_line = getattr(node, "lineno", 1), getattr(node, "end_lineno", None) or 1
        start = lines.offset(line, lines.char_col(line, getattr(node, "col_offset", 0)))
        end = lines.offset(end_line, lines.char_col(end_line, getattr(node, "end_col_offset", None) or 0))
        return start, end

    if comments:
        for node in [tree, *_statements(tree.body)]:
            if not isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            first = node.body[0] if node.body else None
            if isinstance(first, ast.Expr) and _literal_str(first.value) is not None:
                mask.ops.append((*span(first), True))
    if strings and has_fstrings and not _SPLIT_FSTRINGS:
        mask.ops.extend(_fstring_code(tree, text, span))
    return mask


def _same_node(segment: str, node: ast.AST) -> bool:
    try:
        parsed = ast.parse(f"(\n{segment}\n)", mode="eval")
    except (SyntaxError, ValueError, RecursionError):
        return False
    return ast.dump(parsed.body) == ast.dump(node)


def _fstring_code(tree: ast.Module, text: str, span: _Spanner) -> list[tuple[int, int, bool]]:
    """Python 3.11 tokenizes a whole f-string as one STRING: show the code inside its {...} again.

    Each position is checked against the node it claims to hold; if one is off, the whole f-string is treated
    as code (fail closed: a match there counts rather than hides).
    """
    ops: list[tuple[int, int, bool]] = []

    def checked(node: ast.AST) -> tuple[int, int]:
        start, end = span(node)
        if not _same_node(text[start:end], node):
            raise _Misplaced
        return start, end

    def visit(node: ast.AST, out: list[tuple[int, int, bool]]) -> None:
        # Inside an f-string expression: nested strings and f-strings are strings again.
        if isinstance(node, ast.JoinedStr):
            out.append((*checked(node), True))
            for value in node.values:
                if isinstance(value, ast.FormattedValue):
                    visit_value(value, out)
            return
        if isinstance(node, ast.Constant) and isinstance(node.value, (str, bytes)):
            out.append((*checked(node), True))
            return
        for child in ast.iter_child_nodes(node):
            visit(child, out)

    def visit_value(value: ast.FormattedValue, out: list[tuple[int, int, bool]]) -> None:
        out.append((*checked(value.value), False))
        visit(value.value, out)
        if isinstance(value.format_spec, ast.JoinedStr):
            for part in value.format_spec.values:
                if isinstance(part, ast.FormattedValue):
                    visit_value(part, out)

    stack: list[ast.AST] = [tree]
    while stack:
        node = stack.pop()
        if not isinstance(node, ast.JoinedStr):
            stack.extend(ast.iter_child_nodes(node))
            continue
        local: list[tuple[int, int, bool]] = []
        try:
            for value in node.values:
                if isinstance(value, ast.FormattedValue):
                    visit_value(value, local)
        except (_Misplaced, RecursionError):
            local = [(*span(node), False)]
        ops.extend(local)
    return ops


def _plain_comment_mask(lines: Lines) -> _Mask:
    """Other files: a line whose first non-blank characters are `#` or `//` is a comment."""
    mask = _Mask()
    for index in range(len(lines.starts)):
        content = lines.line(index)
        if content.lstrip().startswith(("#", "//")):
            start = lines.starts[index]
            mask.ops.append((start, start + len(content), True))
    return mask


def _printable(text: str) -> str:
    """Control and format characters (escape sequences, bidi overrides) shown escaped, tabs as spaces."""
    if text.isprintable():
        return text
    out = []
    for ch in text:
        if ch.isprintable():
            out.append(ch)
        elif ch == "\t":
            out.append(" ")
        else:
            code = ord(ch)
            out.append(f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}")
    return "".join(out)


def _shown(line: str, col: int) -> str:
    """The matched line, stripped and trimmed to MAX_SHOWN characters around the match at 0-based `col`."""
    before, after = _printable(line[:col]), _printable(line[col:])
    text = (before + after).rstrip()
    lead = len(text) - len(text.lstrip())
    text = text.lstrip()
    at = max(0, len(before) - lead)
    if len(text) <= MAX_SHOWN:
        return text
    start = max(0, at - 40)
    if start == 0:
        return text[: MAX_SHOWN - 1] + "…"
    if len(text) - start <= MAX_SHOWN - 1:
        return "…" + text[len(text) - (MAX_SHOWN - 1) :]
    return "…" + text[start : start + MAX_SHOWN - 2] + "…"


def _decode(rel: str, data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise EvidenceUnavailable(
            f"{rel} is not UTF-8 text (invalid byte at offset {exc.start}); refusing to search it",
            where=rel,
            hint=f"exclude it from `files` (e.g. '!{rel}'), or re-encode it as UTF-8",
        ) from None


def collect_pattern(spec: CodePatternSpec, ctx: Context) -> Evidence:
    """A literal (or regex) must not occur outside the allowlist, or must occur somewhere, in repository files.

    Semantics: one observation per matching line, at the first match on it (path:line:col, the line stripped and
    trimmed to 200 characters). Regexes use re.MULTILINE, so ^ and $ anchor at lines. ignore_comments blanks
    comments and docstrings (the first string statement of a module, class or function) in Python files, and in
    other files any line whose first non-blank characters are `#` or `//` (no block comments). ignore_strings
    blanks string literals in Python files only (the code inside an f-string's {...} still counts). Blanking
    keeps lines and columns. `allowlist` applies to must: not_occur (allowlisted files are not searched); with
    must: occur every matched file is searched. Files must be UTF-8.
    """
    repo = ctx.need_repo()
    globs = list(spec.files)
    files = repo.match(globs)
    if not files:
        raise EvidenceUnavailable(
            f"no committed file matches {', '.join(_q(g) for g in globs)}",
            where=globs[0],
            hint="check `files` (gitignore-style globs relative to the repository root)",
        )
    occur = spec.must == "occur"
    allow = compile_globs(spec.allowlist) if spec.allowlist and not occur else None
    searched = [f for f in files if allow is None or not allow.match_file(f)]
    skipped = len(files) - len(searched)
    flags = re.MULTILINE | (re.IGNORECASE if spec.ignore_case else 0)
    rx = re.compile(spec.pattern if spec.regex else re.escape(spec.pattern), flags)
    # Blanking comments and strings turns characters into spaces: it can only remove matches of a literal
    # without a space, never add one, so a file without any match needs no tokenizing (pure-Python, slow).
    blank_safe = not spec.regex and " " not in spec.pattern

    reads: list[Read] = []
    hits: list[Observation] = []
    hit_files = 0
    for rel in searched:
        data, sha = repo.read_bytes(rel, max_bytes=MAX_SEARCH_BYTES)
        reads.append(Read(path=rel, root="repo", sha256=sha))
        text = _decode(rel, data)
        lines = Lines(text)
        if blank_safe and rx.search(text) is None:
            haystack = text
        elif rel.endswith(PYTHON_SUFFIXES) and (spec.ignore_comments or spec.ignore_strings):
            haystack = _python_mask(rel, text, lines, comments=spec.ignore_comments, strings=spec.ignore_strings).apply(
                text
            )
        elif spec.ignore_comments:
            haystack = _plain_comment_mask(lines).apply(text)
        else:
            haystack = text
        last = -1
        before = len(hits)
        for match in rx.finditer(haystack):
            index = lines.index(match.start())
            if index == last:
                continue
            last = index
            col = match.start() - lines.starts[index]
            hits.append(
                Observation(
                    message=_shown(lines.line(index), col),
                    path=rel,
                    root="repo",
                    line=index + 1,
                    col=col + 1,
                    failing=not occur,
                )
            )
        hit_files += len(hits) > before

    what = f"regex {_q(spec.pattern)}" if spec.regex else _q(spec.pattern)
    qualifiers = []
    if spec.ignore_case:
        qualifiers.append("ignoring case")
    if spec.ignore_comments and spec.ignore_strings:
        qualifiers.append("outside comments, docstrings and strings")
    elif spec.ignore_comments:
        qualifiers.append("outside comments and docstrings")
    elif spec.ignore_strings:
        qualifiers.append("outside strings")
    if qualifiers:
        what += f" ({', '.join(qualifiers)})"
    found = f"matches {_plural(len(hits), 'line')} in {hit_files} of {_plural(len(searched), 'file')}"
    none = f"matches no line in {_plural(len(searched), 'file')}"
    skipped_text = f"; {_plural(skipped, 'allowlisted file')} not searched" if skipped else ""

    if occur:
        if hits:
            return evidence(spec.kind, Status.PASS, f"{what} {found}", hits, label=spec.label, read=reads)
        shown = ", ".join(searched[:10]) + (f", and {len(searched) - 10} more" if len(searched) > 10 else "")
        return evidence(
            spec.kind,
            Status.FAIL,
            f"{what} {none}: {shown}",
            [Observation(message=f"no match for {what}", path=rel, root="repo") for rel in searched],
            label=spec.label,
            fix=f"add the required code to the files searched, or correct `files` ({', '.join(_q(g) for g in globs)}) "
            "and `pattern` if they are wrong",
            read=reads,
        )
    if hits:
        return evidence(
            spec.kind,
            Status.FAIL,
            f"{what} {found}{skipped_text}",
            hits,
            label=spec.label,
            fix="remove each match shown; where a match is intended, add its file to `allowlist` (a checklist "
            "change, signed off like any other)",
            read=reads,
        )
    return evidence(spec.kind, Status.PASS, f"{what} {none}{skipped_text}", label=spec.label, read=reads)
