"""JSON as RFC 8259 has it: no NaN or Infinity, no duplicate keys (shared by the json, sarif and digest readers).

Python's json module accepts `NaN`, `Infinity` and `-Infinity`, and keeps the last of duplicate keys: a
metric of NaN or a document saying `"exposed": true, "exposed": false` would be judged on a value other
readers of the file may not see (NaN compares false with everything, so `not_in`/`le` would pass). Both are
refused; the C parser still does the work, and the place of the problem is found only when there is one.
"""

from __future__ import annotations

import json
import re
from typing import Any


class NotStrictJson(ValueError):  # noqa: N818 - a reason to refuse a document, said as such
    """Valid for Python's json module, but not JSON: a non-finite number or a duplicate key.

    `offset` is the problem's character offset in the text when it could be found, else None.
    """

    def __init__(self, message: str, offset: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.offset = offset


def _message(name: str) -> str:
    return f"{name} is not a JSON number (NaN and Infinity are not JSON)"


def _constant(name: str) -> Any:
    raise NotStrictJson(_message(name))


def _pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out = dict(pairs)
    if len(out) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise NotStrictJson(_duplicate(key))
            seen.add(key)
    return out


def _duplicate(key: str) -> str:
    shown = key if len(key) <= 60 and key.isprintable() else repr(key[:57])[1:-1] + "..."
    return f"duplicate key '{shown}' (readers disagree on which value counts)"


_DECODER = json.JSONDecoder(parse_constant=_constant, object_pairs_hook=_pairs)


def loads(text: str) -> Any:
    """json.loads, refusing non-finite numbers and duplicate keys (NotStrictJson, with the offset when found).

    JSONDecodeError, RecursionError and ValueError (e.g. an integer over the digit limit) pass through as
    json.loads raises them."""
    try:
        return _DECODER.decode(text)
    except NotStrictJson:
        found = locate(text)
        if found is None:
            raise
        raise NotStrictJson(found[1], found[0]) from None


_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|[{}\[\]:,]|(-?Infinity|NaN)')


def locate(text: str) -> tuple[int, str] | None:
    """The offset and description of the first non-finite number or duplicate key (in document order) in text
    that Python's json module parses (strings are well-formed there, so a token scan is exact); None when there
    is none."""
    stack: list[set[str] | None] = []
    key_next = False
    for found in _TOKEN.finditer(text):
        token = found.group()
        if found.group(1):
            return found.start(), _message(token)
        if token == "{":
            stack.append(set())
            key_next = True
        elif token == "[":
            stack.append(None)
            key_next = False
        elif token in ("}", "]"):
            if stack:
                stack.pop()
            key_next = False
        elif token == ",":
            key_next = bool(stack) and stack[-1] is not None
        elif token == ":":
            key_next = False
        elif key_next and stack and (keys := stack[-1]) is not None:
            key = json.loads(token)
            if key in keys:
                return found.start(), _duplicate(key)
            keys.add(key)
            key_next = False
    return None


__all__ = ["NotStrictJson", "loads", "locate"]
