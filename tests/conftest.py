"""Shared fixtures. Every test runs isolated from the developer's home, git config and terminal settings."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def isolate(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A tmp HOME and git config, UTC, no colour or CI variables, no ssh-agent (as pip's tests do)."""
    home = tmp_path_factory.mktemp("home")
    gitconfig = home / ".gitconfig"
    gitconfig.write_text("")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(gitconfig))
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / ".cache"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.setenv("TZ", "UTC")
    monkeypatch.setenv("LC_ALL", "C.UTF-8")
    for name in (
        "NO_COLOR",
        "FORCE_COLOR",
        "GITHUB_ACTIONS",
        "GITHUB_STEP_SUMMARY",
        "CI",
        "SSH_AUTH_SOCK",
        "SSH_AGENT_PID",
        "GIT_DIR",
        "GIT_WORK_TREE",
        "GATE_CACHE_DIR",
        "GATE_NO_CACHE",
    ):
        monkeypatch.delenv(name, raising=False)
    yield


@pytest.fixture
def write(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """Write files under a tmp folder (the cwd) and return the path of the first one."""
    monkeypatch.chdir(tmp_path)

    def _write(files: dict[str, str | bytes]) -> Path:
        first: Path | None = None
        for name, content in files.items():
            path = tmp_path / name
            path.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(content, bytes):
                path.write_bytes(content)
            else:
                path.write_text(content, encoding="utf-8")
            first = first or path
        assert first is not None
        return first

    return _write


@pytest.fixture
def git_repo(tmp_path: Path):  # type: ignore[no-untyped-def]
    """A factory for real git repositories under tmp_path (fixed authors and dates)."""
    from tests.builders import make_repo

    count = 0

    def _make(name: str | None = None):  # type: ignore[no-untyped-def]
        nonlocal count
        count += 1
        return make_repo(tmp_path / (name or f"repo{count}"))

    return _make
