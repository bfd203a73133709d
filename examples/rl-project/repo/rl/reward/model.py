"""Client for the reward-model server: scores (prompt, answer) pairs."""

from __future__ import annotations

import json
import urllib.request
from dataclasses import dataclass

DEFAULT_URL = "http://reward-model.rl.svc:8080/v1/score"


@dataclass(frozen=True)
class RewardModel:
    url: str = DEFAULT_URL
    timeout: float = 30.0

    def payload(self, prompt: str, answer: str) -> bytes:
        """The request body: the prompt and the final answer only."""
        return json.dumps({"prompt": prompt, "answer": answer}, sort_keys=True).encode()

    def score(self, prompt: str, answer: str) -> float:
        request = urllib.request.Request(
            self.url,
            data=self.payload(prompt, answer),
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=self.timeout) as response:
            return float(json.load(response)["score"])
