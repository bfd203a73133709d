"""Small helpers shared by the trainer, the graders and the reward."""
