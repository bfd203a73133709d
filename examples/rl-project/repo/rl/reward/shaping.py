"""Shaping terms added to the grader score: a small bonus for well-formed final answers."""

from __future__ import annotations

from rl.utils.text import normalize, strip_markers

FORMAT_BONUS = 0.1


def format_bonus(answer: str) -> float:
    """FORMAT_BONUS when the answer ends with a boxed or labelled final result, else 0."""
    text = strip_markers(answer)
    last = normalize(text.splitlines()[-1]) if text else ""
    if last.startswith("final answer:") or "\\boxed{" in text:
        return FORMAT_BONUS
    return 0.0


def shaped(score: float, answer: str) -> float:
    """The grader score plus shaping, clipped to [0, 1.1]."""
    return min(1.1, max(0.0, score + format_bonus(answer)))
