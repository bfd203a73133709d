"""Graders score the final answer against the reference; they never receive the reasoning trace."""
