"""CoT isolation: graders and the reward must never see the reasoning trace."""

from __future__ import annotations

import ast
from pathlib import Path

from rl.config import GraderConfig
from rl.graders.inputs import build_grader_input
from rl.graders.rubric import judge_prompt
from rl.reward.model import RewardModel
from rl.trace.capture import split_completion

ROOT = Path(__file__).resolve().parent.parent
REWARD_PATH = [ROOT / "rl" / "reward", ROOT / "rl" / "graders"]


def _imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
    return found


def test_reward_path_does_not_import_trace() -> None:
    for folder in REWARD_PATH:
        for path in sorted(folder.glob("*.py")):
            leaked = {m for m in _imports(path) if m == "rl.trace" or m.startswith("rl.trace.")}
            assert not leaked, f"{path.relative_to(ROOT)} imports {sorted(leaked)}"


def test_grader_input_has_only_listed_fields(rollout, secret) -> None:
    grader = GraderConfig(kind="rubric", inputs=("prompt", "answer"), options={})
    inputs = build_grader_input(rollout, grader)
    assert list(inputs) == ["prompt", "answer"]
    assert secret not in repr(inputs)


def test_judge_prompt_never_contains_reasoning(rollout, secret) -> None:
    grader = GraderConfig(kind="rubric", inputs=("prompt", "answer", "reference"), options={})
    prompt = judge_prompt(build_grader_input(rollout, grader), rubric="Is the proof right?")
    assert secret not in prompt


def test_reward_model_payload_has_no_reasoning(rollout, secret) -> None:
    payload = RewardModel().payload(rollout.prompt, rollout.answer)
    assert secret.encode() not in payload
    assert b"reasoning" not in payload


def test_split_completion_keeps_reasoning_out_of_answer(secret) -> None:
    reasoning, answer = split_completion(f"<think>{secret}</think> Final answer: 4")
    assert reasoning == secret
    assert answer == "Final answer: 4"
