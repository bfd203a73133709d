"""Small valid checklist texts for tests."""

from __future__ import annotations

BASE = """\
id: {id}
version: 1
title: Test checklist
owner: safety-lead
release_role: release-manager
stages: [pre-training, pre-release]
roles:
  safety-lead: {{description: Owns CoT isolation}}
  release-manager: {{description: Ships the model}}
{extra}items:
{items}"""

ITEM = """\
  - id: {id}
    title: Item {id}
    evidence:
      - kind: config
        files: "rl/envs/*.yaml"
        query: grader.inputs
        assert: {{not_contains: reasoning}}
"""


def checklist(id: str = "test", items: tuple[str, ...] = ("a",), extra: str = "") -> str:
    """A valid checklist with one config item per id; `extra` is inserted before items:."""
    return BASE.format(id=id, extra=extra, items="".join(ITEM.format(id=i) for i in items))
