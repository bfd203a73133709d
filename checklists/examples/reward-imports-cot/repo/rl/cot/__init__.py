"""The chain-of-thought module of the starter layout: splits a completion into reasoning and answer."""

from __future__ import annotations


def split(completion: str) -> tuple[str, str]:
    """(reasoning, answer): the answer follows the last '</think>'."""
    head, _, tail = completion.rpartition("</think>")
    return head, tail.strip()
