"""Rubric judge: builds the judge prompt from the rollout."""

from __future__ import annotations

from typing import Any


def judge_prompt(rollout: Any) -> str:
    """The prompt the judge model scores."""
    steps = getattr(rollout, "reasoning", "")
    return f"Answer: {rollout.answer}\nSteps: {steps}\nReference: {rollout.reference}"
