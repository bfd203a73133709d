"""Text helpers for graders and the reward."""

from __future__ import annotations

import re

_SPACE = re.compile(r"\s+")


def normalize(text: str) -> str:
    """Lower-case, whitespace collapsed: for exact-match comparisons."""
    return _SPACE.sub(" ", text).strip().lower()


def word_count(text: str) -> int:
    """Words in the text."""
    return len(text.split())
