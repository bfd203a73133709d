"""Rubric grader: builds the judge prompt from the grader inputs; the judge returns a 0-10 score."""

from __future__ import annotations

import json

JUDGE_TEMPLATE = """You are grading a model's work.
Rubric: {rubric}

Material (JSON):
{material}

Reply with a single integer score from 0 to 10."""


def judge_prompt(inputs: dict[str, object], rubric: str) -> str:
    """Everything in `inputs` goes to the judge, so inputs must hold only what the judge may see."""
    material = json.dumps(inputs, indent=2, sort_keys=True, default=list)
    return JUDGE_TEMPLATE.format(rubric=rubric, material=material)


def parse_score(reply: str) -> float:
    """The judge's integer reply scaled to [0, 1]; anything else scores 0."""
    try:
        value = int(reply.strip())
    except ValueError:
        return 0.0
    return min(10, max(0, value)) / 10
