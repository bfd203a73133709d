"""Environment configs: YAML, TOML or JSON files under rl/envs/, all with the same shape."""

from __future__ import annotations

import json
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

ENVS = Path(__file__).parent / "envs"
SUFFIXES = (".yaml", ".yml", ".toml", ".json")


@dataclass(frozen=True)
class GraderConfig:
    kind: str
    inputs: tuple[str, ...]
    options: dict[str, Any]


@dataclass(frozen=True)
class EnvConfig:
    name: str
    dataset: str
    max_new_tokens: int
    grader: GraderConfig


def _parse(path: Path) -> dict[str, Any]:
    text = path.read_text(encoding="utf-8")
    if path.suffix in (".yaml", ".yml"):
        data = yaml.safe_load(text)
    elif path.suffix == ".toml":
        data = tomllib.loads(text)
    else:
        data = json.loads(text)
    if not isinstance(data, dict):
        raise ValueError(f"{path}: an env config is a mapping")
    return data


def load_env(path: Path) -> EnvConfig:
    """Read one env config."""
    data = _parse(path)
    grader = data["grader"]
    options = {k: v for k, v in grader.items() if k not in ("kind", "inputs")}
    return EnvConfig(
        name=data["name"],
        dataset=data["dataset"],
        max_new_tokens=int(data.get("max_new_tokens", 1024)),
        grader=GraderConfig(kind=grader["kind"], inputs=tuple(grader["inputs"]), options=options),
    )


def all_envs(folder: Path = ENVS) -> list[EnvConfig]:
    """Every env config under the folder, sorted by path."""
    paths = sorted(p for p in folder.rglob("*") if p.suffix in SUFFIXES)
    return [load_env(p) for p in paths]
