"""What a grader receives: exactly the rollout fields listed in the env's grader.inputs."""

from __future__ import annotations

from rl.config import GraderConfig
from rl.rollout import Rollout


def build_grader_input(rollout: Rollout, grader: GraderConfig) -> dict[str, object]:
    """The fields named by grader.inputs, in that order; an unknown name is an error."""
    return {name: rollout.field(name) for name in grader.inputs}
