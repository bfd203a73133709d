"""The README stays true to the code: every YAML example loads, and every kind, field and operator is documented.

A ```yaml block is a whole checklist when it starts with `id:` or the yaml-language-server comment, a list of
evidence entries when it starts with `- kind:` (wrapped into an item before loading), and a fragment that is
only parsed when it starts with `# fragment`. Any other block fails the test, so no example goes unchecked.
"""

from __future__ import annotations

import argparse
import json
import re
import textwrap
import typing
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml
from jsonschema import Draft202012Validator

from gate import loader
from gate.cli import ExitCode, build_parser
from gate.model import EVIDENCE_KINDS, OPERATORS, Checklist, EvidenceSpec, Item

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
SCHEMA_FILE = ROOT / "schema" / "checklist.schema.json"
TEXT = README.read_text(encoding="utf-8")

WRAPPER = """\
id: readme-example
version: 1
title: README example
owner: safety-lead
release_role: release-manager
roles:
  safety-lead: {{description: Owns CoT isolation}}
  release-manager: {{description: Ships the model}}
items:
  - id: example
    title: README example
    evidence:
{evidence}"""


@dataclass(frozen=True)
class Block:
    line: int
    text: str

    @property
    def first(self) -> str:
        return self.text.lstrip().splitlines()[0] if self.text.strip() else ""

    def __str__(self) -> str:
        return f"README.md:{self.line}"


def yaml_blocks() -> list[Block]:
    blocks = []
    for match in re.finditer(r"^```yaml\n(.*?)^```$", TEXT, flags=re.DOTALL | re.MULTILINE):
        blocks.append(Block(TEXT.count("\n", 0, match.start()) + 2, match.group(1)))
    return blocks


def is_checklist(block: Block) -> bool:
    return block.first.startswith(("id:", "# yaml-language-server:"))


def is_evidence(block: Block) -> bool:
    return block.first.startswith("- kind:")


def is_fragment(block: Block) -> bool:
    return block.first.startswith("# fragment")


BLOCKS = yaml_blocks()


def checklist_text(block: Block) -> str:
    return block.text if is_checklist(block) else WRAPPER.format(evidence=textwrap.indent(block.text, " " * 6))


def load_block(block: Block, tmp_path: Path) -> loader.LoadedChecklist:
    (tmp_path / ".git").mkdir(exist_ok=True)  # the include root: nothing outside tmp_path is read
    text = checklist_text(block)
    path = tmp_path / "checklists" / f"readme-{block.line}.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return loader.load(path)


def test_readme_has_yaml_examples() -> None:
    assert sum(map(is_checklist, BLOCKS)) >= 1
    assert sum(map(is_evidence, BLOCKS)) >= len(EVIDENCE_KINDS)


@pytest.mark.parametrize("block", BLOCKS, ids=str)
def test_readme_yaml_example_loads(block: Block, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    if is_fragment(block):
        yaml.safe_load(block.text)
        return
    assert is_checklist(block) or is_evidence(block), (
        f"{block}: a ```yaml block must start with 'id:', '# yaml-language-server:', '- kind:' or '# fragment'"
    )
    loaded = load_block(block, tmp_path)
    assert loaded.checklist.items


@pytest.mark.parametrize("block", [b for b in BLOCKS if is_checklist(b) or is_evidence(b)], ids=str)
def test_readme_yaml_example_validates_against_the_json_schema(block: Block) -> None:
    schema = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    errors = [e.message for e in Draft202012Validator(schema).iter_errors(yaml.safe_load(checklist_text(block)))]
    assert errors == []


def test_every_evidence_kind_has_a_loading_example(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    kinds = set()
    for block in BLOCKS:
        if is_checklist(block) or is_evidence(block):
            for item in load_block(block, tmp_path).checklist.items:
                kinds.update(spec.kind for spec in item.evidence)
    assert kinds == set(EVIDENCE_KINDS)


@pytest.mark.parametrize("kind", EVIDENCE_KINDS)
def test_every_evidence_kind_is_mentioned(kind: str) -> None:
    assert f"`{kind}`" in TEXT


def kind_section(kind: str) -> str:
    match = re.search(rf"^#### `{re.escape(kind)}`\n(.*?)(?=^#{{2,4}} )", TEXT, flags=re.DOTALL | re.MULTILINE)
    assert match, f"README.md has no '#### `{kind}`' section"
    return match.group(1)


SPECS = {
    typing.get_args(spec.model_fields["kind"].annotation)[0]: spec
    for spec in typing.get_args(typing.get_args(EvidenceSpec)[0])
}


@pytest.mark.parametrize("kind", EVIDENCE_KINDS)
def test_every_evidence_field_is_documented_in_its_section(kind: str) -> None:
    section = kind_section(kind)
    documented = set(re.findall(r"^\| `([a-z0-9_]+)` \|", section, flags=re.MULTILINE))
    fields = {f.alias or name for name, f in SPECS[kind].model_fields.items()} - {"kind", "label"}
    assert documented == fields


def table_keys(heading: str) -> set[str]:
    pattern = rf"^### {re.escape(heading)}\n(?:[^|#\n].*\n|\n)*?\|.*\n\|---.*\n((?:\|.*\n)+)"
    match = re.search(pattern, TEXT, flags=re.MULTILINE)
    assert match, f"README.md has no table under '### {heading}'"
    return set(re.findall(r"^\| `([a-z0-9_]+)` \|", match.group(1), flags=re.MULTILINE))


def test_top_level_and_item_keys_are_documented() -> None:
    assert table_keys("Top-level keys") == set(Checklist.model_fields)
    assert table_keys("Item keys") == set(Item.model_fields)


def test_every_operator_is_documented() -> None:
    assert table_keys("Assertions") == set(OPERATORS)


def test_exit_code_table_lists_every_exit_code() -> None:
    codes = [int(c) for c in re.findall(r"^\| (\d+) \|", TEXT, flags=re.MULTILINE)]
    assert codes == sorted(int(c) for c in ExitCode)


def test_readme_documents_exactly_the_registered_commands() -> None:
    (action,) = [a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction)]
    registered = set(action.choices)
    documented = set(re.findall(r"^### `gate ([a-z-]+)", TEXT, flags=re.MULTILINE))
    roadmap = TEXT.split("### Roadmap\n", 1)[1].split("\n## ", 1)[0]
    planned = set(re.findall(r"^- `gate ([a-z-]+)", roadmap, flags=re.MULTILINE))
    assert documented == registered, (
        "README.md must document every command `gate --help` lists, under '### `gate NAME ...`', and no other; "
        f"registered: {sorted(registered)}, documented: {sorted(documented)}"
    )
    assert not planned & registered, (
        f"README.md lists implemented commands on the roadmap: {sorted(planned & registered)}"
    )


def test_readme_starts_with_the_two_commands() -> None:
    head = TEXT.splitlines()[:6]
    assert any(line.startswith("make demo") for line in head)
    assert any(line.startswith("make test") for line in head)
