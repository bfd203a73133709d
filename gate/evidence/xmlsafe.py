"""Stream untrusted XML safely: any DTD or entity declaration refused, memory flat, positions exact.

`iterparse` is expat with Python callbacks: the reference reader, whose errors name file:line:col. The fast one,
`iter_complete`, has libxml2 (lxml) build the document in C a chunk at a time and hands over finished subtrees
(issue 10); it raises NotFast for whatever it cannot answer exactly, and the caller then uses `iterparse`.
Either way, a DOCTYPE, an ENTITY or NOTATION declaration or an external entity is refused by expat before
anything is expanded, and before libxml2 sees a byte (DESIGN "Input limits"). Callers pass a stream: this module
never opens files.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Literal, NoReturn, Protocol
from xml.parsers import expat

from gate.errors import EvidenceUnavailable

if TYPE_CHECKING:
    from lxml import etree

CHUNK = 64 * 1024
"""Bytes fed to expat at a time: big enough for stdlib speed, small enough that queued events stay few."""
FAST_CHUNK = 256 * 1024
"""Bytes fed to libxml2 at a time: each batch of finished subtrees is visited (then freed) after one."""
OPAQUE_BYTES = 2 * 1024 * 1024
"""Input an opaque element (a test case) may span before the fast reader hands over to `iterparse`: libxml2
keeps it whole until it ends, at up to ~8x its size in memory when it is made of small elements."""
TEXT_LIMIT = 4096
"""Characters of an element's own text kept (failure messages need the first line, not a 50 MB stack dump)."""
MAX_DEPTH = 256
"""Deeper nesting is refused: no report needs it, and the open-element stack must stay small. libxml2 refuses
the same depth (its default limit), so the fast reader falls back to `iterparse`, which names the place."""

REFUSED = "XML with a DTD or entities is refused"

ASCII_COMPATIBLE = frozenset({"utf-8", "utf8", "us-ascii", "ascii", "iso-8859-1", "latin-1", "latin1"})
"""Declared encodings in which every markup character is the single ASCII byte, so bytes can be scanned for
line numbers (`start_lines`). Anything else (UTF-16, other code pages) is read by `iterparse` alone."""

# expat codes for a document that stops before it is complete (seen on the final, empty Parse call).
_TRUNCATED_CODES = {
    expat.errors.codes[expat.errors.XML_ERROR_NO_ELEMENTS],
    expat.errors.codes[expat.errors.XML_ERROR_UNCLOSED_TOKEN],
    expat.errors.codes[expat.errors.XML_ERROR_PARTIAL_CHAR],
    expat.errors.codes[expat.errors.XML_ERROR_UNCLOSED_CDATA_SECTION],
}


class Readable(Protocol):
    """Anything with `read(n) -> bytes` (the Context's HashingReader)."""

    def read(self, size: int = -1, /) -> bytes | None: ...


class NotFast(Exception):  # noqa: N818 - an expected condition, named for it (STYLE "Names")
    """The fast reader cannot answer for this document exactly: read it again with `iterparse`."""


class XmlElement:
    """One element: tag, attributes and where it starts (1-based line and column). `text` grows until its end."""

    __slots__ = ("attrs", "col", "depth", "line", "tag", "text")

    def __init__(self, tag: str, attrs: dict[str, str], line: int, col: int, depth: int) -> None:
        self.tag = tag
        self.attrs = attrs
        self.line = line
        self.col = col
        self.depth = depth
        """0 for the root element."""
        self.text = ""
        """The element's own character data (not its children's), at most `text_limit` characters."""

    def __repr__(self) -> str:
        return f"XmlElement({self.tag!r}, line={self.line}, col={self.col}, depth={self.depth})"


Event = tuple[Literal["start", "end"], XmlElement]


def _safe_parser(shown: str) -> expat.XMLParserType:
    """An expat parser that refuses any DTD, entity or notation declaration and any external entity."""
    parser = expat.ParserCreate()
    # Never read an external DTD or parameter entity, whatever the document says.
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)

    def refuse(what: str) -> NoReturn:
        # expat reports a declaration's position at its end; the line is what a reader needs.
        raise EvidenceUnavailable(
            f"{shown}:{parser.CurrentLineNumber}: {REFUSED} (found {what})",
            where=shown,
            hint="produce the report without a DOCTYPE or entity declarations",
        )

    def on_doctype(name: str, *_: object) -> None:
        refuse(f"<!DOCTYPE {name}>")

    def on_entity(name: str, *_: object) -> None:
        refuse(f"<!ENTITY {name}>")

    def on_notation(name: str, *_: object) -> None:
        refuse(f"<!NOTATION {name}>")

    def on_external(*_: object) -> int:
        refuse("an external entity reference")

    parser.StartDoctypeDeclHandler = on_doctype
    parser.EntityDeclHandler = on_entity
    parser.UnparsedEntityDeclHandler = on_entity
    parser.NotationDeclHandler = on_notation
    parser.ExternalEntityRefHandler = on_external
    return parser


def iterparse(
    stream: Readable,
    shown: str,
    *,
    text_limit: int = TEXT_LIMIT,
    max_depth: int = MAX_DEPTH,
    chunk: int = CHUNK,
) -> Iterator[Event]:
    """Parse `stream` (named `shown` in errors) and yield start and end events in document order.

    Raises EvidenceUnavailable for a DTD or entity declaration (REFUSED), malformed XML, truncated XML, an empty
    file or nesting deeper than `max_depth`. Elements are not kept after their end event: callers copy what they
    need. Namespaces are not processed (tags are as written, e.g. `ns:tag`).
    """
    parser = _safe_parser(shown)
    parser.buffer_text = True
    events: list[Event] = []
    stack: list[XmlElement] = []

    def on_start(tag: str, attrs: dict[str, str]) -> None:
        depth = len(stack)
        if depth >= max_depth:
            line = parser.CurrentLineNumber
            raise EvidenceUnavailable(
                f"{shown}:{line}: XML nested deeper than {max_depth} elements; refusing to read it", where=shown
            )
        element = XmlElement(tag, attrs, parser.CurrentLineNumber, parser.CurrentColumnNumber + 1, depth)
        stack.append(element)
        events.append(("start", element))

    def on_end(_tag: str) -> None:
        events.append(("end", stack.pop()))

    def on_text(data: str) -> None:
        # Only the innermost open element gets text, capped: a 50 MB <system-out> costs nothing to keep.
        if stack:
            element = stack[-1]
            room = text_limit - len(element.text)
            if room > 0:
                element.text += data[:room]

    parser.StartElementHandler = on_start
    parser.EndElementHandler = on_end
    parser.CharacterDataHandler = on_text

    seen = 0
    while True:
        data = stream.read(chunk) or b""
        final = not data
        seen += len(data)
        try:
            parser.Parse(data, final)
        except expat.ExpatError as exc:
            _malformed(exc, shown, final=final, empty=seen == 0)
        if events:
            batch = events.copy()
            events.clear()
            yield from batch
        if final:
            return


def _malformed(exc: expat.ExpatError, shown: str, *, final: bool, empty: bool) -> NoReturn:
    where = f"{shown}:{exc.lineno}:{exc.offset + 1}"
    reason = expat.ErrorString(exc.code)
    if empty:
        raise EvidenceUnavailable(f"{shown} is empty; expected an XML document", where=shown) from None
    if final and exc.code in _TRUNCATED_CODES:
        raise EvidenceUnavailable(
            f"{where}: truncated XML: the document ends before it is complete ({reason})",
            where=shown,
            hint="the file was cut short (an interrupted write or upload?); rebuild it in CI",
        ) from None
    if exc.code == expat.errors.codes[expat.errors.XML_ERROR_UNDEFINED_ENTITY]:
        raise EvidenceUnavailable(
            f"{shown}:{exc.lineno}: {REFUSED} (found a reference to an undefined entity)", where=shown
        ) from None
    raise EvidenceUnavailable(f"{where}: malformed XML: {reason}", where=shown) from None


# ---------------------------------------------------------------------------------------------------------------
# The fast reader


class _RootReached(Exception):  # noqa: N818 - control flow, not an error
    """Raised by the prolog check at the root element's start tag: everything that could declare was seen."""


def qname(element: etree._Element) -> str:
    """An element's tag as written (`prefix:local`, or `local`), as `iterparse` reports it: libxml2 resolves
    namespaces, so `<testcase xmlns="urn:x">` is '{urn:x}testcase' there, and 'testcase' to expat."""
    tag = element.tag
    if not isinstance(tag, str):  # a comment or processing instruction (the fast reader drops them)
        return ""
    if tag[:1] != "{":
        return tag
    local = tag.rpartition("}")[2]
    return f"{element.prefix}:{local}" if element.prefix else local


def sourceline(element: etree._Element) -> int | None:
    """The line where an element's start tag ends (its last line), as libxml2 counts: LF alone ends a line."""
    line: object = element.sourceline
    return line if isinstance(line, int) else None


class _Prolog:
    """The refusing expat parser, fed until the root element's start tag: libxml2 is handed no byte that this
    has not read first, so a DTD or entity declaration is refused before libxml2 could expand anything."""

    def __init__(self, shown: str) -> None:
        self.shown = shown
        self.parser = _safe_parser(shown)
        self.parser.XmlDeclHandler = self._on_decl
        self.parser.StartElementHandler = self._on_start
        self.root: str | None = None
        self.encoding: str | None = None
        self.head = b""

    def _on_decl(self, _version: str | None, encoding: str | None, _standalone: int) -> None:
        self.encoding = encoding

    def _on_start(self, tag: str, _attrs: object) -> None:
        self.root = tag
        raise _RootReached

    def feed(self, data: bytes) -> bool:
        """Check the next bytes (b"" at the end); returns whether the root element has started."""
        if len(self.head) < 4:
            self.head += data[: 4 - len(self.head)]
        try:
            self.parser.Parse(data, not data)
        except _RootReached:
            return True
        except expat.ExpatError as exc:
            _malformed(exc, self.shown, final=not data, empty=not self.head)
        if not data:  # pragma: no cover - expat reports a document without a root element as an error
            raise NotFast
        return False

    def scannable(self) -> bool:
        """Whether markup is ASCII bytes (`start_lines` can count): no UTF-16 or UTF-32 byte-order mark or NUL
        among the first bytes, and no declared encoding but an ASCII-compatible one."""
        if b"\0" in self.head or self.head.startswith((b"\xff\xfe", b"\xfe\xff")):
            return False
        return self.encoding is None or self.encoding.lower() in ASCII_COMPATIBLE


def iter_complete(
    stream: Readable,
    shown: str,
    *,
    roots: frozenset[str],
    opaque: str,
    lines: TagLines | None = None,
    chunk: int = FAST_CHUNK,
) -> Iterator[tuple[list[etree._Element], int]]:
    """Parse `stream` with libxml2 and yield `(path, count)` after each chunk: `path` is the chain of open
    elements from the root, and the first `count` children of `path[-1]` are complete. Each batch is deleted
    when the caller asks for the next one (memory stays flat); the last batch is the root's remaining children,
    after the end of the document. An element whose tag is written `opaque` is never descended into while it
    is open: it arrives whole, as one child.

    The batches are in document order and cover every child of every element (but the insides of opaque ones)
    exactly once. Comments and processing instructions are dropped. Raises EvidenceUnavailable for what expat
    refuses or cannot read before the root element (a DTD, an empty file, a malformed prolog), and NotFast for a
    root not named in `roots`, for all that libxml2 refuses, and for an encoding `start_lines` cannot scan: the
    caller then reads the document with `iterparse`, which explains any problem exactly. `lines`, if given,
    counts every chunk before libxml2 reads it.
    """
    from lxml import etree  # 30 ms of import, paid only by a check that reads XML

    prolog: _Prolog | None = _Prolog(shown)
    parser = etree.XMLPullParser(
        events=("start",),
        tag=[f"{{*}}{name}" for name in sorted(roots)],
        resolve_entities=False,
        load_dtd=False,
        no_network=True,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
        collect_ids=False,
    )
    root: etree._Element | None = None
    held: tuple[etree._Element, int] | None = None  # the open opaque element, and the bytes read when first seen
    read = 0
    try:
        while data := stream.read(chunk) or b"":
            read += len(data)
            if lines is not None:
                lines.feed(data)
            if prolog is not None:
                if not prolog.feed(data):
                    parser.feed(data)
                    continue
                if prolog.root not in roots or not prolog.scannable():
                    raise NotFast
                prolog = None
            parser.feed(data)
            for _, started in parser.read_events():
                if root is None and isinstance(started, etree._Element):
                    root = started
            if root is None:
                continue
            path = [root]
            element = root
            while True:
                count = len(element) - 1
                if count > 0:
                    yield path, count
                    del element[:count]
                if count < 0:
                    break
                element = element[-1]
                if qname(element) == opaque:
                    if held is None or held[0] is not element:
                        held = (element, read)
                    elif read - held[1] > OPAQUE_BYTES:
                        raise NotFast  # memory would grow with it; expat's reader keeps only what it needs
                    break
                path = [*path, element]
        if prolog is not None:
            prolog.feed(b"")  # raises: empty, or no root element
        if lines is not None:
            lines.feed(b"")
        closed = parser.close()
    except etree.LxmlError:
        raise NotFast from None
    if root is None or closed is not root:  # pragma: no cover - the root's start was seen, or close() raised
        raise NotFast
    count = len(root)
    if count:
        yield [root], count
        del root[:]


_SKIP = ((b"<!--", b"-->"), (b"<![CDATA[", b"]]>"), (b"<?", b"?>"))
"""Markup in which a '<' starts no tag: comments, CDATA sections and processing instructions (the XML
declaration is one). With no DTD and no '<' allowed in attribute values, every other '<' starts a tag."""

_LONE_CR = re.compile(rb"\r(?!\n)")
_START_TAG = re.compile(rb"""<[^"'>]*(?:(?:"[^"]*"|'[^']*')[^"'>]*)*>""")
"""A start tag, up to the '>' that ends it (a '>' may stand in an attribute value)."""


class _Lexer:
    """Splits bytes read in chunks into content, where every '<' starts a tag, and comments, CDATA sections and
    PIs, for a document that libxml2 accepted without a DTD (nothing else may hold a '<')."""

    def __init__(self, keep: int) -> None:
        self.keep = max(keep, 9)  # bytes held back: never split a '<![CDATA[' or a start tag's name
        self.carry = b""
        self.close: bytes | None = None  # the end of the comment, CDATA section or PI the carry is in

    def feed(self, data: bytes) -> tuple[bytes, int, list[tuple[int, int]]]:
        """Take the next chunk (b"" at the end); returns `(buf, end, content)`: `buf` is what was held back and
        then `data`, its bytes before `end` are decided (the next `buf` begins with the rest), and `content` is
        the [start, stop) stretches of content among them. A start tag that begins in one lies whole in `buf`."""
        final = not data
        buf = self.carry + data
        limit = len(buf) if final else len(buf) - self.keep
        pos = 0
        content: list[tuple[int, int]] = []
        # The next '<!' and '<?' at or after pos (-1: none before limit), found by their rare second byte: a
        # search for a two-byte needle that begins with '<' would stop at every tag (issue 10).
        marks = {0x21: -2, 0x3F: -2}
        while pos < limit:
            if self.close is not None:
                found = buf.find(self.close, pos)
                if found < 0:
                    if final:
                        raise NotFast
                    pos = max(pos, len(buf) - len(self.close) + 1)
                    break
                pos = found + len(self.close)
                self.close = None
                continue
            for second, at in marks.items():
                if at == -2 or 0 <= at < pos:
                    at = buf.find(second, pos + 1, limit + 1)
                    while at >= 0 and buf[at - 1] != 0x3C:  # '<'
                        at = buf.find(second, at + 1, limit + 1)
                    marks[second] = at - 1 if at >= 0 else -1
            mark = min((at for at in marks.values() if at >= 0), default=-1)
            stop = limit if mark < 0 else mark
            if stop > pos:
                content.append((pos, stop))
            pos = stop
            if mark >= 0:
                for opener, closer in _SKIP:
                    if buf.startswith(opener, pos):
                        pos += len(opener)
                        self.close = closer
                        break
                else:  # a '<!' that is no comment or CDATA section: not a document libxml2 accepted
                    raise NotFast
        self.carry = buf[pos:]
        return buf, pos, content


class TagLines:
    """Counts, chunk by chunk as libxml2 is fed, the start tags that begin '<prefix', and keeps the last chunks,
    so that the line of a recent one is known without reading the file again (issue 10): libxml2 gives the line
    where a start tag ends, and the bytes between its '<' and its '>' say how many lines it spans. By default it
    keeps enough chunks for any opaque element `iter_complete` lets through (OPAQUE_BYTES)."""

    def __init__(self, prefix: str, *, chunks: int = OPAQUE_BYTES // FAST_CHUNK + 4) -> None:
        self.needle = b"<" + prefix.encode("ascii")
        self.lexer = _Lexer(len(self.needle))
        self.seen = 0  # start tags counted so far
        self.lone_cr = False  # a CR without an LF after it was read: expat counts it as a line end, libxml2 not
        self.cr = False  # the last chunk ended with a CR
        self.kept: deque[_Kept] = deque(maxlen=chunks)

    def feed(self, data: bytes) -> None:
        """Count the next chunk's start tags (every chunk, in order, before libxml2 reads it)."""
        if b"\r" in data or self.cr:  # a file with a lone CR is read again for its lines
            if self.cr and data[:1] != b"\n":
                self.lone_cr = True
            self.cr = data.endswith(b"\r")  # whether an LF follows it, the next chunk says
            if _LONE_CR.search(data, 0, len(data) - self.cr):
                self.lone_cr = True
        buf, end, content = self.lexer.feed(data)
        first = self.seen
        width = len(self.needle) - 1
        for start, stop in content:
            self.seen += buf.count(self.needle, start, stop + width)
        self.kept.append(_Kept(first, self.seen, buf, end, content))

    def line(self, ordinal: int, end_line: int) -> int | None:
        """The line (as expat counts) of the ordinal-th start tag counted (from 0), given the line libxml2 gives
        its element (`sourceline`: where the start tag ends); None when its chunk is no longer kept or a lone CR
        was read (then `start_lines` reads the file again)."""
        if self.lone_cr:
            return None
        kept = list(self.kept)
        for i, chunk in enumerate(kept):
            if not chunk.first <= ordinal < chunk.after:
                continue
            at = chunk.starts(self.needle)[ordinal - chunk.first]
            buf = chunk.buf
            close = _tag_end(buf, at)
            if close < 0 and i + 1 < len(kept):  # the tag runs on into the next chunks (decided bytes follow on)
                buf = b"".join([buf[at : chunk.end]] + [k.buf[: k.end] for k in kept[i + 1 : -1]] + [kept[-1].buf])
                at, close = 0, _tag_end(buf, 0)
            return None if close < 0 else end_line - buf.count(b"\n", at, close)
        return None


class _Kept:
    """One chunk as TagLines keeps it: the ordinals of its start tags, [first, after), and the lexer's view."""

    __slots__ = ("_starts", "after", "buf", "content", "end", "first")

    def __init__(self, first: int, after: int, buf: bytes, end: int, content: list[tuple[int, int]]) -> None:
        self.first = first
        self.after = after
        self.buf = buf
        self.end = end
        self.content = content
        self._starts: list[int] | None = None

    def starts(self, needle: bytes) -> list[int]:
        """Where the chunk's start tags are in `buf` (found once, for the chunks that hold a finding)."""
        if self._starts is None:
            self._starts = []
            for start, stop in self.content:
                at = self.buf.find(needle, start, stop + len(needle) - 1)
                while at >= 0:
                    self._starts.append(at)
                    at = self.buf.find(needle, at + 1, stop + len(needle) - 1)
        return self._starts


def _tag_end(buf: bytes, at: int) -> int:
    """Where the '>' that ends the start tag at `at` is, or -1 if `buf` ends first."""
    close = buf.find(b">", at)
    # Most tags: no single quote before the first '>', and an even number of double quotes (no '>' in a value).
    if close >= 0 and buf.find(b"'", at, close) < 0 and not buf.count(b'"', at, close) % 2:
        return close
    match = _START_TAG.match(buf, at)
    return -1 if match is None else match.end() - 1


def start_lines(stream: Readable, prefix: str, ordinals: Sequence[int], *, chunk: int = FAST_CHUNK) -> list[int]:
    """The line of the start tag of the n-th element whose tag (as written) begins with `prefix`, counting from 0
    in document order, for each n in ascending `ordinals`, as expat counts lines (CR, LF and CRLF each end one).
    For a document that `iter_complete` read: well-formed, without a DTD, in an ASCII-compatible encoding; every
    '<prefix' outside comments, CDATA sections and PIs then starts such a tag. Raises NotFast if an ordinal is
    not there (the bytes are not those the first pass read)."""
    needle = b"<" + prefix.encode("ascii")
    width = len(needle) - 1
    lexer = _Lexer(len(needle))
    wanted = list(ordinals)
    lines: list[int] = []  # one per ordinal found so far: the next one wanted is wanted[len(lines)]
    seen = 0  # '<prefix' start tags before the ones looked at
    line = 1
    cr = False  # whether the bytes counted so far end with a CR (a CRLF across two counts is one break)

    def breaks(buf: bytes, start: int, stop: int) -> int:
        nonlocal cr
        if start >= stop:
            return 0
        if not cr and buf.find(b"\r", start, stop) < 0:
            return buf.count(b"\n", start, stop)
        n = buf.count(b"\n", start, stop) + buf.count(b"\r", start, stop) - buf.count(b"\r\n", start, stop)
        if cr and buf[start] == 0x0A:
            n -= 1
        cr = buf[stop - 1] == 0x0D
        return n

    while len(lines) < len(wanted):
        data = stream.read(chunk) or b""
        buf, end, content = lexer.feed(data)
        counted = 0  # line breaks are counted in buf up to here
        for start, stop in content:
            n = buf.count(needle, start, stop + width)
            while n and len(lines) < len(wanted) and seen + n > wanted[len(lines)]:
                skip = wanted[len(lines)] - seen  # the wanted one is the skip-th start tag from `start` on
                at = start - 1
                for _ in range(skip + 1):
                    at = buf.find(needle, at + 1, stop + width)
                line += breaks(buf, counted, at)
                counted = at
                lines.append(line)
                n -= skip + 1
                seen += skip + 1
                start = at + 1
            seen += n
        line += breaks(buf, counted, end)
        if not data:
            break
    if len(lines) < len(wanted):
        raise NotFast
    return lines


__all__ = [
    "REFUSED",
    "Event",
    "NotFast",
    "TagLines",
    "XmlElement",
    "iter_complete",
    "iterparse",
    "qname",
    "start_lines",
]
