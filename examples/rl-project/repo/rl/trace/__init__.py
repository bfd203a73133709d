"""CoT capture: the reasoning trace of each rollout, for interpretability research only.

Read access to the dumps is limited to security/cot-readers.txt. Nothing on the reward path
(rl.reward, rl.graders) may import this package, directly or through a helper.
"""
