"""Evidence digests are identical across clones at different paths, time zones and locales (DESIGN "Digests")."""

from __future__ import annotations

import gzip
import shutil
import time
from pathlib import Path

import pytest

from gate import api
from tests.builders import make_artifacts, make_repo

CHECKLIST = """\
id: stable
version: 1
title: Digest stability
owner: lead
release_role: lead
roles: {lead: {description: Everything}}
items:
  - id: configs
    title: configs
    evidence:
      - {kind: config, files: "rl/envs/*", query: grader.inputs, assert: {not_contains: reasoning}}
  - id: code
    title: code
    evidence:
      - {kind: code.imports, source: [rl.reward], forbidden: [rl.trace]}
      - {kind: code.pattern, files: "rl/**/*.py", pattern: reasoning, must: not_occur, ignore_comments: true}
  - id: history
    title: history
    evidence:
      - {kind: git.trailers, paths: "rl/reward/**", range: "base..HEAD"}
  - id: artifacts
    title: artifacts
    evidence:
      - {kind: junit, files: "junit.xml"}
      - {kind: json, files: "metrics.json", query: accuracy, assert: {ge: 0.5}}
      - {kind: canary, files: "logs/*", canaries_file: canaries.txt, must_occur_in: cot.jsonl.gz}
  - id: doc
    title: doc
    evidence:
      - {kind: manual, path: docs/card.md}
"""
CANARY = "CANARY-5d1c0e9a-planted-in-cot"


def build(root: Path) -> tuple[Path, Path]:
    repo = make_repo(root / "repo")
    repo.commit({"gate/c.yaml": CHECKLIST, "docs/card.md": "# Card\n"}, "init")
    repo.tag("base")
    repo.commit(
        {
            "rl/envs/a.yaml": "grader:\n  inputs: [prompt]\n",
            "rl/envs/b.json": '{"grader": {"inputs": ["prompt", "reasoning"]}}\n',
            "rl/__init__.py": "",
            "rl/reward/__init__.py": "from rl.utils import clean\n",
            "rl/utils.py": "import rl.trace\nclean = 1\n",
            "rl/trace.py": "# reasoning capture\n",
        },
        "reward",
        trailers={"Reviewed-by": "Bob <bob@example.com>"},
    )
    arts = make_artifacts(
        root / "ci-out",
        {
            "junit.xml": '<testsuite><testcase classname="t" name="a"/><testcase classname="t" name="b">'
            '<failure message="boom"/></testcase></testsuite>',
            "metrics.json": '{"accuracy": 0.42}',
            "canaries.txt": CANARY + "\n",
            "logs/grader.log": f"in: {CANARY}\n",
            "cot.jsonl.gz": gzip.compress(f'{{"cot": "{CANARY}"}}\n'.encode(), mtime=0),
        },
        commit=repo.head,
    )
    return repo.path, arts


def digests(repo: Path, arts: Path) -> dict[str, tuple[str, str]]:
    report = api.check(repo / "gate/c.yaml", repo=repo, artifacts=arts, evidence_only=True)
    return {i.id: (i.status.value, i.evidence_digest) for i in report.items}


@pytest.fixture
def restore_tz():  # type: ignore[no-untyped-def]
    yield
    time.tzset()


def test_same_inputs_give_the_same_digests_anywhere(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, restore_tz
) -> None:
    first = digests(*build(tmp_path / "a"))
    # Every kind produced a real verdict, not an ERROR that would digest the same everywhere.
    assert {k: v[0] for k, v in first.items()} == {
        "configs": "FAIL",
        "code": "FAIL",
        "history": "PASS",
        "artifacts": "FAIL",
        "doc": "PASS",
    }
    monkeypatch.setenv("TZ", "Pacific/Kiritimati")
    monkeypatch.setenv("LC_ALL", "de_DE.UTF-8")
    monkeypatch.setenv("LANG", "tr_TR.UTF-8")
    time.tzset()
    other = tmp_path / "elsewhere" / "deeper path with spaces"
    second = digests(*build(other))
    assert second == first


def test_a_copied_clone_digests_the_same(tmp_path: Path) -> None:
    repo, arts = build(tmp_path / "a")
    shutil.copytree(repo, tmp_path / "copy" / "repo", symlinks=True)
    shutil.copytree(arts, tmp_path / "copy" / "ci-out", symlinks=True)
    assert digests(tmp_path / "copy" / "repo", tmp_path / "copy" / "ci-out") == digests(repo, arts)
