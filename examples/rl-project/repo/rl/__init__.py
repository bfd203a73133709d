"""rl-train: RL fine-tuning with verifiable graders."""
