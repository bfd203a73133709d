"""Parsed documents, as the `config` and `json` collectors hand them to the judgement (gate.evidence.query).

Kept free of pydantic and the rest of gate so that parse workers (gate.evidence.pool) start in milliseconds.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

DataPath = tuple[str | int, ...]
"""Mapping keys and list indexes from the document's root to a value."""
Locator = Callable[[DataPath], tuple[int | None, int | None]]
"""A data path (that exists in the document) -> 1-based line and column of its value, None when unknown."""


def no_position(path: DataPath) -> tuple[int | None, int | None]:
    """The locator of a document whose values have no known line."""
    return None, None


@dataclass(frozen=True)
class Document:
    """A parsed file: its data (JSON types only) and the way back from a data path to line:col."""

    path: str
    data: Any
    locate: Locator = no_position


@dataclass(frozen=True)
class Selected:
    """A document known by what one query found in it (`found`: what the JMESPath search gave), from the parse
    cache: its data is loaded (read and parsed again) only when a finding must be placed in it."""

    path: str
    query: str
    found: Any
    load: Callable[[], Document | Unreadable]


@dataclass(frozen=True)
class Unreadable:
    """A matched file that could not be parsed: the evidence is ERROR, naming file:line:col."""

    path: str
    message: str
    line: int | None = None
    col: int | None = None
    fix: str = "fix the file listed so that it parses, or leave it out of `files:`"


def line_col(text: str, offset: int) -> tuple[int, int]:
    """1-based line and column (in characters) of an offset into text."""
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


def decode_utf8(rel: str, data: bytes, *, first_line: int = 1) -> str | Unreadable:
    """Text without a leading byte-order mark; a byte that is not UTF-8 is Unreadable at its line:col."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + first_line
        start = data.rfind(b"\n", 0, exc.start) + 1
        col = len(data[start : exc.start].decode("utf-8", "replace")) + 1
        return Unreadable(rel, f"not UTF-8 (byte 0x{data[exc.start]:02x})", line, col, fix=_FIX_ENCODING)


_FIX_ENCODING = "save the file listed as UTF-8, or leave it out of `files:`"
