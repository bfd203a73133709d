"""Brevity bonus."""

from __future__ import annotations

from rl.reward.brevity import MAX_BONUS, brevity_bonus


def test_no_bonus_for_wrong_answers() -> None:
    assert brevity_bonus("4", correct=False) == 0.0


def test_bonus_shrinks_with_length() -> None:
    short = brevity_bonus("four", correct=True)
    longer = brevity_bonus("four " * 60, correct=True)
    assert MAX_BONUS >= short > longer > 0.0
    assert brevity_bonus("four " * 500, correct=True) == 0.0
