"""Shaping terms."""

from __future__ import annotations

from rl.reward.shaping import FORMAT_BONUS, format_bonus, shaped


def test_format_bonus_for_labelled_answer() -> None:
    assert format_bonus("work\nFinal answer: 42") == FORMAT_BONUS
    assert format_bonus("the answer is \\boxed{42}") == FORMAT_BONUS
    assert format_bonus("42") == 0.0


def test_shaped_is_clipped() -> None:
    assert shaped(1.0, "Final answer: 1") == 1.1
    assert shaped(-0.5, "x") == 0.0
