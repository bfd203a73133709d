"""Stream untrusted XML safely: stdlib expat, any DTD or entity declaration refused, memory flat.

`iterparse(stream, shown)` yields ("start" | "end", XmlElement) events as it reads the stream in chunks
and keeps nothing but the open elements (each with at most `text_limit` characters of its own text).
A DOCTYPE, an ENTITY or NOTATION declaration or an external entity reference is refused before anything is
expanded (DESIGN "Input limits"), and malformed or truncated XML raises EvidenceUnavailable naming
file:line:col. This module never opens files itself: callers pass a stream from the evidence Context.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Literal, NoReturn, Protocol
from xml.parsers import expat

from gate.errors import EvidenceUnavailable

CHUNK = 64 * 1024
"""Bytes fed to expat at a time: big enough for stdlib speed, small enough that queued events stay few."""
TEXT_LIMIT = 4096
"""Characters of an element's own text kept (failure messages need the first line, not a 50 MB stack dump)."""
MAX_DEPTH = 256
"""Deeper nesting is refused: no report needs it, and the open-element stack must stay small."""

REFUSED = "XML with a DTD or entities is refused"

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
    parser = expat.ParserCreate()
    parser.buffer_text = True
    # Never read an external DTD or parameter entity, whatever the document says.
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    events: list[Event] = []
    stack: list[XmlElement] = []

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

    parser.StartDoctypeDeclHandler = on_doctype
    parser.EntityDeclHandler = on_entity
    parser.UnparsedEntityDeclHandler = on_entity
    parser.NotationDeclHandler = on_notation
    parser.ExternalEntityRefHandler = on_external
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


__all__ = ["REFUSED", "Event", "XmlElement", "iterparse"]
