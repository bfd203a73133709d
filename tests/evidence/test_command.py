"""`command` evidence: an exit status, only with --allow-commands; no shell, killed whole on timeout."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import pytest

from gate.engine import run_collector
from gate.model import CommandSpec
from gate.results import Evidence, Status, evidence_digest
from tests.builders import GitRepo, context


@pytest.fixture
def repo(git_repo) -> GitRepo:  # type: ignore[no-untyped-def]
    repo: GitRepo = git_repo()
    repo.commit({"README.md": "rl\n", "tools/check.sh": "echo checking\nexit 0\n"})
    return repo


def run(repo: GitRepo | None, argv: list[str], *, allow: bool = True, **fields: object) -> Evidence:
    spec = CommandSpec.model_validate({"kind": "command", "argv": argv, **fields})
    return run_collector(spec, context(repo, allow_commands=allow))


def test_command_is_not_run_without_allow_commands(repo: GitRepo) -> None:
    marker = repo.path / "ran"
    result = run(repo, ["touch", str(marker)], allow=False)
    assert result.status is Status.ERROR
    assert result.summary == f"command evidence runs only with --allow-commands; `touch {marker}` was not run"
    assert result.fix == "re-run with --allow-commands if you trust the commands in this checklist"
    assert not marker.exists()


def test_expected_exit_status_passes(repo: GitRepo) -> None:
    result = run(repo, ["sh", "tools/check.sh"])  # a relative path: it runs in the repository root
    assert result.status is Status.PASS
    assert result.summary == "`sh tools/check.sh` exited 0 as expected"
    assert result.observations == []
    assert result.read == []


def test_expect_exit_other_than_zero(repo: GitRepo) -> None:
    assert run(repo, ["false"], expect_exit=1).status is Status.PASS
    result = run(repo, ["true"], expect_exit=1)
    assert result.status is Status.FAIL
    assert result.summary == "`true` exited 0, expected exit status 1"


def test_other_exit_status_fails_with_the_output_tail(repo: GitRepo) -> None:
    script = "echo to stdout; echo 'to stderr' >&2; exit 3"
    result = run(repo, ["sh", "-c", script])
    assert result.status is Status.FAIL
    assert (
        result.summary
        == "`sh -c 'echo to stdout; echo '\"'\"'to stderr'\"'\"' >&2; exit 3'` exited 3, expected exit status 0"
    )
    [obs] = result.observations
    assert obs.message == f"{result.summary}; last lines of output:\nto stdout\nto stderr"
    assert obs.volatile is True
    assert result.fix is not None and result.fix.startswith("run `sh -c ")


def test_output_is_not_part_of_the_evidence_digest(repo: GitRepo) -> None:
    first = run(repo, ["sh", "-c", "date +%N; exit 1"])
    second = run(repo, ["sh", "-c", "date +%N; exit 1"])
    assert first.observations[0].message != second.observations[0].message
    assert evidence_digest([first]) == evidence_digest([second])
    other = run(repo, ["sh", "-c", "date +%N; exit 2"])
    assert evidence_digest([other]) != evidence_digest([first])  # the exit status is bound


def test_output_shown_is_the_last_20_lines_capped_at_4_kib(repo: GitRepo) -> None:
    lines = run(repo, [sys.executable, "-c", "for i in range(1000): print(f'line {i}')\nraise SystemExit(1)"])
    tail = lines.observations[0].message.split("last lines of output:\n")[1]
    assert tail.split("\n") == [f"line {i}" for i in range(980, 1000)]
    wide = run(repo, [sys.executable, "-c", "for i in range(100): print(str(i) * 1000)\nraise SystemExit(1)"])
    tail = wide.observations[0].message.split("last lines of output:\n")[1]
    assert len(tail.encode()) <= 4096
    assert tail.endswith("99" * 500)


def test_command_killed_by_a_signal_fails(repo: GitRepo) -> None:
    result = run(repo, ["sh", "-c", "kill -TERM $$"])
    assert result.status is Status.FAIL
    assert result.summary == "`sh -c 'kill -TERM $$'` was killed by signal SIGTERM, expected exit status 0"
    assert result.observations[0].message.endswith("; no output")


def test_stdin_is_dev_null(repo: GitRepo) -> None:
    # `cat` would wait forever on a terminal or an inherited pipe; with /dev/null it sees end of file at once.
    result = run(repo, ["cat"], timeout=10)
    assert result.status is Status.PASS


def test_timeout_kills_the_process_group_and_is_an_error(repo: GitRepo, tmp_path: Path) -> None:
    pidfile = tmp_path / "child.pid"
    script = f"sleep 30 & echo $! > {pidfile}; echo started; wait"
    start = time.monotonic()
    result = run(repo, ["sh", "-c", script], timeout=0.5)
    assert time.monotonic() - start < 5
    assert result.status is Status.ERROR
    assert result.summary == f"`sh -c '{script}'` timed out after 0.5s; its process group was killed"
    assert result.observations[0].message == f"{result.summary}; last lines of output:\nstarted"
    assert result.fix == "make the command finish within 0.5s, or raise timeout (at most 3600)"
    # The background `sleep 30` was killed with its parent.
    child = int(pidfile.read_text())
    deadline = time.monotonic() + 5
    while _alive(child) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _alive(child)


def test_plain_sleep_times_out(repo: GitRepo) -> None:
    start = time.monotonic()
    result = run(repo, ["sleep", "10"], timeout=0.2)
    assert time.monotonic() - start < 5
    assert result.status is Status.ERROR
    assert result.summary == "`sleep 10` timed out after 0.2s; its process group was killed"


def test_program_not_found_is_an_error(repo: GitRepo) -> None:
    result = run(repo, ["no-such-program-gate-test", "--flag"])
    assert result.status is Status.ERROR
    assert result.summary == "`no-such-program-gate-test --flag`: program 'no-such-program-gate-test' not found"
    assert result.fix == "install it, or fix argv (it runs without a shell; a bare name is looked up on PATH)"


def test_program_not_executable_is_an_error(repo: GitRepo) -> None:
    result = run(repo, ["./tools/check.sh"])
    assert result.status is Status.ERROR
    assert result.summary == "`./tools/check.sh`: cannot run './tools/check.sh': Permission denied"


def test_no_repository_is_an_error() -> None:
    result = run(None, ["true"])
    assert result.status is Status.ERROR
    assert result.summary == "no repository given (--repo)"


def _alive(pid: int) -> bool:
    """True while the process exists and is not a zombie (a container's init may not reap orphans)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"
