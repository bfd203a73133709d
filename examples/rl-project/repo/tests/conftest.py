"""Shared fixtures: a rollout with a recognisable reasoning trace."""

from __future__ import annotations

import pytest

from rl.rollout import Rollout

SECRET = "SECRET-REASONING-7f3a"


@pytest.fixture
def secret() -> str:
    return SECRET


@pytest.fixture
def rollout() -> Rollout:
    return Rollout(
        rollout_id="r-0001",
        env="math-proofs",
        prompt="Prove that the sum of two even numbers is even.",
        reasoning=f"Let a=2m and b=2n. {SECRET} Then a+b=2(m+n).",
        answer="a+b = 2(m+n), so the sum is even.\nFinal answer: even",
        reference="Write a=2m, b=2n; a+b=2(m+n) is even.",
        tool_calls=("calculator(2+4)",),
    )
