"""Capture of the reasoning trace (CoT) for interpretability dumps. Reward code must never import it."""
