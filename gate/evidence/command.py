"""`command` evidence: a program's exit status. Runs only with --allow-commands, else ERROR.

A checklist must not run code on a reviewer's machine by default. The command runs without a shell, in
the repository root, with stdin from /dev/null, in its own process group (killed whole on timeout). Only
the argv and the exit status are bound by the evidence digest; the output tail is shown, marked volatile.
"""

from __future__ import annotations

import contextlib
import os
import shlex
import signal
import subprocess
import threading
from typing import IO

from gate.errors import EvidenceUnavailable
from gate.evidence.context import Context
from gate.model import CommandSpec
from gate.results import Evidence, Observation, Status, evidence

OUTPUT_LINES = 20
"""Lines of combined stdout/stderr shown for a FAIL or a timeout."""
OUTPUT_BYTES = 4096
"""Cap on the output shown (the last bytes are kept)."""
PIPE_GRACE = 5.0
"""Seconds to wait for the output pipe to close once the process group is gone."""


def collect(spec: CommandSpec, ctx: Context) -> Evidence:
    """Run argv; PASS when it exits with expect_exit, FAIL otherwise, ERROR when it cannot run or times out."""
    shown = shlex.join(spec.argv)
    if not ctx.allow_commands:
        raise EvidenceUnavailable(
            f"command evidence runs only with --allow-commands; `{shown}` was not run",
            hint="re-run with --allow-commands if you trust the commands in this checklist",
        )
    root = ctx.need_repo().root
    program = spec.argv[0]
    try:
        proc = subprocess.Popen(
            spec.argv,
            cwd=root,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, so a timeout kills its children too
        )
    except FileNotFoundError:
        raise EvidenceUnavailable(
            f"`{shown}`: program '{program}' not found",
            hint="install it, or fix argv (it runs without a shell; a bare name is looked up on PATH)",
        ) from None
    except (OSError, ValueError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise EvidenceUnavailable(f"`{shown}`: cannot run '{program}': {reason}") from None

    assert proc.stdout is not None
    tail = _Tail(proc.stdout)
    timed_out = False
    try:
        proc.wait(timeout=spec.timeout)
    except subprocess.TimeoutExpired:
        timed_out = True
    finally:
        # Kill the whole group: on timeout, and also any child left running after a normal exit.
        _kill_group(proc.pid)
        proc.wait()
    output = tail.text()

    if timed_out:
        summary = f"`{shown}` timed out after {spec.timeout:g}s; its process group was killed"
        return evidence(
            spec.kind,
            Status.ERROR,
            summary,
            [_output_observation(summary, output)],
            label=spec.label,
            fix=f"make the command finish within {spec.timeout:g}s, or raise timeout (at most 3600)",
        )
    code = proc.returncode
    if code == spec.expect_exit:
        return evidence(spec.kind, Status.PASS, f"`{shown}` exited {code} as expected", label=spec.label)
    ended = f"was killed by signal {_signal_name(-code)}" if code < 0 else f"exited {code}"
    summary = f"`{shown}` {ended}, expected exit status {spec.expect_exit}"
    return evidence(
        spec.kind,
        Status.FAIL,
        summary,
        [_output_observation(summary, output)],
        label=spec.label,
        fix=f"run `{shown}` in the repository root, fix what it reports, and re-run `gate check --allow-commands`",
    )


def _output_observation(summary: str, output: str) -> Observation:
    """The output tail; volatile, because timings and paths in it change from run to run."""
    shown = f"last lines of output:\n{output}" if output else "no output"
    return Observation(message=f"{summary}; {shown}", volatile=True)


def _kill_group(pgid: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):  # the group is already gone
        os.killpg(pgid, signal.SIGKILL)


def _signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return str(number)


class _Tail:
    """Drains a pipe in a thread, keeping only the last OUTPUT_BYTES (a chatty command cannot fill memory)."""

    def __init__(self, pipe: IO[bytes]) -> None:
        self._pipe = pipe
        self._buf = bytearray()
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._drain, name="gate-command-output", daemon=True)
        self._thread.start()

    def _drain(self) -> None:
        fd = self._pipe.fileno()
        try:
            while chunk := os.read(fd, 65536):
                with self._lock:
                    self._buf += chunk
                    if len(self._buf) > 2 * OUTPUT_BYTES:
                        del self._buf[:-OUTPUT_BYTES]
        except OSError:
            pass
        finally:
            # The reading thread closes the pipe: closing it from another thread while a read is blocked on it
            # could hand the fd number to an unrelated file.
            self._pipe.close()

    def text(self) -> str:
        """The last OUTPUT_LINES lines (at most OUTPUT_BYTES), once the pipe is closed or PIPE_GRACE passed."""
        # A process that escaped the group (a new session) may hold the pipe open; do not wait for it forever.
        self._thread.join(PIPE_GRACE)
        with self._lock:
            data = bytes(self._buf[-OUTPUT_BYTES:])
        if len(data) == OUTPUT_BYTES:
            data = data.lstrip(bytes(range(0x80, 0xC0)))  # no half character at the cut
        lines = data.decode("utf-8", "replace").rstrip("\n").split("\n")
        return "\n".join(lines[-OUTPUT_LINES:]).strip("\n")
