"""Exact-match grader: 1.0 when the answer equals the reference (optionally normalised)."""

from __future__ import annotations

from rl.utils.text import normalize


def grade(inputs: dict[str, object], *, normalize_text: bool = True) -> float:
    answer = str(inputs["answer"])
    reference = str(inputs.get("reference") or "")
    if normalize_text:
        answer, reference = normalize(answer), normalize(reference)
    return 1.0 if answer and answer == reference else 0.0
