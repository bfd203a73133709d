"""Rubric judge: builds the judge prompt from the rollout."""

from __future__ import annotations


def judge_prompt(rollout: dict[str, str]) -> str:
    """The prompt the judge model scores."""
    # Include the steps so the judge can check the proof.
    return f"Answer: {rollout['answer']}\nSteps: {rollout['reasoning']}\nReference: {rollout['reference']}"
