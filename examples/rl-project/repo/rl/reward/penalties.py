"""Penalties: answers longer than the env's token budget lose reward, down to a floor."""

from __future__ import annotations

PENALTY_PER_TOKEN = 0.001
FLOOR = -1.0


def length_penalty(tokens: int, budget: int) -> float:
    """0 within the budget; -PENALTY_PER_TOKEN per token over it, clamped at FLOOR."""
    if tokens <= budget:
        return 0.0
    return max(FLOOR, -PENALTY_PER_TOKEN * (tokens - budget))
