"""Regenerate the gzip artifacts of the selftest fixtures (grader logs and CoT dumps): `python make_logs.py`.

Deterministic (no randomness, gzip mtime 0), so running it again rewrites the same bytes. The text fixtures
(JUnit, SARIF, metrics, canaries) are written by hand; only the compressed files come from here.
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path

HERE = Path(__file__).resolve().parent
WORDS = (
    "let assume then hence therefore suppose consider prime even odd integer sum product lemma proof case factor "
    "divides modulo remainder bound limit sequence term induction base step claim holds answer reference check"
).split()
ENVS = ("helpful-chat", "math-proofs")
ROLLOUTS = 400


def canaries(folder: str) -> list[str]:
    lines = (HERE / folder / "artifacts" / "canaries.txt").read_text().splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


def write_gz(path: Path, lines: list[str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(gzip.compress(("\n".join(lines) + "\n").encode(), mtime=0))


def build(folder: str, *, plant: bool, leak: bool) -> None:
    marks = canaries(folder)
    dump: list[str] = []
    logs: dict[str, list[str]] = {env: [] for env in ENVS}
    for n in range(ROLLOUTS * len(ENVS)):
        env = ENVS[n % len(ENVS)]
        rollout = f"r-{n:05d}"
        reasoning = " ".join(WORDS[(n + i) % len(WORDS)] for i in range(30))
        if plant and n % 50 == 0:  # the positive control: every canary lands in the CoT dump
            reasoning += " " + marks[(n // 50) % len(marks)]
        dump.append(json.dumps({"env": env, "reasoning": reasoning, "rollout": rollout}, sort_keys=True))
        answer = " ".join(WORDS[(n * 7 + i) % len(WORDS)] for i in range(25))
        if leak and n == 333:  # one grader input carries the reasoning, canary included
            answer += " " + marks[0]
        line = {"env": env, "inputs": {"answer": answer, "prompt": " ".join(WORDS[:20])}}
        logs[env].append(json.dumps({**line, "rollout": rollout}, sort_keys=True))
    artifacts = HERE / folder / "artifacts"
    write_gz(artifacts / "cot" / "reasoning-dump.jsonl.gz", dump)
    for env, lines in logs.items():
        write_gz(artifacts / "grader-logs" / f"{env}.log.gz", lines)


if __name__ == "__main__":
    build("clean", plant=True, leak=False)
    build("canary-in-grader-log", plant=True, leak=True)
    build("canary-not-planted", plant=False, leak=False)
