"""A content-addressed cache of parse products (parsed config documents, per-file import records), never verdicts.

An entry is keyed by the sha256 of the content it was parsed from, inside a namespace named by a kind and a
spec key (the parser and its settings), the gate version and the Python version: there is no mtime shortcut,
so a hit can only return what parsing the same bytes would return. Collectors cache what they parse and
judge afresh on every run.

Layout: $XDG_CACHE_HOME/gate (or ~/.cache/gate; GATE_CACHE_DIR overrides, GATE_NO_CACHE=1 disables), then
v1/<kind>/<namespace>/<id>.pack. A collector run reads the packs of its namespace once and writes the entries
it had to compute as ONE new pack (temp file + rename, so a reader never sees half of one): creating a file
per entry costs ~1 ms on some disks, seconds for thousands of configs (issue 10). Every entry carries a
checksum over its namespace, key and bytes, so a corrupted or misplaced entry is detected, ignored, and
written again in the next pack. Many packs are merged into one; deleting the folder is always safe. The cache
is best-effort: it never raises, and a folder it cannot read or write just means no caching.

Trust: the cache is as trusted as gate's own installation. Entries are checked for corruption, not for
forgery, so never restore a cache folder from a less trusted source (e.g. a CI cache written by pull
requests) for the final gate; set GATE_NO_CACHE=1 there instead.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import marshal
import os
import re
import struct
import sys
import threading
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Final

from gate import __version__

FORMAT: Final = 1
"""Bumped when the pack layout changes; part of the folder name and of every namespace."""
MAGIC: Final = b"gate-cache-pack\n"
ENV_DIR: Final = "GATE_CACHE_DIR"
ENV_OFF: Final = "GATE_NO_CACHE"
MAX_PACKS: Final = 16
"""More packs than this in a namespace are merged into one when a run writes."""
MAX_MERGED_BYTES: Final = 256 << 20
"""A merge larger than this keeps only the entries the current run used."""
_KIND = re.compile(r"^[a-z0-9][a-z0-9._-]*$")
_ENTRY = struct.Struct(">32s32sQI")  # key, checksum, offset, length
_HEAD = struct.Struct(">32sI")  # checksum of the table, entry count


class _Missing:
    """The result of a lookup that found nothing usable (None is a valid product)."""

    def __repr__(self) -> str:
        return "MISSING"


MISSING: Final = _Missing()


def default_dir() -> Path | None:
    """Where the cache lives, from the environment; None when caching is disabled."""
    if os.environ.get(ENV_OFF, "").strip() not in ("", "0"):
        return None
    explicit = os.environ.get(ENV_DIR)
    if explicit:
        return Path(explicit)
    xdg = os.environ.get("XDG_CACHE_HOME", "")
    base = Path(xdg) if xdg and Path(xdg).is_absolute() else Path.home() / ".cache"
    return base / "gate"


@functools.cache
def source_key(path: str) -> str:
    """A digest of a parser's own source file, for its spec key: a changed parser never meets the products of
    its earlier self, even when nobody bumped the spec key (developers run gate from a checkout)."""
    try:
        return hashlib.sha256(Path(path).read_bytes()).hexdigest()[:16]
    except OSError:
        return "unknown-source"


class Cache:
    """The cache folder. `Cache(None)` is a disabled cache: its stores miss every lookup and write nothing."""

    def __init__(self, root: Path | None, *, version: str = __version__) -> None:
        self.root = root / f"v{FORMAT}" if root is not None else None
        self.version = version

    @classmethod
    def from_env(cls) -> Cache:
        """The cache the environment selects (see default_dir)."""
        return cls(default_dir())

    @property
    def enabled(self) -> bool:
        return self.root is not None

    def store(self, kind: str, spec: str) -> Store:
        """The entries of one kind of product made by one parser setup (`spec`), for this gate and Python."""
        if not _KIND.match(kind):
            raise ValueError(f"invalid cache kind {kind!r}")
        python = f"{sys.implementation.cache_tag}-marshal{marshal.version}"
        parts = ("gate-cache", str(FORMAT), self.version, python, kind, spec)
        namespace = hashlib.sha256("\0".join(parts).encode()).digest()
        folder = self.root / kind / namespace.hex()[:32] if self.root is not None else None
        return Store(folder, namespace)


def _key(content_address: str) -> bytes:
    """A content address (hex: a sha256, or git's sha1 object id) as the pack's 32-byte key."""
    return bytes.fromhex(content_address).ljust(32, b"\0")


@dataclass(frozen=True)
class _Slot:
    pack: Path
    data: bytes
    checksum: bytes
    offset: int
    length: int


class Store:
    """Products by content sha256 in one namespace. Read on first use; new entries are written by flush()
    (or on leaving a `with` block) as one pack."""

    def __init__(self, folder: Path | None, namespace: bytes) -> None:
        self.folder = folder
        self.namespace = namespace
        self._keyed = hashlib.sha256(namespace)  # copied per checksum
        self._slots: dict[bytes, list[_Slot]] | None = None
        self._packs: list[Path] = []
        self._new: dict[bytes, bytes] = {}
        self._used: dict[bytes, _Slot] = {}
        self._lock = threading.Lock()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.flush()

    def _checksum(self, key: bytes, payload: bytes | memoryview) -> bytes:
        digest = self._keyed.copy()
        digest.update(key)
        digest.update(payload)
        return digest.digest()

    def _load(self) -> dict[bytes, list[_Slot]]:
        if self._slots is not None:
            return self._slots
        slots: dict[bytes, list[_Slot]] = {}
        packs: list[tuple[float, Path]] = []
        if self.folder is not None:
            try:
                with os.scandir(self.folder) as found:
                    packs = [(e.stat().st_mtime, Path(e.path)) for e in found if e.name.endswith(".pack")]
            except OSError:
                packs = []
        for _, pack in sorted(packs, reverse=True):  # newest first: a rewritten entry wins over a bad one
            try:
                data = pack.read_bytes()
            except OSError:
                continue
            self._packs.append(pack)
            for key, checksum, offset, length in _table(data):
                slots.setdefault(key, []).append(_Slot(pack, data, checksum, offset, length))
        self._slots = slots
        return slots

    def get(self, content_sha256: str) -> object:
        """The product stored for this content, or MISSING (none, or every copy corrupted)."""
        if self.folder is None:
            return MISSING
        key = _key(content_sha256)
        slots = self._slots if self._slots is not None else self._load()
        for slot in slots.get(key, ()):
            payload = memoryview(slot.data)[slot.offset : slot.offset + slot.length]
            if len(payload) != slot.length or self._checksum(key, payload) != slot.checksum:
                continue  # corrupted: try another copy, else recompute (and the product is written again)
            try:
                product = marshal.loads(payload)
            except (EOFError, ValueError, TypeError):
                continue
            self._used[key] = slot
            return product
        return MISSING

    def put(self, content_sha256: str, product: object) -> bool:
        """Keep a product for the next flush (None, bool, int, float, str, bytes, and tuples, lists, dicts and
        sets of them); False when the product cannot be stored."""
        if self.folder is None:
            return False
        try:
            payload = marshal.dumps(product)  # type: ignore[arg-type]  # unsupported types raise ValueError
        except ValueError:
            return False
        with self._lock:
            self._new[_key(content_sha256)] = payload
        return True

    def flush(self) -> bool:
        """Write the new entries as one pack (merging the namespace's packs when there are many)."""
        with self._lock:
            new, self._new = self._new, {}
        if self.folder is None or not new:
            return False
        entries = dict(new)
        merged: list[Path] = []
        self._load()
        if len(self._packs) + 1 > MAX_PACKS:
            entries = self._merged(new)
            merged = list(self._packs)
        written = self._write(entries)
        if written:
            for pack in merged:
                with contextlib.suppress(OSError):
                    pack.unlink()
        return written

    def _merged(self, new: dict[bytes, bytes]) -> dict[bytes, bytes]:
        out: dict[bytes, bytes] = {}
        size = 0
        for key, slots in (self._slots or {}).items():
            for slot in slots:
                payload = slot.data[slot.offset : slot.offset + slot.length]
                if len(payload) == slot.length and self._checksum(key, payload) == slot.checksum:
                    out[key] = payload
                    size += len(payload)
                    break
        out.update(new)
        if size > MAX_MERGED_BYTES:
            out = {key: slot.data[slot.offset : slot.offset + slot.length] for key, slot in self._used.items()}
            out.update(new)
        return out

    def _write(self, entries: dict[bytes, bytes]) -> bool:
        assert self.folder is not None
        table = bytearray()
        offset = 0
        keys = sorted(entries)
        start = len(MAGIC) + _HEAD.size + _ENTRY.size * len(keys)
        for key in keys:
            payload = entries[key]
            table += _ENTRY.pack(key, self._checksum(key, payload), start + offset, len(payload))
            offset += len(payload)
        head = MAGIC + _HEAD.pack(hashlib.sha256(table).digest(), len(keys))
        name = hashlib.sha256(head + table).hexdigest()[:32]
        target = self.folder / f"{name}.pack"
        tmp = self.folder / f".{name}.{os.getpid()}.{threading.get_ident()}.tmp"
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            with open(tmp, "wb") as fh:
                fh.write(head)
                fh.write(table)
                for key in keys:
                    fh.write(entries[key])
            os.replace(tmp, target)  # readers see the whole pack or none of it
        except OSError:
            with contextlib.suppress(OSError):
                tmp.unlink(missing_ok=True)
            return False
        return True


def _table(data: bytes) -> list[tuple[bytes, bytes, int, int]]:
    """A pack's entries (key, checksum, offset, length); [] when the header is damaged."""
    start = len(MAGIC) + _HEAD.size
    if not data.startswith(MAGIC) or len(data) < start:
        return []
    checksum, count = _HEAD.unpack_from(data, len(MAGIC))
    table = data[start : start + count * _ENTRY.size]
    if len(table) != count * _ENTRY.size or hashlib.sha256(table).digest() != checksum:
        return []
    return [_ENTRY.unpack_from(table, i * _ENTRY.size) for i in range(count)]


__all__ = ["ENV_DIR", "ENV_OFF", "MISSING", "Cache", "Store", "default_dir", "source_key"]
