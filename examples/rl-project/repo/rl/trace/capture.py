"""Split a completion into reasoning and answer, and append the reasoning to the trace dump."""

from __future__ import annotations

import gzip
import json
import re
from pathlib import Path

THINK_OPEN = "<think>"
THINK_CLOSE = "</think>"
_THINK = re.compile(re.escape(THINK_OPEN) + r"(.*?)" + re.escape(THINK_CLOSE), re.DOTALL)


def split_completion(completion: str) -> tuple[str, str]:
    """(reasoning, answer): the text inside the think markers, and what follows them."""
    match = _THINK.search(completion)
    if match is None:
        return "", completion.strip()
    return match.group(1).strip(), completion[match.end() :].strip()


def strip_markers(text: str) -> str:
    """Remove think blocks, markers included."""
    return _THINK.sub("", text).strip()


def capture(dump: Path, rollout_id: str, env: str, reasoning: str) -> None:
    """Append one reasoning trace to a gzip JSONL dump (the only place traces are written)."""
    record = {"rollout": rollout_id, "env": env, "reasoning": reasoning}
    with gzip.open(dump, "at", encoding="utf-8") as fh:
        fh.write(json.dumps(record, sort_keys=True) + "\n")
