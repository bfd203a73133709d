"""The loader: includes, digests, and the per-file and cross-file rules."""

from __future__ import annotations

from pathlib import Path

import pytest

from gate import loader
from gate.errors import ProblemsError
from gate.model import checklist_digest, item_digest
from tests.checklist_text import checklist


def messages(path: Path) -> list[str]:
    with pytest.raises(ProblemsError) as info:
        loader.load(path)
    return [str(p) for p in info.value.problems]


def test_load_valid_checklist_gives_items_and_digest(write) -> None:
    path = write({"c.yaml": checklist(items=("a", "b"))})
    loaded = loader.load(path)
    assert [i.id for i in loaded.checklist.items] == ["a", "b"]
    assert len(loaded.digest) == 64
    assert str(loaded.item_locations["b"]) == "c.yaml:18:9"


def test_digest_ignores_comments_formatting_and_explicit_defaults(write) -> None:
    plain = loader.load(write({"a.yaml": checklist()})).digest
    noisy_text = "# a comment\n" + checklist().replace("query: grader.inputs", "query:   grader.inputs   # why")
    noisy_text = noisy_text.replace("assert: {not_contains: reasoning}", "assert:\n          not_contains: reasoning")
    noisy_text = noisy_text.replace("title: Item a", "title: Item a\n    severity: blocker")
    noisy = loader.load(write({"b.yaml": noisy_text})).digest
    assert plain == noisy


def test_digest_changes_with_meaning(write) -> None:
    plain = loader.load(write({"a.yaml": checklist()}))
    changed = loader.load(write({"b.yaml": checklist().replace("not_contains", "contains")}))
    assert plain.digest != changed.digest
    assert item_digest(plain.checklist.items[0]) != item_digest(changed.checklist.items[0])


def test_contains_null_and_not_contains_null_digest_differently(write) -> None:
    a = loader.load(write({"a.yaml": checklist().replace("{not_contains: reasoning}", "{contains: null}")}))
    b = loader.load(write({"b.yaml": checklist().replace("{not_contains: reasoning}", "{not_contains: null}")}))
    assert a.digest != b.digest


def test_digest_is_independent_of_location(write, tmp_path: Path) -> None:
    one = loader.load(write({"x/one/c.yaml": checklist()}))
    two = loader.load(write({"y/deeper/two/c.yaml": checklist()}))
    assert one.digest == two.digest


def test_include_merges_items_roles_and_stages(write) -> None:
    top = write(
        {
            "top.yaml": checklist(id="top", items=("mine",), extra="include: [common/basics.yaml]\n"),
            "common/basics.yaml": checklist(id="basics", items=("shared",)).replace(
                "  release-manager:", "  auditor: {description: Independent}\n  release-manager:"
            ),
        }
    )
    loaded = loader.load(top)
    assert [i.id for i in loaded.checklist.items] == ["shared", "mine"]
    assert set(loaded.checklist.roles) == {"safety-lead", "release-manager", "auditor"}
    assert loaded.checklist.include == []
    assert loaded.includes == ("common/basics.yaml",)
    assert str(loaded.item_locations["shared"]) == "common/basics.yaml:12:9"
    assert loaded.digest == checklist_digest(loaded.checklist)


def test_included_content_changes_the_digest(write) -> None:
    files = {
        "top.yaml": checklist(id="top", items=("mine",), extra="include: [basics.yaml]\n"),
        "basics.yaml": checklist(id="basics", items=("shared",)),
    }
    before = loader.load(write(files)).digest
    files["basics.yaml"] = files["basics.yaml"].replace("not_contains", "contains")
    after = loader.load(write(files)).digest
    assert before != after


def test_diamond_include_merges_the_shared_file_once(write) -> None:
    top = write(
        {
            "top.yaml": checklist(id="top", items=("t",), extra="include: [a.yaml, b.yaml]\n"),
            "a.yaml": checklist(id="a", items=("ia",), extra="include: [d.yaml]\n"),
            "b.yaml": checklist(id="b", items=("ib",), extra="include: [d.yaml]\n"),
            "d.yaml": checklist(id="d", items=("id",)),
        }
    )
    assert [i.id for i in loader.load(top).checklist.items] == ["id", "ia", "ib", "t"]


def test_include_with_parent_folder_inside_root_is_allowed(write, tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    top = write(
        {
            "checklists/ml/top.yaml": checklist(id="top", items=("t",), extra="include: [../common/b.yaml]\n"),
            "checklists/common/b.yaml": checklist(id="b", items=("ib",)),
        }
    )
    assert [i.id for i in loader.load(top).checklist.items] == ["ib", "t"]


def test_include_escaping_the_repository_is_refused(write, tmp_path: Path) -> None:
    (tmp_path / "repo" / ".git").mkdir(parents=True)
    top = write(
        {
            "repo/top.yaml": checklist(id="top", extra="include: [../outside.yaml]\n"),
            "outside.yaml": checklist(id="outside", items=("o",)),
        }
    )
    assert messages(top) == ["repo/top.yaml:10:11: include[0]: include '../outside.yaml' escapes the repository root"]


def test_include_symlink_escaping_the_repository_is_refused(write, tmp_path: Path) -> None:
    (tmp_path / "repo" / ".git").mkdir(parents=True)
    top = write(
        {
            "repo/top.yaml": checklist(id="top", extra="include: [link.yaml]\n"),
            "outside.yaml": checklist(id="outside", items=("o",)),
        }
    )
    (tmp_path / "repo" / "link.yaml").symlink_to(tmp_path / "outside.yaml")
    assert messages(top) == ["repo/top.yaml:10:11: include[0]: include 'link.yaml' escapes the repository root"]


def test_include_cycle_names_the_chain(write) -> None:
    top = write(
        {
            "a.yaml": checklist(id="a", items=("ia",), extra="include: [b.yaml]\n"),
            "b.yaml": checklist(id="b", items=("ib",), extra="include: [a.yaml]\n"),
        }
    )
    assert messages(top) == ["b.yaml:10:11: include[0]: include cycle: a.yaml -> b.yaml -> a.yaml"]


def test_duplicate_item_id_across_includes(write) -> None:
    top = write(
        {
            "top.yaml": checklist(id="top", items=("same",), extra="include: [b.yaml]\n"),
            "b.yaml": checklist(id="b", items=("same",)),
        }
    )
    assert messages(top) == ["top.yaml:12:9: items[0].id: duplicate item id 'same' (also in b.yaml:11:9)"]


def test_role_defined_differently_across_includes(write) -> None:
    top = write(
        {
            "top.yaml": checklist(id="top", items=("t",), extra="include: [b.yaml]\n"),
            "b.yaml": checklist(id="b", items=("ib",)).replace("Ships the model", "Someone else"),
        }
    )
    assert messages(top) == [
        "top.yaml:9:3: roles.release-manager: role 'release-manager' is defined differently in b.yaml:9"
    ]


def test_problems_in_an_included_file_name_that_file(write) -> None:
    top = write(
        {
            "top.yaml": checklist(id="top", items=("t",), extra="include: [b.yaml]\n"),
            "b.yaml": checklist(id="b", items=("ib",)).replace("version: 1", "version: 0"),
        }
    )
    assert messages(top) == ["b.yaml:2:10: version: must be >= 1, got integer 0"]


def test_items_for_stage_selects_unstaged_items_too(write) -> None:
    text = checklist(items=("a", "b")).replace("    title: Item b\n", "    title: Item b\n    stages: [pre-release]\n")
    loaded = loader.load(write({"c.yaml": text}))
    assert [i.id for i in loaded.checklist.items_for("pre-training")] == ["a"]
    assert [i.id for i in loaded.checklist.items_for("pre-release")] == ["a", "b"]
    assert [i.id for i in loaded.checklist.items_for(None)] == ["a", "b"]


def test_yaml_one_one_booleans_stay_strings(write) -> None:
    text = checklist().replace("{not_contains: reasoning}", "{equals: no}")
    loaded = loader.load(write({"c.yaml": text}))
    spec = loaded.checklist.items[0].evidence[0]
    assert spec.assert_.operand == "no"  # type: ignore[union-attr]


def test_dates_stay_strings(write) -> None:
    text = checklist().replace("{not_contains: reasoning}", "{equals: 2026-01-01}")
    spec = loader.load(write({"c.yaml": text})).checklist.items[0].evidence[0]
    assert spec.assert_.operand == "2026-01-01"  # type: ignore[union-attr]


def test_lint_skips_examples_folders(write, tmp_path: Path) -> None:
    write(
        {
            "cl/good.yaml": checklist(),
            "cl/examples/leaky/rl/envs/x.yaml": "not: a checklist\n",
            "cl/notes.txt": "ignored",
        }
    )
    files, problems = loader.lint([tmp_path / "cl"])
    assert [f.name for f in files] == ["good.yaml"]
    assert problems == []


def test_python_field_names_are_not_checklist_keys(write) -> None:
    # `assert_` and `in_` are the models' Python names; the checklist language (and the schema) says assert/in.
    text = checklist().replace("assert: {not_contains: reasoning}", "assert_: {in: [1]}")
    assert messages(write({"c.yaml": text})) == [
        "c.yaml:17:9: items[0].evidence[0].assert_: unknown key 'assert_'. Did you mean 'assert'?"
    ]


def _yaml_sources() -> list[Path]:
    root = Path(__file__).resolve().parents[1]
    found = [*(root / "checklists").rglob("*.yaml"), *(root / "tests" / "corpus").rglob("*.yaml")]
    found += [*(root / "examples").rglob("*.yaml"), *(root / "tests" / "corpus").rglob("*.yml")]
    return sorted(found)


@pytest.mark.parametrize("path", _yaml_sources(), ids=lambda p: p.name)
def test_libyaml_and_pure_python_parsing_agree(path: Path) -> None:
    # parse_yaml takes libyaml's parser under PyYAML's composer, falling back to the pure-Python parser for the
    # wording of an error: both must give the same data, positions and problems on every file we have.
    from gate import loader

    assert loader._FastLoader is not None
    text = path.read_text(encoding="utf-8", errors="replace")

    def outcome(loader_class: type) -> object:
        try:
            data, pos = loader._parse_with(loader_class, text, path.name, libyaml=loader_class is loader._FastLoader)
        except ProblemsError as exc:
            return ("problems", [str(p) for p in exc.problems])
        except loader._LibyamlRefused:
            return "refused"
        return (data, pos.values, pos.keys)

    slow = outcome(loader._Loader)
    fast = outcome(loader._FastLoader)
    # Every file we have reads the same both ways (the fallback covers refusals and problems).
    assert fast == slow or fast == "refused"
    assert parse_outcome(text, path.name) == slow


def parse_outcome(text: str, shown: str) -> object:
    from gate import loader

    try:
        data, pos = loader.parse_yaml(text, shown)
    except ProblemsError as exc:
        return ("problems", [str(p) for p in exc.problems])
    return (data, pos.values, pos.keys)
