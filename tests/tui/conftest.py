"""Fixtures for the sign-off app: real releases and SSH keys (from tests/signoff), a frozen clock, helpers."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.screen import Screen
from textual.widgets import Input

from gate.tui.app import SignoffApp, make_app
from gate.tui.session import Options
from tests.signoff.conftest import PEOPLE, Release, build_release, keys, release

__all__ = ["PEOPLE", "build_release", "keys", "release"]

NOW = datetime(2026, 1, 10, 12, 0, tzinfo=UTC)
"""The frozen clock of the Pilot tests (the release's commits are dated 2026-01-05)."""


def real_clock() -> datetime:
    """For tests that also sign with `gate sign` (which stamps the real time): a ledger entry signed after the
    app's clock, beyond the skew, is refused as signed in the future, so those tests run the app on real time."""
    return datetime.now(UTC).replace(microsecond=0)


@pytest.fixture(autouse=True)
def no_cursor_blink(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A blinking cursor would make screenshots depend on timing."""
    monkeypatch.setattr(Input, "cursor_blink", False)
    yield


@pytest.fixture(scope="session")
def encrypted_keys(keys: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The same people, but carol's key is encrypted with the passphrase 'secret' (ssh-keygen -N secret)."""
    path = tmp_path_factory.mktemp("encrypted") / "carol"
    subprocess.run(["ssh-keygen", "-t", "ed25519", "-N", "secret", "-q", "-C", "carol", "-f", str(path)], check=True)
    return {**keys, "carol": path}


def open_app(
    rel: Release, who: str | None, *, report: Path | None = None, clock: Any = None, **options: Any
) -> SignoffApp:
    """The app on a real release, signing as `who` with their key file (None: no --key, and no agent)."""
    return make_app(
        Options(
            release="r1",
            checklist=Path(rel.checklist),
            repo=rel.repo.path,
            report=report,
            key=rel.keys[who] if who else None,
            **options,
        ),
        clock=clock or (lambda: NOW),
    )


async def settle(pilot: Pilot[int]) -> None:
    """Wait until every worker is done and every message they posted is handled (no sleeping)."""
    app = pilot.app
    for _ in range(20):
        await app.workers.wait_for_complete()
        await pilot.pause()
        if not any(w.is_running for w in app.workers):
            return
    raise AssertionError("workers kept running")


async def wait_for_screen(pilot: Pilot[int], kind: type[Screen[Any]], *, besides: object = None) -> Any:
    """Wait for a screen a worker pushes (the passphrase prompt): poll the screen stack, bounded."""
    for _ in range(200):
        screen = pilot.app.screen
        if isinstance(screen, kind) and screen is not besides:
            return screen
        await pilot.pause(0.05)
    raise AssertionError(f"{kind.__name__} never appeared; the screen is {pilot.app.screen!r}")


def screen_text(app: SignoffApp) -> str:
    """The screen as plain text, one line per row (what a person sees), for assertions."""
    update = app.screen._compositor.render_update(full=True, screen_stack=app._background_screens)
    rows = ["".join(segment.text for strip in line for segment in strip) for line in update.strips]  # type: ignore[attr-defined]
    return "\n".join(rows)


def entries_on_disk(rel: Release) -> list[dict[str, Any]]:
    """The sign-off entries written under .gate/signoffs/r1/, oldest first."""
    folder = rel.repo.path / ".gate/signoffs/r1"
    found = [json.loads(p.read_text())["entry"] for p in sorted(folder.glob("*.json"))]
    return sorted(found, key=lambda e: (e["signed_at"], e["decision"]))
