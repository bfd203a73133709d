"""The reward: grader scores plus shaping terms. Never sees the reasoning trace."""
