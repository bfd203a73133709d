"""Parsing on all cores: a batch of files is split between this process and worker processes that run the
same parser on their share (issue 10: 5000 YAML configs parse in half the time on two cores).

A worker is a fresh `python` that imports only its parser's module (gate.evidence.yamldoc: PyYAML and
nothing of pydantic, ~50 ms to start), reads its share from stdin and writes the results to stdout, both in
marshal format. Results are plain data, the same as the parser gives in this process. A worker that fails
in any way (cannot start, crashes, is killed, writes garbage or the wrong count) costs time, never results:
its share is parsed here again. `GATE_WORKERS=0` turns workers off.
"""

from __future__ import annotations

import contextlib
import importlib
import marshal
import os
import subprocess
import sys
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

ENV_WORKERS = "GATE_WORKERS"
MAX_WORKERS = 3
MIN_BYTES_PER_WORKER = 1 << 20
"""A worker starts only for at least this much input: below it, starting one costs more than it saves."""
PARSERS = {"pyimports": "gate.evidence.pyimports:extract_wire", "yaml": "gate.evidence.yamldoc:parse_wire"}
"""The parsers a worker may run: name -> "module:function" of one item to marshal-able data."""

T = TypeVar("T")
_BOOT = "import sys; sys.path.insert(0, sys.argv[1]); from gate.evidence.pool import serve; serve(sys.argv[2])"


def workers_for(total_bytes: int) -> int:
    """How many worker processes to start for this much input, besides this process."""
    configured = os.environ.get(ENV_WORKERS, "").strip()
    if configured.isdigit():
        limit = int(configured)
    else:
        try:
            cores = len(os.sched_getaffinity(0))
        except (AttributeError, OSError):
            cores = os.cpu_count() or 1
        limit = min(cores - 1, MAX_WORKERS)
    return max(0, min(limit, total_bytes // MIN_BYTES_PER_WORKER))


def parse_all(parser: str, items: Sequence[Any], sizes: Sequence[int]) -> list[Any]:
    """PARSERS[parser] over items, in order: a share each for this process and up to `workers_for` workers."""
    local: Callable[[Any], Any] = _load(parser)
    workers = workers_for(sum(sizes)) if len(items) > 1 else 0
    if workers == 0:
        return [local(item) for item in items]
    shares = _split(list(items), list(sizes), workers + 1)
    started = [(_start(parser, share), share) for share in shares[1:]]
    results = [local(item) for item in shares[0]]
    for worker, share in started:
        got = _finish(worker, len(share))
        results.extend(got if got is not None else [local(item) for item in share])
    return results


def _split(items: list[T], sizes: list[int], parts: int) -> list[list[T]]:
    """Contiguous shares of about equal size in bytes (the first, this process's, no larger than the rest)."""
    total = sum(sizes)
    shares: list[list[T]] = [[] for _ in range(parts)]
    seen = 0
    for item, size in zip(items, sizes, strict=True):
        index = min(parts - 1, seen * parts // max(total, 1))
        shares[index].append(item)
        seen += size
    return shares


class _Worker:
    def __init__(self, process: subprocess.Popen[bytes] | None, feeder: threading.Thread | None) -> None:
        self.process = process
        self.feeder = feeder


def _start(parser: str, share: list[Any]) -> _Worker:
    """A worker parsing `share`, its input written by a thread (so this process parses its own share meanwhile)."""
    if not share:
        return _Worker(None, None)
    top = str(Path(__file__).resolve().parents[2])
    try:
        process = subprocess.Popen(
            # -I: isolated. Without it `-c` puts the current folder (the repository being checked, as a rule)
            # first on sys.path, and a committed yaml.py or tokenize.py would run in the worker and forge results.
            [sys.executable, "-I", "-c", _BOOT, top, parser],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
    except OSError:
        return _Worker(None, None)
    payload = marshal.dumps(share)

    def feed() -> None:
        assert process.stdin is not None
        with contextlib.suppress(OSError):
            process.stdin.write(payload)
        with contextlib.suppress(OSError):
            process.stdin.close()

    feeder = threading.Thread(target=feed, name="gate-pool-feed", daemon=True)
    feeder.start()
    return _Worker(process, feeder)


def _finish(worker: _Worker, count: int) -> list[Any] | None:
    """The worker's results, or None when it failed (then the caller parses its share)."""
    process = worker.process
    if process is None:
        return None if count else []
    assert process.stdout is not None
    try:
        data = process.stdout.read()
    except OSError:
        data = b""
        with contextlib.suppress(OSError):
            process.kill()
    finally:
        if worker.feeder is not None:
            worker.feeder.join()
        process.stdout.close()
        code = process.wait()
    if code != 0:
        return None
    try:
        results = marshal.loads(data)
    except (EOFError, ValueError, TypeError):
        return None
    return results if isinstance(results, list) and len(results) == count else None


def _load(parser: str) -> Callable[[Any], Any]:
    module, _, name = PARSERS[parser].partition(":")
    function: Callable[[Any], Any] = getattr(importlib.import_module(module), name)
    return function


def serve(parser: str) -> None:
    """A worker's main: items from stdin, results to stdout (marshal), exit 0; anything wrong exits non-zero."""
    function = _load(parser)
    items = marshal.loads(sys.stdin.buffer.read())
    results = [function(item) for item in items]
    sys.stdout.buffer.write(marshal.dumps(results))
    sys.stdout.buffer.flush()
