"""CoT capture writes traces to the dump only."""

from __future__ import annotations

import gzip
import json

from rl.trace.capture import capture, strip_markers


def test_capture_appends_jsonl(tmp_path) -> None:
    dump = tmp_path / "reasoning-dump.jsonl.gz"
    capture(dump, "r-1", "math-proofs", "step one")
    capture(dump, "r-2", "math-proofs", "step two")
    with gzip.open(dump, "rt", encoding="utf-8") as fh:
        rows = [json.loads(line) for line in fh]
    assert [r["rollout"] for r in rows] == ["r-1", "r-2"]


def test_strip_markers() -> None:
    assert strip_markers("<think>x</think> y") == "y"
