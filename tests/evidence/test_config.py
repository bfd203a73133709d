"""`config` evidence: committed YAML, JSON and TOML files queried with JMESPath, findings at file:line:col."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from gate.engine import run_collector
from gate.model import ConfigSpec
from gate.results import Evidence, Observation, Read, Status
from tests.builders import GitRepo, context

MATH = """\
name: math
grader:
  model: judge-v2
  inputs:
    - prompt
    - reasoning
    - answer
"""
CODE = """\
name: code
grader:
  model: judge-v2
  inputs: [prompt, answer]
"""
NOT_CONTAINS = {"not_contains": "reasoning"}


def run(repo: GitRepo, assertion: dict[str, Any], query: str = "grader.inputs", **fields: Any) -> Evidence:
    raw = {"kind": "config", "files": "rl/envs/**/*.yaml", "query": query, "assert": assertion, **fields}
    return run_collector(ConfigSpec.model_validate(raw), context(repo))


def sha(text: str | bytes) -> str:
    return hashlib.sha256(text.encode() if isinstance(text, str) else text).hexdigest()


def where(ev: Evidence) -> list[tuple[str, str | None]]:
    return [(o.where, o.pointer) for o in ev.observations]


# ---------------------------------------------------------------------------------------------
# PASS and FAIL


def test_passes_when_every_file_satisfies_and_binds_what_it_read(git_repo) -> None:
    repo = git_repo()
    repo.commit({"rl/envs/code.yaml": CODE, "rl/envs/web/search.yaml": CODE})
    ev = run(repo, NOT_CONTAINS)
    assert ev.status is Status.PASS
    assert ev.summary == "2 of 2 files: grader.inputs does not contain 'reasoning'"
    assert ev.observations == []
    assert ev.fix is None
    assert ev.read == [
        Read(path="rl/envs/code.yaml", root="repo", sha256=sha(CODE)),
        Read(path="rl/envs/web/search.yaml", root="repo", sha256=sha(CODE)),
    ]


def test_fails_naming_each_offending_file_at_the_element_found(git_repo) -> None:
    repo = git_repo()
    repo.commit(
        {"rl/envs/code.yaml": CODE, "rl/envs/math.yaml": MATH, "rl/envs/x.yaml": CODE.replace("answer", "reasoning")}
    )
    ev = run(repo, NOT_CONTAINS, label="grader inputs")
    assert ev.status is Status.FAIL
    assert ev.label == "grader inputs"
    assert ev.summary == "2 of 3 files: grader.inputs contains 'reasoning'"
    assert ev.fix == "drop 'reasoning' from grader.inputs in each file listed, or get a waiver"
    assert ev.observations == [
        Observation(
            message="grader.inputs contains 'reasoning'",
            path="rl/envs/math.yaml",
            root="repo",
            line=6,
            col=7,
            pointer="/grader/inputs/1",
        ),
        Observation(
            message="grader.inputs contains 'reasoning'",
            path="rl/envs/x.yaml",
            root="repo",
            line=4,
            col=20,
            pointer="/grader/inputs/1",
        ),
    ]
    assert len(ev.read) == 3


def test_any_file_passes_with_one_file_and_shows_it(git_repo) -> None:
    repo = git_repo()
    repo.commit({"rl/envs/code.yaml": CODE, "rl/envs/math.yaml": MATH})
    ev = run(repo, {"contains": "reasoning"}, each="any-file")
    assert ev.status is Status.PASS
    assert ev.summary == "1 of 2 files: grader.inputs contains 'reasoning'"
    assert [(o.where, o.message, o.failing) for o in ev.observations] == [
        ("rl/envs/math.yaml:6:7", "grader.inputs contains 'reasoning'", False)
    ]


def test_any_file_fails_when_no_file_satisfies(git_repo) -> None:
    repo = git_repo()
    repo.commit({"rl/envs/code.yaml": CODE, "rl/envs/web.yaml": CODE})
    ev = run(repo, {"contains": "reasoning"}, each="any-file")
    assert ev.status is Status.FAIL
    assert ev.summary == "0 of 2 files: grader.inputs contains 'reasoning'"
    assert ev.fix == "add 'reasoning' to grader.inputs in at least one of the matched files, or get a waiver"
    assert [(o.where, o.message) for o in ev.observations] == [
        ("rl/envs/code.yaml:4:11", "grader.inputs does not contain 'reasoning'"),
        ("rl/envs/web.yaml:4:11", "grader.inputs does not contain 'reasoning'"),
    ]


def test_no_file_fails_on_each_file_that_satisfies(git_repo) -> None:
    repo = git_repo()
    repo.commit({"rl/envs/code.yaml": CODE, "rl/envs/math.yaml": MATH})
    ev = run(repo, {"contains": "reasoning"}, each="no-file")
    assert ev.status is Status.FAIL
    assert ev.summary == "1 of 2 files: grader.inputs contains 'reasoning'"
    assert ev.fix == "drop 'reasoning' from grader.inputs in each file listed, or get a waiver"
    assert [(o.where, o.message) for o in ev.observations] == [
        ("rl/envs/math.yaml:6:7", "grader.inputs contains 'reasoning'")
    ]
    repo.commit({"rl/envs/math.yaml": CODE})
    ev = run(repo, {"contains": "reasoning"}, each="no-file")
    assert (ev.status, ev.summary) == (Status.PASS, "0 of 2 files: grader.inputs contains 'reasoning'")


def test_equals_fails_showing_the_value_seen(git_repo) -> None:
    repo = git_repo()
    repo.commit({"rl/envs/code.yaml": CODE, "rl/envs/math.yaml": MATH.replace("judge-v2", "judge-v1")})
    ev = run(repo, {"equals": "judge-v2"}, query="grader.model")
    assert ev.status is Status.FAIL
    assert ev.summary == "1 of 2 files: grader.model does not equal 'judge-v2'"
    assert ev.fix == "set grader.model to 'judge-v2' in each file listed, or get a waiver"
    assert [(o.where, o.pointer, o.message) for o in ev.observations] == [
        ("rl/envs/math.yaml:3:10", "/grader/model", "grader.model does not equal 'judge-v2' (got 'judge-v1')")
    ]


def test_number_comparison_and_long_values_shortened(git_repo) -> None:
    repo = git_repo()
    long = "x" * 100
    repo.commit({"rl/envs/a.yaml": f"lr: 0.5\nnote: {long}\n"})
    ev = run(repo, {"le": 0.1}, query="lr")
    assert (ev.status, ev.summary) == (Status.FAIL, "1 of 1 file: lr is greater than 0.1")
    assert ev.observations[0].message == "lr is greater than 0.1 (got 0.5)"
    assert ev.fix == "change lr so that it is at most 0.1 in each file listed, or get a waiver"
    ev = run(repo, {"equals": "short"}, query="note")
    assert ev.observations[0].message == f"note does not equal 'short' (got '{'x' * 57}...')"


def test_indexed_query_is_located_at_the_selected_value(git_repo) -> None:
    repo = git_repo()
    text = "envs:\n  - name: a\n    grader: {inputs: [prompt]}\n  - name: b\n"
    text += "    grader:\n      inputs: [prompt, reasoning]\n"
    repo.commit({"rl/envs/all.yaml": text})
    ev = run(repo, NOT_CONTAINS, query="envs[-1].grader.inputs")
    assert where(ev) == [("rl/envs/all.yaml:6:24", "/envs/1/grader/inputs/1")]
    ev = run(repo, {"equals": "z"}, query="envs[0].name")
    assert where(ev) == [("rl/envs/all.yaml:2:11", "/envs/0/name")]


def test_complex_query_falls_back_to_the_key_it_starts_from(git_repo) -> None:
    repo = git_repo()
    repo.commit({"rl/envs/all.yaml": "version: 2\nenvs:\n  - name: a\n    grader: {inputs: [prompt, reasoning]}\n"})
    ev = run(repo, NOT_CONTAINS, query="envs[*].grader.inputs[]")
    assert ev.summary == "1 of 1 file: envs[*].grader.inputs[] contains 'reasoning'"
    assert where(ev) == [("rl/envs/all.yaml:3:3", "/envs")]
    ev = run(repo, {"equals": 0}, query="length(envs[?name=='a'])")
    assert where(ev) == [("rl/envs/all.yaml:3:3", "/envs")]
    ev = run(repo, {"equals": 0}, query="length(@)")
    assert where(ev) == [("rl/envs/all.yaml", None)]


def test_json_config_is_located_exactly(git_repo) -> None:
    repo = git_repo()
    text = (
        '{\n  "name": "chat",\n  "judge": {"inputs": ["prompt"], "x": 1},\n'
        '  "grader": {\n    "inputs": ["prompt", "reasoning"]\n  }\n}\n'
    )
    repo.commit({"rl/envs/chat.json": text})
    ev = run(repo, NOT_CONTAINS, files="rl/envs/*.json")
    assert ev.summary == "1 of 1 file: grader.inputs contains 'reasoning'"
    assert where(ev) == [("rl/envs/chat.json:5:26", "/grader/inputs/1")]


def test_json_config_with_a_duplicate_key_is_an_error(git_repo) -> None:
    # Last-wins would hide the first value from the check (and other readers may take the first).
    repo = git_repo()
    text = (
        '{\n  "name": "chat",\n  "grader": {"inputs": ["prompt", "reasoning"]},\n'
        '  "grader": {\n    "inputs": ["prompt"]\n  }\n}\n'
    )
    repo.commit({"rl/envs/chat.json": text})
    ev = run(repo, NOT_CONTAINS, files="rl/envs/*.json")
    assert ev.status is Status.ERROR
    assert ev.summary == (
        "rl/envs/chat.json:4:3: invalid JSON: duplicate key 'grader' (readers disagree on which value counts)"
    )


def test_toml_config_is_located_at_the_key_line(git_repo) -> None:
    repo = git_repo()
    text = (
        'name = "web"\n\n[grader]\nmodel = "judge-v2"\ninputs = [\n  "prompt",\n  "reasoning",\n]\n'
        "\n[[stages]]\nsteps = 1\n\n[[stages]]\nsteps = 2\n"
    )
    repo.commit({"rl/envs/web.toml": text})
    ev = run(repo, NOT_CONTAINS, files="rl/envs/*.toml")
    assert ev.summary == "1 of 1 file: grader.inputs contains 'reasoning'"
    assert where(ev) == [("rl/envs/web.toml:5", "/grader/inputs/1")]
    ev = run(repo, {"lt": 2}, query="stages[1].steps", files="rl/envs/*.toml")
    assert where(ev) == [("rl/envs/web.toml:14", "/stages/1/steps")]


def test_all_three_formats_in_one_check(git_repo) -> None:
    repo = git_repo()
    repo.commit(
        {
            "rl/envs/a.yaml": CODE,
            "rl/envs/b.json": '{"grader": {"inputs": ["prompt"]}}',
            "rl/envs/c.toml": '[grader]\ninputs = ["prompt", "reasoning"]\n',
        }
    )
    ev = run(repo, NOT_CONTAINS, files=["rl/envs/*.yaml", "rl/envs/*.json", "rl/envs/*.toml"])
    assert ev.summary == "1 of 3 files: grader.inputs contains 'reasoning'"
    assert where(ev) == [("rl/envs/c.toml:2", "/grader/inputs/1")]


def test_exists_fails_on_nothing_and_absent_passes(git_repo) -> None:
    repo = git_repo()
    repo.commit({"rl/envs/code.yaml": CODE})
    ev = run(repo, {"exists": True}, query="grader.seed")
    assert ev.status is Status.FAIL
    assert ev.summary == "1 of 1 file: grader.seed is missing or null"
    assert ev.fix == "set grader.seed in each file listed, or get a waiver"
    assert where(ev) == [("rl/envs/code.yaml:3:3", "/grader")]
    ev = run(repo, {"absent": True}, query="grader.seed")
    assert (ev.status, ev.summary) == (Status.PASS, "1 of 1 file: grader.seed is missing or null")
    ev = run(repo, {"absent": True}, query="grader.model")
    assert ev.status is Status.FAIL
    assert ev.observations[0].message == "grader.model exists (got 'judge-v2')"
    assert ev.fix == "remove grader.model in each file listed, or get a waiver"


# ---------------------------------------------------------------------------------------------
# YAML semantics


def test_yaml_duplicate_keys_take_the_last_value_as_safe_load_does(git_repo) -> None:
    repo = git_repo()
    repo.commit({"rl/envs/a.yaml": "grader:\n  inputs: [reasoning]\ngrader:\n  inputs: [prompt]\n"})
    assert run(repo, NOT_CONTAINS).status is Status.PASS
    ev = run(repo, {"contains": "reasoning"})
    assert where(ev) == [("rl/envs/a.yaml:4:11", "/grader/inputs")]


def test_yaml_merge_keys_and_aliases_are_followed(git_repo) -> None:
    repo = git_repo()
    text = "base: &base\n  inputs: [prompt, reasoning]\n  model: m\ngrader:\n  <<: *base\n  model: judge\n"
    repo.commit({"rl/envs/a.yaml": text})
    ev = run(repo, NOT_CONTAINS)
    assert where(ev) == [("rl/envs/a.yaml:2:20", "/grader/inputs/1")]  # the anchor's text
    ev = run(repo, {"equals": "m"}, query="grader.model")
    assert where(ev) == [("rl/envs/a.yaml:6:10", "/grader/model")]


def test_yaml_dates_stay_text_and_booleans_are_yaml_1_1(git_repo) -> None:
    repo = git_repo()
    repo.commit({"rl/envs/a.yaml": "frozen: 2026-01-05\nenabled: yes\n"})
    assert run(repo, {"equals": "2026-01-05"}, query="frozen").status is Status.PASS
    assert run(repo, {"equals": True}, query="enabled").status is Status.PASS


def test_true_is_not_the_number_one(git_repo) -> None:
    repo = git_repo()
    repo.commit({"rl/envs/a.yaml": "flag: true\ncount: 1\nratio: 1.0\n"})
    ev = run(repo, {"equals": 1}, query="flag")
    assert ev.observations[0].message == "flag does not equal 1 (got true)"
    assert run(repo, {"equals": 1}, query="ratio").status is Status.PASS
    assert run(repo, {"in": [True, 2]}, query="count").status is Status.FAIL


# ---------------------------------------------------------------------------------------------
# ERROR: the source


def test_glob_matching_no_committed_file_is_an_error(git_repo) -> None:
    repo = git_repo()
    repo.commit({"README.md": "hi\n"})
    ev = run(repo, NOT_CONTAINS)
    assert ev.status is Status.ERROR
    assert ev.summary == "glob 'rl/envs/**/*.yaml' matched no committed file"
    assert ev.fix == "check `files:`; every committed file the check relies on must be present"
    ev = run(repo, NOT_CONTAINS, files=["a/*.yaml", "b/*.yaml"])
    assert ev.summary == "globs 'a/*.yaml', 'b/*.yaml' matched no committed file"


def test_fewer_files_than_min_files_is_an_error(git_repo) -> None:
    repo = git_repo()
    repo.commit({"rl/envs/code.yaml": CODE, "rl/envs/web.yaml": CODE})
    ev = run(repo, NOT_CONTAINS, min_files=3)
    assert ev.status is Status.ERROR
    assert ev.summary == "glob 'rl/envs/**/*.yaml' matched 2 committed files, fewer than min_files 3"
    assert run(repo, NOT_CONTAINS, min_files=2).status is Status.PASS


def test_untracked_file_is_an_error(git_repo) -> None:
    repo = git_repo()
    repo.commit({"rl/envs/code.yaml": CODE})
    repo.write({"rl/envs/new.yaml": MATH})
    ev = run(repo, NOT_CONTAINS)
    assert ev.status is Status.ERROR
    assert ev.summary == (
        "rl/envs/new.yaml matches 'rl/envs/**/*.yaml' but is not committed; only committed files are evidence"
    )


def test_modified_file_is_an_error(git_repo) -> None:
    repo = git_repo()
    repo.commit({"rl/envs/math.yaml": MATH})
    repo.write({"rl/envs/math.yaml": CODE})
    ev = run(repo, NOT_CONTAINS)
    assert ev.status is Status.ERROR
    assert ev.summary.startswith("rl/envs/math.yaml differs from the release commit ")
    assert ev.summary.endswith(" (modified, staged or deleted)")
    assert ev.observations[0].path == "rl/envs/math.yaml"


def test_symlink_out_of_the_repository_is_an_error(git_repo, tmp_path: Path) -> None:
    repo = git_repo()
    (tmp_path / "outside.yaml").write_text(CODE)
    (repo.path / "rl/envs").mkdir(parents=True)
    (repo.path / "rl/envs/link.yaml").symlink_to(tmp_path / "outside.yaml")
    repo.repo.index.add(["rl/envs/link.yaml"])
    repo.commit({"rl/envs/code.yaml": CODE})
    ev = run(repo, NOT_CONTAINS)
    assert ev.status is Status.ERROR
    assert ev.summary == "rl/envs/link.yaml is a symlink leading out of the repository root"


def test_no_repository_is_an_error() -> None:
    spec = ConfigSpec.model_validate({"kind": "config", "files": "a.yaml", "query": "a", "assert": {"exists": True}})
    ev = run_collector(spec, context(None))
    assert (ev.status, ev.summary) == (Status.ERROR, "no repository given (--repo)")


# ---------------------------------------------------------------------------------------------
# ERROR: a file that cannot be judged


def test_query_selecting_nothing_is_an_error(git_repo) -> None:
    repo = git_repo()
    repo.commit({"rl/envs/code.yaml": CODE, "rl/envs/math.yaml": MATH, "rl/envs/old.yaml": "name: old\n"})
    ev = run(repo, NOT_CONTAINS, query="grader.input")
    assert ev.status is Status.ERROR
    assert ev.summary == "query 'grader.input' selected nothing in rl/envs/code.yaml; 2 more files could not be checked"
    assert ev.fix == (
        "make the files listed define grader.input, or use `exists: true` / `absent: true` when it may be missing"
    )
    assert [(o.where, o.pointer, o.message) for o in ev.observations] == [
        ("rl/envs/code.yaml:3:3", "/grader", "query 'grader.input' selected nothing"),
        ("rl/envs/math.yaml:3:3", "/grader", "query 'grader.input' selected nothing"),
        ("rl/envs/old.yaml", None, "query 'grader.input' selected nothing"),
    ]


def test_one_file_selecting_nothing_makes_the_check_error_not_pass(git_repo) -> None:
    repo = git_repo()
    repo.commit({"rl/envs/code.yaml": CODE, "rl/envs/old.yaml": "name: old\n"})
    ev = run(repo, NOT_CONTAINS)
    assert ev.status is Status.ERROR
    assert ev.summary == "query 'grader.inputs' selected nothing in rl/envs/old.yaml"


def test_failing_files_are_still_listed_when_another_file_errors(git_repo) -> None:
    repo = git_repo()
    repo.commit({"rl/envs/math.yaml": MATH, "rl/envs/old.yaml": "name: old\n"})
    ev = run(repo, NOT_CONTAINS)
    assert ev.status is Status.ERROR
    assert [(o.where, o.message) for o in ev.observations] == [
        ("rl/envs/old.yaml", "query 'grader.inputs' selected nothing"),
        ("rl/envs/math.yaml:6:7", "grader.inputs contains 'reasoning'"),
    ]


def test_contains_on_a_mapping_is_an_error(git_repo) -> None:
    repo = git_repo()
    repo.commit({"rl/envs/a.yaml": "grader:\n  inputs:\n    text: prompt\n"})
    ev = run(repo, NOT_CONTAINS)
    assert ev.status is Status.ERROR
    assert ev.summary == (
        "rl/envs/a.yaml:3:5: cannot apply not_contains to a mapping: grader.inputs is {'text': 'prompt'}"
    )
    assert ev.fix == "not_contains needs a list or a string: point the query at one, or use another operator"
    assert where(ev) == [("rl/envs/a.yaml:3:5", "/grader/inputs")]


def test_type_mismatches_are_errors_naming_the_type(git_repo) -> None:
    repo = git_repo()
    repo.commit({"rl/envs/a.yaml": "lr: '0.1'\nsteps: 10\nname: x\n"})
    ev = run(repo, {"lt": 1}, query="lr")
    assert (ev.status, ev.summary) == (Status.ERROR, "rl/envs/a.yaml:1:5: cannot apply lt to a string: lr is '0.1'")
    ev = run(repo, {"matches": "^1"}, query="steps")
    assert ev.summary == "rl/envs/a.yaml:2:8: cannot apply matches to a number: steps is 10"
    ev = run(repo, {"contains": 1}, query="name")
    assert ev.summary == (
        "rl/envs/a.yaml:3:7: cannot apply contains 1 to a string: name is 'x'; only a string can be a substring"
    )


def test_substring_and_regex_on_strings(git_repo) -> None:
    repo = git_repo()
    repo.commit({"rl/envs/a.yaml": "grader:\n  prompt: 'Score the answer. {reasoning}'\n"})
    ev = run(repo, {"not_contains": "{reasoning}"}, query="grader.prompt")
    assert (ev.status, ev.summary) == (Status.FAIL, "1 of 1 file: grader.prompt contains '{reasoning}'")
    assert where(ev) == [("rl/envs/a.yaml:2:11", "/grader/prompt")]
    ev = run(repo, {"matches": r"\{(cot|reasoning)\}"}, query="grader.prompt", each="no-file")
    assert ev.summary == r"1 of 1 file: grader.prompt matches '\{(cot|reasoning)\}'"
    assert ev.observations[0].message == (
        r"grader.prompt matches '\{(cot|reasoning)\}' (got 'Score the answer. {reasoning}')"
    )


def test_yaml_syntax_error_is_an_error_at_line_and_column(git_repo) -> None:
    repo = git_repo()
    repo.commit({"rl/envs/code.yaml": CODE, "rl/envs/bad.yaml": "grader:\n  inputs: [prompt\nname: x\n"})
    ev = run(repo, NOT_CONTAINS)
    assert ev.status is Status.ERROR
    assert ev.summary == (
        "rl/envs/bad.yaml:3:5: invalid YAML: while parsing a flow sequence, did not find expected ',' or ']'"
    )
    assert ev.fix == "fix the syntax of the file listed, or leave it out of `files:`"
    assert ev.observations == [
        Observation(
            message="invalid YAML: while parsing a flow sequence, did not find expected ',' or ']'",
            path="rl/envs/bad.yaml",
            root="repo",
            line=3,
            col=5,
        )
    ]
    assert len(ev.read) == 2


def test_yaml_refusals_are_errors(git_repo) -> None:
    repo = git_repo()
    lines = ["a: &a [" + ", ".join(["x"] * 10) + "]"]
    for prev, name in zip("abcdef", "bcdefg", strict=True):
        lines.append(f"{name}: &{name} [" + ", ".join([f"*{prev}"] * 10) + "]")
    bomb = "\n".join(lines) + "\n"
    cases = {
        "two documents": (
            "a: 1\n---\na: 2\n",
            "2:1: invalid YAML: expected a single document in the stream, but found another document",
        ),
        "custom tag": (
            "grader: !Ref other\n",
            "1:9: invalid YAML: could not determine a constructor for the tag '!Ref'",
        ),
        "recursive alias": (
            "grader: &g\n  inputs: *g\n",
            "1:9: invalid YAML: recursive alias: a value contains itself",
        ),
        "alias bomb": (
            bomb,
            "6:4: invalid YAML: document expands to more than 1000000 values through aliases (alias bomb?)",
        ),
        "control character": ("grader:\n  inputs: [a\x07]\n", "2:13: invalid YAML: control character #x0007"),
        "not UTF-8": (b"grader:\n  inputs: [caf\xe9]\n", "2:15: not UTF-8 (byte 0xe9)"),
    }
    for name, (text, message) in cases.items():
        repo.commit({"rl/envs/a.yaml": text})
        ev = run(repo, NOT_CONTAINS)
        assert (name, ev.status, ev.summary) == (name, Status.ERROR, f"rl/envs/a.yaml:{message}")


def test_json_and_toml_syntax_errors_are_errors_at_line_and_column(git_repo) -> None:
    repo = git_repo()
    repo.commit(
        {
            "rl/envs/a.json": '{\n  "grader": {"inputs": ["prompt",]}\n}\n',
            "rl/envs/b.toml": "[grader]\ninputs = [prompt]\n",
        }
    )
    ev = run(repo, NOT_CONTAINS, files="rl/envs/*.json")
    assert (ev.status, ev.summary) == (Status.ERROR, "rl/envs/a.json:2:34: invalid JSON: expecting value")
    ev = run(repo, NOT_CONTAINS, files="rl/envs/*.toml")
    assert (ev.status, ev.summary) == (Status.ERROR, "rl/envs/b.toml:2:11: invalid TOML: invalid value")
    assert ev.observations[0].line == 2


def test_not_utf8_json_and_toml_are_errors(git_repo) -> None:
    repo = git_repo()
    repo.commit({"rl/envs/a.json": b'{"a": "\xff"}', "rl/envs/b.toml": b'a = "\xc3"\n'})
    ev = run(repo, NOT_CONTAINS, files="rl/envs/*.json")
    assert ev.summary == "rl/envs/a.json:1:8: not UTF-8 (byte 0xff)"
    ev = run(repo, NOT_CONTAINS, files="rl/envs/*.toml")
    assert ev.summary == "rl/envs/b.toml:1:6: not UTF-8 (byte 0xc3)"
    assert ev.fix == "save the file listed as UTF-8, or leave it out of `files:`"


def test_unknown_extension_needs_a_format(git_repo) -> None:
    repo = git_repo()
    repo.commit({"rl/envs/a.conf": "grader:\n  inputs: [prompt]\n"})
    ev = run(repo, NOT_CONTAINS, files="rl/envs/*.conf")
    assert ev.status is Status.ERROR
    assert ev.summary == "rl/envs/a.conf: cannot tell the format from the file extension (.yaml, .yml, .json or .toml)"
    assert run(repo, NOT_CONTAINS, files="rl/envs/*.conf", format="yaml").status is Status.PASS


def test_query_failing_at_run_time_is_an_error(git_repo) -> None:
    repo = git_repo()
    repo.commit({"rl/envs/a.yaml": "grader:\n  inputs: 3\n"})
    ev = run(repo, {"gt": 0}, query="length(grader.inputs)")
    assert ev.status is Status.ERROR
    assert ev.summary.startswith(
        "rl/envs/a.yaml:2:11: query 'length(grader.inputs)' cannot be evaluated: In function length(), invalid type"
    )


def test_empty_yaml_file_selects_nothing(git_repo) -> None:
    repo = git_repo()
    repo.commit({"rl/envs/a.yaml": "# nothing yet\n"})
    ev = run(repo, NOT_CONTAINS)
    assert (ev.status, ev.summary) == (Status.ERROR, "query 'grader.inputs' selected nothing in rl/envs/a.yaml")
    assert run(repo, {"absent": True}).status is Status.PASS


def test_yaml_values_without_a_json_type_become_json_values(git_repo) -> None:
    repo = git_repo()
    text = "s: !!set {a: null, b: null}\no: !!omap [{x: 1}, {y: 2}]\nb: !!binary aGk=\nt: 2026-01-05 10:00:00\n"
    repo.commit({"rl/envs/a.yaml": text})
    assert run(repo, {"equals": ["a", "b"]}, query="s").status is Status.PASS
    assert run(repo, {"equals": [{"x": 1}, {"y": 2}]}, query="o").status is Status.PASS
    assert run(repo, {"equals": "aGk="}, query="b").status is Status.PASS
    assert run(repo, {"matches": "^2026-01-05"}, query="t").status is Status.PASS
