"""Graders score answers."""

from __future__ import annotations

from rl.graders.exact_match import grade
from rl.graders.rubric import parse_score


def test_exact_match_normalizes() -> None:
    assert grade({"answer": "  Paris ", "reference": "paris"}) == 1.0
    assert grade({"answer": "Lyon", "reference": "paris"}) == 0.0


def test_exact_match_ignores_think_blocks() -> None:
    assert grade({"answer": "<think>maybe Lyon</think> Paris", "reference": "Paris"}) == 1.0


def test_parse_score_clamps() -> None:
    assert parse_score("7") == 0.7
    assert parse_score("12") == 1.0
    assert parse_score("seven") == 0.0
