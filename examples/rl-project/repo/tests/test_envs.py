"""Every env config loads and names a grader with inputs."""

from __future__ import annotations

from rl.config import all_envs
from rl.rollout import FIELDS


def test_envs_load() -> None:
    envs = all_envs()
    assert len(envs) >= 6
    assert len({e.name for e in envs}) == len(envs)


def test_grader_inputs_are_rollout_fields() -> None:
    for env in all_envs():
        assert env.grader.inputs, env.name
        assert set(env.grader.inputs) <= set(FIELDS), env.name
        assert "answer" in env.grader.inputs, env.name
