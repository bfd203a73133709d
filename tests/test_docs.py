"""docs/ stays true: every YAML, TOML and Python example loads or compiles, every evidence kind has its
reference with an example and its fail-closed cases, the CI examples are the files `gate init` writes and have
the documented job graph, and the links between the docs resolve."""

from __future__ import annotations

import ast
import re
import textwrap
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from gate import init, loader
from gate.cli import ExitCode
from gate.model import EVIDENCE_KINDS

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
PAGES = sorted(DOCS.glob("*.md"))
GITHUB = DOCS / "github-workflow.yml"
GITLAB = DOCS / "gitlab-ci.yml"

WRAPPER = """\
id: docs-example
version: 1
title: Docs example
owner: safety-lead
release_role: release-manager
roles:
  safety-lead: {{description: Owns CoT isolation}}
  release-manager: {{description: Ships the model}}
items:
  - id: example
    title: Docs example
    evidence:
{evidence}"""


@dataclass(frozen=True)
class Block:
    page: Path
    line: int
    lang: str
    text: str

    def __str__(self) -> str:
        return f"{self.page.name}:{self.line}"


def blocks(lang: str | None = None) -> list[Block]:
    out = []
    for page in PAGES:
        text = page.read_text(encoding="utf-8")
        for match in re.finditer(r"^```(\w*)\n(.*?)^```$", text, flags=re.DOTALL | re.MULTILINE):
            if lang is None or match.group(1) == lang:
                out.append(Block(page, text.count("\n", 0, match.start()) + 2, match.group(1), match.group(2)))
    return out


def test_the_docs_pages_exist() -> None:
    names = {p.name for p in PAGES}
    assert {"getting-started.md", "evidence.md", "exit-codes.md", "threat-model.md", "api.md"} <= names


@pytest.mark.parametrize("block", blocks("yaml"), ids=str)
def test_yaml_examples_load(block: Block, tmp_path: Path) -> None:
    first = block.text.lstrip().splitlines()[0]
    if first.startswith("# fragment"):
        yaml.safe_load(block.text)
        return
    assert first.startswith(("- kind:", "id:")), f"{block}: a yaml block is evidence, a checklist or a # fragment"
    text = block.text if first.startswith("id:") else WRAPPER.format(evidence=textwrap.indent(block.text, " " * 6))
    (tmp_path / ".git").mkdir()
    path = tmp_path / "checklists" / "example.yaml"
    path.parent.mkdir()
    path.write_text(text, encoding="utf-8")
    assert loader.load(path).checklist.items


@pytest.mark.parametrize("block", blocks("toml"), ids=str)
def test_toml_examples_parse_as_gate_toml(block: Block, tmp_path: Path) -> None:
    from gate.config import read_root

    tomllib.loads(block.text)
    (tmp_path / "gate.toml").write_text(block.text, encoding="utf-8")
    assert read_root(tmp_path).checklist is not None


@pytest.mark.parametrize("block", blocks("python"), ids=str)
def test_python_examples_compile(block: Block) -> None:
    ast.parse(block.text, filename=str(block))


def evidence_section(kind: str) -> str:
    text = (DOCS / "evidence.md").read_text(encoding="utf-8")
    match = re.search(rf"^## `{re.escape(kind)}`\n(.*?)(?=^## |\Z)", text, flags=re.DOTALL | re.MULTILINE)
    assert match, f"docs/evidence.md has no '## `{kind}`' section"
    return match.group(1)


@pytest.mark.parametrize("kind", EVIDENCE_KINDS)
def test_every_kind_has_an_example_of_its_own_and_its_fail_closed_cases(kind: str) -> None:
    section = evidence_section(kind)
    examples = re.findall(r"^```yaml\n(.*?)^```$", section, flags=re.DOTALL | re.MULTILINE)
    assert examples and all(e.startswith(f"- kind: {kind}\n") for e in examples)
    assert "**ERROR (fail closed)**" in section, f"{kind}: say when it is ERROR"
    assert "**PASS" in section


def test_exit_codes_page_lists_every_exit_code() -> None:
    text = (DOCS / "exit-codes.md").read_text(encoding="utf-8")
    table = text.split("| code | name | meaning |", 1)[1].split("\n\n", 1)[0]
    rows = re.findall(r"^\| (\d+) \| `(\w+)` \|", table, flags=re.MULTILINE)
    assert [(int(c), n) for c, n in rows] == [(int(c), c.name) for c in ExitCode]


def test_links_between_docs_resolve() -> None:
    for page in [*PAGES, ROOT / "README.md"]:
        for target in re.findall(r"\]\(([^)#:]+)(?:#[^)]*)?\)", page.read_text(encoding="utf-8")):
            assert (page.parent / target).exists(), f"{page.name}: broken link {target}"


# ---------------------------------------------------------------------------------------------
# The CI examples


def load(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    return data


def test_the_ci_examples_are_what_gate_init_writes() -> None:
    assert GITHUB.read_text(encoding="utf-8") == init.render_ci("github", init.DOCS_VALUES)
    assert GITLAB.read_text(encoding="utf-8") == init.render_ci("gitlab", init.DOCS_VALUES)


def test_github_workflow_gates_publish_and_verifies_before_the_upload() -> None:
    workflow = load(GITHUB)
    jobs = workflow["jobs"]
    assert set(jobs) == {"build", "gate", "publish"}
    assert jobs["gate"]["needs"] == "build"
    assert "gate" in jobs["publish"]["needs"]
    assert jobs["publish"]["if"] == "github.event_name == 'release'"
    (action,) = [s for s in jobs["gate"]["steps"] if s.get("id") == "gate"]
    assert action["uses"] == init.DEFAULT_ACTION
    assert action["with"]["checklist"] == init.DOCS_VALUES["checklist"]
    assert jobs["gate"]["permissions"]["security-events"] == "write"
    runs = [s.get("run", "") for s in jobs["publish"]["steps"]]
    verify = next(i for i, r in enumerate(runs) if r.startswith("gate verify"))
    upload = next(i for i, r in enumerate(runs) if "upload" in r)
    assert verify < upload
    assert "--subject" in runs[verify]
    # the artifacts are recorded where they are built, for the commit they are built from
    build = [s.get("run", "") for s in jobs["build"]["steps"]]
    assert any(r.startswith("gate artifacts record --artifacts") for r in build)
    checkouts = [s for j in jobs.values() for s in j["steps"] if s.get("uses", "").startswith("actions/checkout@")]
    assert all(s["with"]["fetch-depth"] == 0 for s in checkouts), "git evidence needs the full history"


def test_gitlab_pipeline_reports_junit_and_code_quality_and_verifies_before_the_upload() -> None:
    pipeline = load(GITLAB)
    assert pipeline["stages"] == ["build", "gate", "publish"]
    assert pipeline["variables"]["GIT_DEPTH"] == "0"
    gate = pipeline["gate"]
    assert gate["needs"] == ["build"]
    assert pipeline["publish"]["needs"] == ["build", "gate"]
    assert gate["artifacts"]["when"] == "always"
    assert gate["artifacts"]["reports"] == {"junit": "gate-junit.xml", "codequality": "gl-code-quality-report.json"}
    command = " ".join(gate["script"])
    assert "--format junit=gate-junit.xml" in command
    assert "--format codeclimate=gl-code-quality-report.json" in command
    script = pipeline["publish"]["script"]
    verify = next(i for i, line in enumerate(script) if line.startswith("gate verify"))
    upload = next(i for i, line in enumerate(script) if "upload" in line)
    assert verify < upload and "--subject" in script[verify]
    assert any(line.startswith("gate artifacts record") for line in pipeline["build"]["script"])


def test_gitlab_gate_command_parses_with_gates_own_parser() -> None:
    import shlex

    from gate.cli import build_parser

    line = load(GITLAB)["gate"]["script"][1]
    words = shlex.split(
        line.replace('${GATE_STAGE:+--stage "$GATE_STAGE"}', "--stage pre-release")
        .replace("$scope", "--evidence-only")
        .replace('"$GATE_CHECKLIST"', "checklists/model-release.yaml")
        .replace('"$GATE_ARTIFACTS"', "ci-out")
    )
    assert words[0] == "gate"
    args = build_parser().parse_args(words[1:])
    assert args.format == [
        "text",
        "json=gate-report.json",
        "junit=gate-junit.xml",
        "codeclimate=gl-code-quality-report.json",
    ]
