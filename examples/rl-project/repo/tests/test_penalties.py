"""Length penalty."""

from __future__ import annotations

from rl.reward.penalties import FLOOR, length_penalty


def test_no_penalty_within_budget() -> None:
    assert length_penalty(100, 1024) == 0.0


def test_penalty_is_clamped() -> None:
    assert length_penalty(1124, 1024) == -0.1
    assert length_penalty(10**6, 1024) == FLOOR
