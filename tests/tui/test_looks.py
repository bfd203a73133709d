"""Snapshots of the sign-off app at 100x32 over a fixed in-memory review and a frozen clock.

Update only after reading the HTML report: `pytest tests/tui/test_looks.py --snapshot-update`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from textual.pilot import Pilot

from gate.tui.app import SignoffApp, make_app
from gate.tui.session import Options
from tests.tui import fixed

SIZE = (100, 32)


def app(identity: str | None = "carol") -> SignoffApp:
    return make_app(fixed.OPTIONS, clock=lambda: fixed.NOW, review=fixed.review(identity=identity))


async def loaded(pilot: Pilot[Any]) -> None:
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


def test_main_screen_lists_items_with_evidence_signoff_and_quorum(snap_compare: Any) -> None:
    assert snap_compare(app(), terminal_size=SIZE)


def test_detail_pane_shows_observations_digest_and_a_stale_signoff(snap_compare: Any) -> None:
    # Blocking items come first: the FAIL, then the others in checklist order; two down is the STALE canary item.
    assert snap_compare(app(), terminal_size=SIZE, press=["down", "down"])


def test_detail_pane_without_a_key_says_why_nothing_can_be_signed(snap_compare: Any) -> None:
    # Tab moves to the detail pane, end scrolls to its last section ("You").
    assert snap_compare(app(identity=None), terminal_size=SIZE, press=["tab", "end"])


def test_waive_form_shows_the_policy_and_the_allowed_dates(snap_compare: Any) -> None:
    assert snap_compare(app(), terminal_size=SIZE, press=["w"])


def test_help_screen(snap_compare: Any) -> None:
    assert snap_compare(app(), terminal_size=SIZE, press=["question_mark"])


def test_a_load_error_is_shown_in_the_app(snap_compare: Any) -> None:
    broken = make_app(Options(release="v1.3", checklist=Path("missing/cot-isolation.yaml")), clock=lambda: fixed.NOW)
    assert snap_compare(broken, terminal_size=SIZE, run_before=loaded)
