"""Brevity bonus: short final answers score slightly higher when they are correct."""

from __future__ import annotations

from rl.utils.text import word_count

TARGET_WORDS = 120
MAX_BONUS = 0.05


def brevity_bonus(answer: str, correct: bool) -> float:
    """Up to MAX_BONUS for a correct answer under TARGET_WORDS words; never for a wrong one."""
    if not correct:
        return 0.0
    words = word_count(answer)
    if words >= TARGET_WORDS:
        return 0.0
    return MAX_BONUS * (1 - words / TARGET_WORDS)
