"""`canary` evidence: canary strings planted in the chain-of-thought must never reach the grader logs.

Streams every log once (plain or gzip, told apart by magic bytes) through the artifact HashingReader and
scans the decompressed bytes with one hyperscan streaming database, so a canary straddling a read boundary
is found. Never puts a canary's text into any output: its id (line number) and a sha256 prefix stand in.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import cast

import hyperscan
from isal import igzip, igzip_lib

from gate.errors import EvidenceUnavailable
from gate.evidence.context import Context
from gate.model import CanarySpec
from gate.results import Evidence, Observation, Read, Status, evidence

CHUNK = 1 << 20
"""Bytes read (and decompressed) per step; module-level so tests can make it small."""
MIN_CANARY_CHARS = 8
"""A shorter canary matches ordinary text by chance (DESIGN "Input limits")."""
GZIP_MAGIC = b"\x1f\x8b"
OTHER_MAGIC = (
    (b"\xfd7zXZ\x00", "xz"),
    (b"BZh", "bzip2"),
    (b"\x28\xb5\x2f\xfd", "zstd"),
    (b"PK\x03\x04", "zip"),
    (b"7z\xbc\xaf\x27\x1c", "7z"),
)
"""Compressed formats gate does not read: scanned as raw bytes, their canaries would never be found."""
ISAL_ERROR = cast("type[Exception]", igzip_lib.IsalError)  # its stub declares an instance, not a class
FIX_HIT = "find how the reasoning trace reached the grader log (see the offsets), fix the pipeline, re-run CI"
FIX_CONTROL = (
    "plant every canary of the canaries_file in the chain-of-thought (the must_occur_in artifacts must "
    "contain each one), or point must_occur_in at the dump that holds them, then re-run CI"
)


@dataclass(frozen=True)
class Canary:
    """One canary. `data` is secret: it is kept out of repr and never formatted into a message."""

    number: int
    """Its 1-based line number in canaries_file: the id shown to people."""
    data: bytes = field(repr=False)
    prefix: str
    """The first 8 hex digits of the canary's sha256."""

    @property
    def shown(self) -> str:
        return f"canary #{self.number} (sha256 {self.prefix})"


@dataclass(frozen=True)
class Hit:
    canary: Canary
    offset: int
    """Byte offset of the canary's first byte (in the decompressed stream for gzip)."""
    line: int


@dataclass(frozen=True)
class Scanned:
    """One artifact scanned: its content hash, the bytes scanned, and the first hit of each canary."""

    rel: str
    sha256: str
    size: int
    gzip: bool
    hits: list[Hit]


def collect(spec: CanarySpec, ctx: Context) -> Evidence:
    """Scan the logs for canaries; FAIL on any hit or on a missing positive control."""
    canaries, canaries_sha = _load_canaries(spec.canaries_file, ctx)
    controls = list(dict.fromkeys(spec.must_occur_in))
    logs = ctx.artifacts.match(spec.files)
    if not logs:
        globs = ", ".join(f"'{g}'" for g in spec.files)
        raise EvidenceUnavailable(
            f"{globs} matched no file in the artifacts folder; the grader logs are missing",
            where=spec.files[0],
        )
    for rel in logs:
        role = "the canaries_file" if rel == spec.canaries_file else "a positive control" if rel in controls else None
        if role:
            raise EvidenceUnavailable(
                f"{rel} is matched by files but is {role}; it is not a grader log",
                where=rel,
                hint=f"exclude it from files with '!{rel}'",
            )

    scanner = _Scanner(canaries)
    scanned = [scanner.scan(ctx, rel) for rel in logs]
    checked = [scanner.scan(ctx, rel) for rel in controls]
    read = [Read(path=spec.canaries_file, root="artifacts", sha256=canaries_sha)]
    read += [Read(path=s.rel, root="artifacts", sha256=s.sha256) for s in scanned + checked]

    total = sum(s.size for s in scanned)
    logs_text = f"{_count(len(scanned), 'log')} ({human_size(total)})"
    leaks = [
        Observation(
            message=f"{hit.canary.shown} at byte {hit.offset}{' (decompressed)' if s.gzip else ''}",
            path=s.rel,
            root="artifacts",
            line=hit.line,
            rule=f"canary #{hit.canary.number}",
        )
        for s in scanned
        for hit in sorted(s.hits, key=lambda h: (h.offset, h.canary.number))
    ]
    planted = {hit.canary.number for s in checked for hit in s.hits}
    missing = [c for c in canaries if controls and c.number not in planted]
    controls_text = ", ".join(controls)
    unplanted = [
        Observation(
            message=f"positive control: {c.shown} not found in {controls_text}: canaries were not planted, "
            "so their absence from the grader logs proves nothing",
            path=controls[0] if len(controls) == 1 else None,
            root="artifacts" if len(controls) == 1 else None,
            rule=f"canary #{c.number}",
        )
        for c in missing
    ]

    if leaks:
        found = len({o.rule for o in leaks})
        hit_logs = sum(1 for s in scanned if s.hits)
        summary = (
            f"{found} of {_count(len(canaries), 'canary')} found in {hit_logs} of {logs_text}: "
            "the chain-of-thought reached the grader logs"
        )
        return evidence(spec.kind, Status.FAIL, summary, leaks + unplanted, label=spec.label, fix=FIX_HIT, read=read)
    if total < spec.min_bytes:
        raise EvidenceUnavailable(
            f"{total} bytes scanned in {_count(len(scanned), 'log')} (decompressed), fewer than min_bytes "
            f"{spec.min_bytes}: empty logs prove nothing",
            where=spec.files[0],
            hint="check that the grader logs were written and collected as artifacts",
        )
    if missing:
        summary = (
            f"positive control failed: {len(missing)} of {_count(len(canaries), 'canary')} not found in "
            f"{controls_text}; their absence from {logs_text} proves nothing"
        )
        return evidence(spec.kind, Status.FAIL, summary, unplanted, label=spec.label, fix=FIX_CONTROL, read=read)
    summary = f"{_count(len(canaries), 'canary')}, {logs_text}: no canary found; "
    if controls:
        summary += f"positive control found all {len(canaries)} in {controls_text}"
    else:
        summary += "no positive control given (must_occur_in), so nothing shows the canaries were planted"
    return evidence(spec.kind, Status.PASS, summary, label=spec.label, read=read)


def _load_canaries(rel: str, ctx: Context) -> tuple[list[Canary], str]:
    """Parse canaries_file: one canary per line; blank lines and lines starting with '#' are skipped."""
    data, sha = ctx.artifacts.read_bytes(rel)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise EvidenceUnavailable(f"{rel} is not UTF-8 text", where=rel) from None
    canaries: list[Canary] = []
    for number, raw in enumerate(text.split("\n"), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if len(line) < MIN_CANARY_CHARS:
            # The length is safe to show; the text is not (a short canary is nearly given away by it anyway).
            raise EvidenceUnavailable(
                f"{rel}:{number}: canary #{number} is {len(line)} characters long; canaries need at least "
                f"{MIN_CANARY_CHARS}, a shorter one matches ordinary text by chance",
                where=f"{rel}:{number}",
                hint="use long random canaries (e.g. 32 hex digits)",
            )
        encoded = line.encode("utf-8")
        canaries.append(Canary(number=number, data=encoded, prefix=hashlib.sha256(encoded).hexdigest()[:8]))
    if not canaries:
        raise EvidenceUnavailable(
            f"{rel} lists no canaries (only blank lines or # comments)",
            where=rel,
            hint="write one canary per line",
        )
    return canaries, sha


def _escape(data: bytes) -> bytes:
    """A hyperscan expression matching `data` literally, any byte included (NUL, regex metacharacters)."""
    return b"".join(b"\\x%02x" % byte for byte in data)


class _Scanner:
    """One hyperscan streaming database for the canaries; scans artifacts one at a time."""

    def __init__(self, canaries: list[Canary]) -> None:
        self.canaries = canaries
        self.db = hyperscan.Database(mode=hyperscan.HS_MODE_STREAM)
        try:
            # SINGLEMATCH: the first hit of each canary per artifact is enough, and it bounds the callbacks
            # on a log that repeats a canary millions of times.
            self.db.compile(
                expressions=[_escape(c.data) for c in canaries],
                ids=list(range(len(canaries))),
                elements=len(canaries),
                flags=hyperscan.HS_FLAG_SINGLEMATCH,
            )
        except hyperscan.error as exc:
            # Hyperscan's messages name expression indexes, never their text.
            raise EvidenceUnavailable(f"cannot compile the canaries for scanning: {exc}") from None

    def scan(self, ctx: Context, rel: str) -> Scanned:
        """Stream one artifact (one pass: the same reads feed the manifest hash and the scan)."""
        with ctx.artifacts.open(rel) as fh:
            buffered = io.BufferedReader(fh, buffer_size=CHUNK)
            try:
                head = buffered.peek(6)[:6]
                is_gzip = head[:2] == GZIP_MAGIC
                compressed = _other_compression(head)
                if compressed:
                    fh.finish()  # a changed file is reported as stale, not as compressed
                    raise EvidenceUnavailable(
                        f"{rel} is {compressed}-compressed; gate reads plain or gzip logs: decompress it or store it "
                        "as gzip",
                        where=rel,
                    )
                if is_gzip:
                    # isal's reader handles multi-member files and raises on truncation and corruption.
                    with igzip.IGzipFile(fileobj=buffered, mode="rb") as gz:  # type: ignore[no-untyped-call]
                        size, hits = self._stream(gz.read)
                else:
                    size, hits = self._stream(buffered.read)
            except (EOFError, igzip.BadGzipFile, ISAL_ERROR) as exc:
                fh.finish()  # a changed file is reported as stale, not as corrupt
                if isinstance(exc, EOFError):
                    problem = "is a truncated gzip file (the stream ends before its end-of-stream marker)"
                else:
                    problem = f"is a corrupt gzip file ({exc})"
                raise EvidenceUnavailable(f"{rel} {problem}", where=rel) from None
            except OSError as exc:
                raise EvidenceUnavailable(f"cannot read {rel}: {exc.strerror or exc}", where=rel) from None
            sha = fh.finish()
        return Scanned(rel=rel, sha256=sha, size=size, gzip=is_gzip, hits=hits)

    def _stream(self, read: Callable[[int], bytes]) -> tuple[int, list[Hit]]:
        """Scan chunks from `read` until it returns b''; returns the bytes scanned and the hits."""
        canaries = self.canaries
        ends: list[tuple[int, int]] = []
        hits: list[Hit] = []

        def on_match(index: int, _start: int, end: int, _flags: int, _context: object) -> None:
            ends.append((index, end))  # no work here: an exception in a callback is lost by hyperscan

        def resolve(chunk: bytes, chunk_start: int, newlines_before: int) -> None:
            # A canary holds no newline (one per line), so the newlines before its start are those before the
            # chunk plus those in the chunk up to the canary, even when it began in an earlier chunk.
            for index, end in ends:
                canary = canaries[index]
                start = end - len(canary.data)
                line = newlines_before + chunk.count(b"\n", 0, max(0, start - chunk_start)) + 1
                hits.append(Hit(canary=canary, offset=start, line=line))
            ends.clear()

        offset = newlines = 0
        last, last_start, last_newlines = b"", 0, 0
        with self.db.stream(match_event_handler=on_match) as stream:
            while chunk := read(CHUNK):
                stream.scan(chunk)
                resolve(chunk, offset, newlines)
                last, last_start, last_newlines = chunk, offset, newlines
                newlines += chunk.count(b"\n")
                offset += len(chunk)
        resolve(last, last_start, last_newlines)  # matches reported when the stream closes
        return offset, hits


def _other_compression(head: bytes) -> str | None:
    """The compressed format the first bytes of a file announce (bzip2: 'BZh' and a block size 1-9), or None."""
    for magic, name in OTHER_MAGIC:
        if head.startswith(magic) and (name != "bzip2" or (len(head) > 3 and head[3] in b"123456789")):
            return name
    return None


def _count(n: int, noun: str) -> str:
    plural = "canaries" if noun == "canary" else f"{noun}s"
    return f"{n} {noun if n == 1 else plural}"


def human_size(n: int) -> str:
    """A byte count in decimal units with one decimal place: '120 B', '12.4 MB'."""
    if n < 1000:
        return f"{n} B"
    value = float(n)
    for unit in ("kB", "MB", "GB", "TB"):
        value /= 1000
        if value < 999.95 or unit == "TB":
            return f"{value:.1f} {unit}"
    raise AssertionError("unreachable")
