"""Collector for `json` evidence: JSON and JSONL artifacts (eval metrics, manifests) queried with JMESPath.

Reads artifacts only, through the Context (verified against gate-artifacts.json). A JSONL file is the list
of its records, parsed line by line while streaming through the HashingReader (one pass, memory for the
records only). Also owns JSON documents with positions, which `config` uses for .json files.
"""

from __future__ import annotations

import io
import json
import re
from typing import Any

from gate.errors import EvidenceUnavailable
from gate.evidence.context import CHUNK, Context, HashingReader
from gate.evidence.documents import DataPath, Document, Unreadable, decode_utf8, line_col
from gate.evidence.query import Query, judge
from gate.evidence.strictjson import NotStrictJson, loads
from gate.model import JsonSpec
from gate.results import Evidence, Read

JSONL_SUFFIXES = (".jsonl", ".ndjson")
FIX_ARTIFACT = (
    "rebuild the artifact listed from the release commit (it must be valid JSON), or leave it out of `files:`"
)


def collect(spec: JsonSpec, ctx: Context) -> Evidence:
    """Query every matched artifact and judge the assertion by `each` (see JsonSpec)."""
    query = Query(spec.query)
    files = ctx.artifacts.match(spec.files)
    require_files(files, spec.files, spec.min_files, "artifact")
    docs: list[Document | Unreadable] = []
    read: list[Read] = []
    for rel in files:
        if _format(rel, spec.format) == "jsonl":
            with ctx.artifacts.open(rel) as fh:
                docs.append(read_jsonl(rel, fh))
                sha = fh.finish()
        else:
            data, sha = ctx.artifacts.read_bytes(rel)
            docs.append(parse_json(rel, data, fix=FIX_ARTIFACT))
        read.append(Read(path=rel, root="artifacts", sha256=sha))
    return judge(spec, query, docs, read, root="artifacts")


def require_files(files: list[str], globs: list[str], min_files: int, noun: str) -> None:
    """Fail closed on the source: no matched file, or fewer than min_files, is ERROR."""
    shown = ", ".join(f"'{g}'" for g in globs)
    which = "glob" if len(globs) == 1 else "globs"
    if not files:
        raise EvidenceUnavailable(
            f"{which} {shown} matched no {noun}",
            hint=f"check `files:`; every {noun} the check relies on must be present",
        )
    if len(files) < min_files:
        found = f"{len(files)} {noun}" + ("" if len(files) == 1 else "s")
        raise EvidenceUnavailable(
            f"{which} {shown} matched {found}, fewer than min_files {min_files}",
            hint=f"check `files:` and min_files; {min_files} {noun}s are expected",
        )


def _format(rel: str, given: str) -> str:
    if given != "auto":
        return given
    return "jsonl" if rel.lower().endswith(JSONL_SUFFIXES) else "json"


# ---------------------------------------------------------------------------------------------
# JSON documents with positions


def parse_json(rel: str, data: bytes, *, fix: str) -> Document | Unreadable:
    """A JSON document (UTF-8), located by walking its text; a syntax error, a non-finite number (NaN,
    Infinity) or a duplicate key is Unreadable at line:col."""
    text = decode_utf8(rel, data)
    if isinstance(text, Unreadable):
        return text
    try:
        doc = loads(text)
    except json.JSONDecodeError as exc:
        return Unreadable(rel, f"invalid JSON: {_lower(exc.msg)}", exc.lineno, exc.colno, fix=fix)
    except NotStrictJson as exc:
        line, col = line_col(text, exc.offset) if exc.offset is not None else (None, None)
        return Unreadable(rel, f"invalid JSON: {exc.message}", line, col, fix=fix)
    except ValueError as exc:  # e.g. an integer over Python's digit limit
        return Unreadable(rel, f"invalid JSON: {exc}", fix=fix)
    except RecursionError:
        return Unreadable(rel, "invalid JSON: nested too deeply", fix=fix)

    def locate(path: DataPath) -> tuple[int | None, int | None]:
        return line_col(text, locate_json(text, path))

    return Document(rel, doc, locate)


def _lower(message: str) -> str:
    return message[:1].lower() + message[1:]


_WS = re.compile(r"[ \t\n\r]*")
_DECODER = json.JSONDecoder()


def locate_json(text: str, path: DataPath) -> int:
    """The offset of the value at path in valid JSON text (of the deepest value on the way when it is not
    there). Walks only the containers on the path, skipping siblings with the C scanner; duplicate keys
    resolve to the last one, as json.loads does."""
    pos = _WS.match(text, 0).end()  # type: ignore[union-attr]  # the pattern matches the empty string
    for part in path:
        found = _child(text, pos, part)
        if found is None:
            break
        pos = found
    return pos


def _skip(text: str, pos: int) -> int:
    return _WS.match(text, pos).end()  # type: ignore[union-attr]


def _child(text: str, pos: int, part: str | int) -> int | None:
    opening = text[pos : pos + 1]
    if opening == "{" and isinstance(part, str):
        pos = _skip(text, pos + 1)
        hit = None
        while text[pos] != "}":
            key, pos = _DECODER.raw_decode(text, pos)
            pos = _skip(text, _skip(text, pos) + 1)  # past ':'
            if key == part:
                hit = pos
            _, pos = _DECODER.raw_decode(text, pos)
            pos = _skip(text, pos)
            if text[pos] == ",":
                pos = _skip(text, pos + 1)
        return hit
    if opening == "[" and isinstance(part, int):
        pos = _skip(text, pos + 1)
        index = 0
        while text[pos] != "]":
            if index == part:
                return pos
            _, pos = _DECODER.raw_decode(text, pos)
            pos = _skip(text, pos)
            if text[pos] == ",":
                pos = _skip(text, pos + 1)
            index += 1
    return None


def read_jsonl(rel: str, fh: HashingReader) -> Document | Unreadable:
    """The records of a JSONL stream, one JSON value per non-blank line; the first bad line is Unreadable (a
    non-finite number or a duplicate key too), and so is a stream without a record (an empty source)."""
    records: list[Any] = []
    lines: list[int] = []
    buffered = io.BufferedReader(fh, CHUNK)
    try:
        for number, raw in enumerate(buffered, 1):
            if not raw.strip():
                continue
            text = decode_utf8(rel, raw, first_line=number)
            if isinstance(text, Unreadable):
                return text
            try:
                records.append(loads(text))
            except json.JSONDecodeError as exc:
                return Unreadable(
                    rel, f"invalid JSON on line {number}: {_lower(exc.msg)}", number, exc.colno, fix=FIX_ARTIFACT
                )
            except NotStrictJson as exc:
                col = line_col(text, exc.offset)[1] if exc.offset is not None else None
                return Unreadable(rel, f"invalid JSON on line {number}: {exc.message}", number, col, fix=FIX_ARTIFACT)
            except ValueError as exc:
                return Unreadable(rel, f"invalid JSON on line {number}: {exc}", number, fix=FIX_ARTIFACT)
            except RecursionError:
                return Unreadable(rel, f"invalid JSON on line {number}: nested too deeply", number, fix=FIX_ARTIFACT)
            lines.append(number)
    finally:
        # Detach so that the buffer, when collected, does not close the reader the caller still has to finish
        # (what it read ahead is already hashed; finish() hashes the rest).
        buffered.detach()
    if not records:
        return Unreadable(
            rel,
            "no records: the JSONL file is empty (or only blank lines); an empty source proves nothing",
            fix="check that the job writing the file ran and wrote its records, then rebuild the artifacts",
        )

    def locate(path: DataPath) -> tuple[int | None, int | None]:
        first = path[0] if path else None
        return (lines[first], None) if isinstance(first, int) and first < len(lines) else (None, None)

    return Document(rel, records, locate)
