"""Text helpers for graders and the reward: normalisation and think-marker stripping.

Deliberately standalone: rl.utils is imported by the reward path, so it must not import rl.trace.
"""

from __future__ import annotations

import re

_THINK = re.compile(r"<think>.*?</think>", re.DOTALL)
_SPACE = re.compile(r"\s+")


def strip_markers(text: str) -> str:
    """Remove think blocks, markers included."""
    return _THINK.sub("", text).strip()


def normalize(text: str) -> str:
    """Lower-case, think blocks removed, whitespace collapsed: for exact-match comparisons."""
    return _SPACE.sub(" ", strip_markers(text)).strip().lower()


def word_count(text: str) -> int:
    """Words in the text, think blocks excluded."""
    return len(strip_markers(text).split())
