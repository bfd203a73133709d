"""Shaping terms added to the grader score."""

from __future__ import annotations

from rl.utils.text import word_count


def brevity_bonus(answer: str, budget: int = 200) -> float:
    """A small bonus for answers within the word budget."""
    return 0.1 if word_count(answer) <= budget else 0.0
