"""Rollout records: one sampled episode, as the trainer keeps it."""

from __future__ import annotations

from dataclasses import dataclass, field

FIELDS = ("prompt", "reasoning", "answer", "reference", "tool_calls", "metadata")


@dataclass(frozen=True)
class Rollout:
    """One episode. `reasoning` is the chain-of-thought, kept for rl.trace only."""

    rollout_id: str
    env: str
    prompt: str
    reasoning: str
    answer: str
    reference: str | None = None
    tool_calls: tuple[str, ...] = ()
    metadata: dict[str, str] = field(default_factory=dict)

    def field(self, name: str) -> object:
        """A field by name, as configs list them."""
        if name not in FIELDS:
            raise KeyError(f"unknown rollout field {name!r}; fields: {', '.join(FIELDS)}")
        return getattr(self, name)
