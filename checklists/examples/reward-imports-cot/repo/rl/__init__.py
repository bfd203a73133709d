"""rl-train: RL environments, graders and the reward."""
