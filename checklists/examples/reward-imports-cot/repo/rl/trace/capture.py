"""Writes each rollout's reasoning trace to the CoT dump."""

from __future__ import annotations

import json
from typing import TextIO


def capture(rollout_id: str, reasoning: str, out: TextIO) -> None:
    """Append one reasoning trace to the dump (JSON lines)."""
    out.write(json.dumps({"rollout": rollout_id, "reasoning": reasoning}) + "\n")
