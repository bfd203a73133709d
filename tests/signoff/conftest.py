"""A release with real SSH keys, a signers list, a checklist needing sign-offs, and CI artifacts."""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.builders import GitRepo, make_repo

CHECKLIST = """\
id: cot
version: 1
title: CoT isolation
owner: safety-lead
release_role: release-manager
roles:
  safety-lead: {description: Owns CoT isolation}
  auditor: {description: Independent of the training team}
  release-manager: {description: Ships the model}
items:
  - id: configs
    title: No grader receives the reasoning trace
    evidence:
      - {kind: config, files: "rl/envs/*.yaml", query: grader.inputs, assert: {not_contains: reasoning}}
    signoff:
      - {role: safety-lead, count: 1}
    waiver: {roles: [safety-lead], max_days: 14}
  - id: reviewed
    title: Reward changes were reviewed
    evidence:
      - {kind: git.trailers, paths: "rl/reward/**", range: "base..HEAD"}
    signoff:
      - {role: auditor, count: 1, independent_of: authors}
"""
CLEAN = "grader:\n  inputs: [prompt, answer]\n"
LEAKY = "grader:\n  inputs: [prompt, answer, reasoning]\n"
PEOPLE = {
    # identity: (email, roles)
    "alice": ("alice@example.com", ["safety-lead", "auditor"]),
    "bob": ("bob@example.com", ["auditor"]),
    "carol": ("carol@example.com", ["release-manager", "safety-lead"]),
    "mallory": ("mallory@example.com", ["auditor"]),
}


@pytest.fixture(scope="session")
def keys(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """One real Ed25519 key per person (and an RSA key for carol), made by ssh-keygen."""
    folder = tmp_path_factory.mktemp("keys")
    out = {}
    for name in [*PEOPLE, "stranger"]:
        path = folder / name
        kind = ["-t", "rsa", "-b", "2048"] if name == "carol" else ["-t", "ed25519"]
        subprocess.run(["ssh-keygen", *kind, "-N", "", "-q", "-C", name, "-f", str(path)], check=True)
        out[name] = path
    return out


def signers_yaml(keys: dict[str, Path], *, extra_roles: dict[str, list[str]] | None = None) -> str:
    lines = ["version: 1", "signers:"]
    for name, (email, roles) in PEOPLE.items():
        roles = roles + (extra_roles or {}).get(name, [])
        pub = (keys[name].with_suffix(".pub")).read_text().strip()
        lines += [
            f"  {name}:",
            f"    name: {name.title()}",
            f"    emails: [{email}]",
            f"    roles: [{', '.join(roles)}]",
            "    keys:",
            f"      - key: {pub}",
        ]
    return "\n".join(lines) + "\n"


@dataclass
class Release:
    repo: GitRepo
    keys: dict[str, Path]

    @property
    def checklist(self) -> str:
        return str(self.repo.path / "gate/cot.yaml")


def build_release(path: Path, keys: dict[str, Path], *, env: str = CLEAN) -> Release:
    repo = make_repo(path)
    repo.commit(
        {"gate/cot.yaml": CHECKLIST, ".gate/signers.yaml": signers_yaml(keys), "rl/envs/math.yaml": env},
        "init",
        author="carol",
    )
    repo.tag("base")
    repo.commit(
        {"rl/reward/shaping.py": "def reward(x):\n    return 1.0\n"},
        "reward shaping",
        author="alice",
        trailers={"Reviewed-by": "Bob <bob@example.com>"},
    )
    return Release(repo, keys)


@pytest.fixture
def release(tmp_path: Path, keys: dict[str, Path]) -> Release:
    return build_release(tmp_path / "repo", keys)
