"""Small helpers shared by graders and the reward."""
