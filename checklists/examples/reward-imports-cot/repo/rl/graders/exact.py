"""Exact-match grader."""

from __future__ import annotations

from rl.utils.text import normalize


def grade(rollout: dict[str, str]) -> float:
    """1.0 when the normalised answer equals the normalised reference."""
    return float(normalize(rollout["answer"]) == normalize(rollout["reference"]))
