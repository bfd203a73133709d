"""Graders: score a rollout's answer from the fields its env config lists in grader.inputs."""
