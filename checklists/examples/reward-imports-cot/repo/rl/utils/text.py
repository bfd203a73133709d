"""Text helpers for graders and the reward, now reusing the CoT module's think-marker handling."""

from __future__ import annotations

import re

from rl.cot import split
from rl.trace.capture import capture

__all__ = ["capture", "normalize", "split", "word_count"]

_SPACE = re.compile(r"\s+")


def normalize(text: str) -> str:
    """Lower-case, reasoning removed, whitespace collapsed: for exact-match comparisons."""
    return _SPACE.sub(" ", split(text)[1]).strip().lower()


def word_count(text: str) -> int:
    """Words in the final answer."""
    return len(split(text)[1].split())
