"""`gate lint --selftest [--strict] [--mutate]`: weak checks are caught, with exact messages (issue 5)."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest

from gate import mutate
from gate.cli import main

ROOT = Path(__file__).resolve().parent.parent
Write = Callable[[dict[str, str | bytes]], Path]

HEAD = """\
id: t
version: 1
title: Selftest test
owner: safety-lead
release_role: release-manager
roles:
  safety-lead: {description: Owns CoT isolation}
  release-manager: {description: Ships the model}
items:
"""

CLEAN = "examples/clean/repo/rl/envs/math.yaml"
LEAKY = "examples/leaky/repo/rl/envs/math.yaml"
ENVS = {
    CLEAN: "name: math\ngrader:\n  inputs:\n    - prompt\n    - answer\n",
    LEAKY: "name: math\ngrader:\n  inputs:\n    - prompt\n    - answer\n    - reasoning\n",
}


def item(evidence: str, examples: str = "", id: str = "grader-inputs") -> str:
    """An item with the given evidence entries and examples (YAML list items, 6 spaces in)."""
    text = f"  - id: {id}\n    title: Graders never see the reasoning\n    evidence:\n{evidence}"
    if examples:
        text += f"    examples:\n{examples}"
    return text


CONFIG = """\
      - kind: config
        files: "rl/envs/*.yaml"
        query: grader.inputs
        assert: {not_contains: reasoning}
"""
BOTH = """\
      - {fixture: examples/leaky, expect: fail}
      - {fixture: examples/clean, expect: pass}
"""


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["lint", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def err_lines(err: str) -> list[str]:
    return err.splitlines()


# ---------------------------------------------------------------------------------------------
# Examples


def test_a_good_item_passes_with_its_coverage(write: Write, capsys: pytest.CaptureFixture[str]) -> None:
    write({"c.yaml": HEAD + item(CONFIG, BOTH), **ENVS})
    code, out, err = run(capsys, "--selftest", "--strict", "c.yaml")
    assert code == 0
    assert out.splitlines() == [
        "coverage of c.yaml:",
        "  item           evidence  checked by  examples",
        "  grader-inputs  config    machine     1 fail, 1 pass",
    ]
    assert err_lines(err) == [
        "1 checklist OK",
        "selftest: 1 item, 2 examples in 1 checklist: 0 errors, 0 warnings",
    ]


def test_a_glob_matching_nothing_in_its_examples_is_an_error_not_a_fail(
    write: Write, capsys: pytest.CaptureFixture[str]
) -> None:
    evidence = CONFIG.replace("rl/envs/*.yaml", "rl/env/*.yaml")
    write({"c.yaml": HEAD + item(evidence, BOTH), **ENVS})
    code, _, err = run(capsys, "--selftest", "c.yaml")
    assert code == 1
    assert err_lines(err)[1:] == [
        "gate: error: c.yaml:18:9: grader-inputs: examples/leaky expected fail, got ERROR (glob 'rl/env/*.yaml' "
        "matched no committed file): an ERROR proves the source was unreadable, not that the check can fail",
        "gate: error: c.yaml:19:9: grader-inputs: examples/clean expected pass, got ERROR (glob 'rl/env/*.yaml' "
        "matched no committed file)",
        "selftest: 1 item, 2 examples in 1 checklist: 2 errors, 0 warnings",
    ]


def test_a_query_selecting_nothing_is_caught(write: Write, capsys: pytest.CaptureFixture[str]) -> None:
    evidence = CONFIG.replace("query: grader.inputs", "query: grader.input")
    write({"c.yaml": HEAD + item(evidence, BOTH), **ENVS})
    code, _, err = run(capsys, "--selftest", "c.yaml")
    assert code == 1
    assert err_lines(err)[1:3] == [
        "gate: error: c.yaml:18:9: grader-inputs: examples/leaky expected fail, got ERROR (query 'grader.input' "
        "selected nothing in rl/envs/math.yaml): an ERROR proves the source was unreadable, not that the check can "
        "fail",
        "gate: error: c.yaml:19:9: grader-inputs: examples/clean expected pass, got ERROR (query 'grader.input' "
        "selected nothing in rl/envs/math.yaml)",
    ]


def test_a_pattern_that_can_never_match_lets_its_counterexample_pass(
    write: Write, capsys: pytest.CaptureFixture[str]
) -> None:
    evidence = """\
      - kind: code.pattern
        files: "rl/**/*.py"
        pattern: 'rollout\\["reasoning"\\]'
        must: not_occur
"""
    write(
        {
            "c.yaml": HEAD + item(evidence, BOTH, id="no-reasoning-reads"),
            "examples/leaky/repo/rl/grader.py": "def grade(rollout):\n    return rollout['reasoning']\n",
            "examples/clean/repo/rl/grader.py": "def grade(rollout):\n    return rollout['answer']\n",
        }
    )
    code, _, err = run(capsys, "--selftest", "c.yaml")
    assert code == 1
    assert err_lines(err)[1:] == [
        "gate: error: c.yaml:18:9: no-reasoning-reads: counterexample passed: examples/leaky expected fail, got PASS "
        "— this check cannot catch what the example shows",
        "selftest: 1 item, 2 examples in 1 checklist: 1 error, 0 warnings",
    ]


TRAILERS = """\
      - kind: git.trailers
        paths: ["{paths}"]
        since: "v*"
        require: [Reviewed-by]
"""
HISTORY = """\
people:
  alice: {{name: Alice, email: alice@lab.example}}
  bob: {{name: Bob, email: bob@lab.example}}
commits:
  - author: alice
    message: "layout"
    write: {{rl/reward/__init__.py: "", README.md: "x\\n"}}
    tag: v0.9
  - author: bob
    message: "reward: a change"
{trailers}    write: {{rl/reward/shaping.py: "BONUS = 0.1\\n"}}
"""


REVIEWED = "Reviewed-by: Alice <alice@lab.example>"


def trailer_fixtures() -> dict[str, str | bytes]:
    return {
        "examples/leaky/history.yaml": HISTORY.format(trailers=""),
        "examples/clean/history.yaml": HISTORY.format(trailers=f"    trailers: [{REVIEWED!r}]\n"),
    }


def test_a_trailer_check_on_a_path_no_commit_touches_is_caught(
    write: Write, capsys: pytest.CaptureFixture[str]
) -> None:
    evidence = TRAILERS.format(paths="rl/rewards/**")
    write({"c.yaml": HEAD + item(evidence, BOTH, id="reward-reviewed"), **trailer_fixtures()})
    code, out, err = run(capsys, "--selftest", "--mutate", "c.yaml")
    assert code == 1
    # The collector refuses paths that match no file at either end of the range (ERROR, not a vacuous PASS), and the
    # selftest says an ERROR does not show that the check can fail.
    vacuous = "paths 'rl/rewards/**' match no file at SHA or SHA: a typo would make this check vacuous"
    assert [re.sub(r"\b[0-9a-f]{12}\b", "SHA", line) for line in err_lines(err)[1:]] == [
        f"gate: error: c.yaml:18:9: reward-reviewed: examples/leaky expected fail, got ERROR ({vacuous}): an ERROR "
        "proves the source was unreadable, not that the check can fail",
        f"gate: error: c.yaml:19:9: reward-reviewed: examples/clean expected pass, got ERROR ({vacuous})",
        "selftest: 1 item, 2 examples in 1 checklist: 2 errors, 0 warnings",
        "mutate: 0 of 1 mutation made the item FAIL; 0 not mutable",
    ]
    assert out.splitlines()[-2:] == [
        "mutations of c.yaml:",
        "  not mutated reward-reviewed: its passing example did not pass",
    ]


def test_a_trailer_check_on_the_right_path_passes_and_catches_its_mutation(
    write: Write, capsys: pytest.CaptureFixture[str]
) -> None:
    evidence = TRAILERS.format(paths="rl/reward/**")
    write({"c.yaml": HEAD + item(evidence, BOTH, id="reward-reviewed"), **trailer_fixtures()})
    code, out, err = run(capsys, "--selftest", "--strict", "--mutate", "c.yaml")
    assert code == 0, err
    (line,) = [x for x in out.splitlines() if "mutated" in x]
    assert line.startswith("  mutated reward-reviewed: added commit ")
    sha = line.split("added commit ")[1][:12]
    assert line.endswith(
        f" touching rl/reward/__init__.py without Reviewed-by -> FAIL at rl/reward/__init__.py (commit {sha}) ✓"
    )


def test_an_example_with_the_wrong_expected_outcome_is_reported(
    write: Write, capsys: pytest.CaptureFixture[str]
) -> None:
    examples = "      - {fixture: examples/leaky, expect: pass}\n      - {fixture: examples/clean, expect: error}\n"
    write({"c.yaml": HEAD + item(CONFIG, examples), **ENVS})
    code, _, err = run(capsys, "--selftest", "c.yaml")
    assert code == 1
    assert err_lines(err)[1:] == [
        "gate: error: c.yaml:18:9: grader-inputs: examples/leaky expected pass, got FAIL (1 of 1 file: grader.inputs "
        "contains 'reasoning')",
        "gate: error: c.yaml:19:9: grader-inputs: examples/clean expected error, got PASS (1 of 1 file: "
        "grader.inputs does not contain 'reasoning')",
        "gate: warning: c.yaml:10:9: grader-inputs: no failing example: nothing shows this check can fail",
        "  hint: add `{fixture: examples/NAME, expect: fail}` to its examples, with a fixture that breaks the "
        "invariant",
        "selftest: 1 item, 2 examples in 1 checklist: 2 errors, 1 warning",
    ]


def test_the_expected_observation_text_is_checked(write: Write, capsys: pytest.CaptureFixture[str]) -> None:
    examples = (
        "      - {fixture: examples/leaky, expect: fail, observation: \"grader.inputs contains 'reasoning'\"}\n"
        "      - {fixture: examples/leaky, expect: fail, observation: rl/envs/other.yaml}\n"
        "      - {fixture: examples/clean, expect: pass}\n"
    )
    write({"c.yaml": HEAD + item(CONFIG, examples), **ENVS})
    code, _, err = run(capsys, "--selftest", "c.yaml")
    assert code == 1
    assert err_lines(err)[1:] == [
        "gate: error: c.yaml:19:9: grader-inputs: examples/leaky: no observation contains 'rl/envs/other.yaml' (saw "
        "'rl/envs/math.yaml:6:7: grader.inputs contains 'reasoning'')",
        "selftest: 1 item, 3 examples in 1 checklist: 1 error, 0 warnings",
    ]


def test_a_missing_fixture_is_invalid_input(write: Write, capsys: pytest.CaptureFixture[str]) -> None:
    examples = "      - {fixture: examples/nowhere, expect: fail}\n      - {fixture: examples/clean, expect: pass}\n"
    write({"c.yaml": HEAD + item(CONFIG, examples), **ENVS})
    code, _, err = run(capsys, "--selftest", "c.yaml")
    assert code == 2
    assert err_lines(err)[1] == (
        "gate: error: c.yaml:18:9: grader-inputs: fixture folder examples/nowhere does not exist"
    )


# ---------------------------------------------------------------------------------------------
# --strict and coverage


def test_strict_turns_the_missing_counterexample_warning_into_an_error(
    write: Write, capsys: pytest.CaptureFixture[str]
) -> None:
    write({"c.yaml": HEAD + item(CONFIG, "      - {fixture: examples/clean, expect: pass}\n"), **ENVS})
    warning = "c.yaml:10:9: grader-inputs: no failing example: nothing shows this check can fail"
    hint = "  hint: add `{fixture: examples/NAME, expect: fail}` to its examples, with a fixture that breaks the "
    hint += "invariant"

    code, _, err = run(capsys, "--selftest", "c.yaml")
    assert (code, err_lines(err)[1:3]) == (0, [f"gate: warning: {warning}", hint])

    code, _, err = run(capsys, "--selftest", "--strict", "c.yaml")
    assert (code, err_lines(err)[1:]) == (
        1,
        [f"gate: error: {warning}", hint, "selftest: 1 item, 1 example in 1 checklist: 1 error, 0 warnings"],
    )


def test_strict_also_requires_a_passing_example(write: Write, capsys: pytest.CaptureFixture[str]) -> None:
    write({"c.yaml": HEAD + item(CONFIG, "      - {fixture: examples/leaky, expect: fail}\n"), **ENVS})
    code, _, err = run(capsys, "--selftest", "--strict", "c.yaml")
    assert code == 1
    assert err_lines(err)[1] == (
        "gate: error: c.yaml:10:9: grader-inputs: no passing example: nothing shows this check can pass on a good "
        "repository"
    )


def test_strict_without_selftest_is_a_usage_error(write: Write, capsys: pytest.CaptureFixture[str]) -> None:
    write({"c.yaml": HEAD + item(CONFIG)})
    code, out, err = run(capsys, "--strict", "c.yaml")
    assert (code, out) == (2, "")
    assert err_lines(err)[1:] == [
        "gate: error: --strict applies to --selftest",
        "  hint: run `gate lint --selftest --strict PATH...`",
    ]


def test_coverage_flags_items_resting_on_people_alone(write: Write, capsys: pytest.CaptureFixture[str]) -> None:
    manual = "      - kind: manual\n        path: MODEL_CARD.md\n"
    write(
        {
            "c.yaml": HEAD
            + item(CONFIG, BOTH)
            + item(manual, "      - {fixture: examples/card, expect: pass}\n", id="card"),
            "examples/card/repo/MODEL_CARD.md": "# Model card\n",
            **ENVS,
        }
    )
    code, out, err = run(capsys, "--selftest", "--strict", "--mutate", "c.yaml")
    assert code == 1
    assert out.splitlines() == [
        "coverage of c.yaml:",
        "  item           evidence  checked by                             examples",
        "  grader-inputs  config    machine                                1 fail, 1 pass",
        "  card           manual    people only  <- rests on people alone  0 fail, 1 pass",
        "mutations of c.yaml:",
        "  mutated grader-inputs: added 'reasoning' to grader.inputs in rl/envs/math.yaml -> FAIL at "
        "rl/envs/math.yaml:6:5 ✓",
        "  not mutable card: manual (a person judges the document; the machine only checks that it is committed and "
        "non-empty)",
    ]
    assert err_lines(err)[1:] == [
        "gate: error: c.yaml:20:9: card: no failing example: human-only evidence (manual) cannot FAIL; add "
        "machine-checked evidence",
        "  hint: add `{fixture: examples/NAME, expect: fail}` to its examples, with a fixture that breaks the "
        "invariant",
        "selftest: 2 items, 3 examples in 1 checklist: 1 error, 0 warnings",
        "mutate: 1 of 1 mutation made the item FAIL; 1 not mutable",
    ]


# ---------------------------------------------------------------------------------------------
# --mutate


def test_a_mutation_the_check_cannot_catch_fails_the_selftest(write: Write, capsys: pytest.CaptureFixture[str]) -> None:
    evidence = """\
      - kind: config
        files: "rl/envs/*.yaml"
        query: name
        assert: {matches: ".*"}
"""
    examples = "      - {fixture: examples/clean, expect: pass}\n"
    write({"c.yaml": HEAD + item(evidence, examples, id="env-named"), **ENVS})
    code, out, err = run(capsys, "--selftest", "--mutate", "c.yaml")
    assert code == 1
    assert out.splitlines()[-2:] == [
        "mutations of c.yaml:",
        "  mutated env-named: set name to '' in rl/envs/math.yaml -> PASS ✗ the check did not catch it",
    ]
    assert err_lines(err)[-1] == "mutate: 0 of 1 mutation made the item FAIL; 0 not mutable"


def test_a_mutation_that_makes_the_item_error_does_not_count(write: Write, capsys: pytest.CaptureFixture[str]) -> None:
    # The pattern holds an unbalanced quote: planted in a Python file, the file no longer tokenizes (ERROR).
    evidence = """\
      - kind: code.pattern
        files: "rl/**/*.py"
        pattern: '"reasoning'
        must: not_occur
        ignore_comments: true
"""
    write(
        {
            "c.yaml": HEAD + item(evidence, "      - {fixture: examples/clean, expect: pass}\n", id="no-reasoning"),
            "examples/clean/repo/rl/grader.py": "def grade(rollout):\n    return rollout['answer']\n",
        }
    )
    code, out, _ = run(capsys, "--selftest", "--mutate", "c.yaml")
    assert code == 1
    (line,) = [x for x in out.splitlines() if "mutated" in x]
    assert line.startswith("  mutated no-reasoning: added '\"reasoning' to rl/grader.py -> ERROR ✗ (")
    assert line.endswith("): an ERROR does not count, the check must FAIL")


@pytest.mark.parametrize(
    ("operator", "value", "action"),
    [
        ("{equals: math}", "", "set name to 'math-gate-mutation'"),
        ("{not_equals: chat}", "", "set name to 'chat'"),
        ("{in: [math, chat]}", "", "set name to 'gate-mutation'"),
        ("{not_in: [chat]}", "", "set name to 'chat'"),
        ("{exists: true}", "", "deleted name"),
        ("{absent: true}", "owner", "set owner to 'gate-mutation'"),
        ("{ge: 0.8}", "accuracy", "set accuracy to 0.79"),
        ("{gt: 3}", "epochs", "set epochs to 3"),
        ("{le: 10}", "epochs", "set epochs to 11"),
        ("{lt: 0.5}", "temperature", "set temperature to 0.5"),
        ("{contains: answer}", "grader.inputs", "removed 'answer' from grader.inputs"),
    ],
)
def test_config_mutations_break_each_operator(
    write: Write, capsys: pytest.CaptureFixture[str], operator: str, value: str, action: str
) -> None:
    query = value or "name"
    evidence = CONFIG.replace("query: grader.inputs", f"query: {query}").replace("{not_contains: reasoning}", operator)
    env = "name: math\naccuracy: 0.9\nepochs: 4\ntemperature: 0.2\ngrader:\n  inputs: [prompt, answer]\n"
    write({"c.yaml": HEAD + item(evidence, "      - {fixture: examples/clean, expect: pass}\n"), CLEAN: env})
    code, out, _ = run(capsys, "--selftest", "--mutate", "c.yaml")
    (line,) = [x for x in out.splitlines() if "mutated" in x]
    assert code == 0, line
    assert line.startswith(f"  mutated grader-inputs: {action} in rl/envs/math.yaml -> FAIL at rl/envs/math.yaml")
    assert line.endswith(" ✓")


def test_json_toml_junit_sarif_canary_and_digest_mutations_fail_at_the_mutated_spot(
    write: Write, capsys: pytest.CaptureFixture[str]
) -> None:
    canary = "CANARY-0123456789abcdef"
    evidence = f"""\
      - kind: config
        label: toml
        files: "rl/envs/*.toml"
        query: grader.inputs
        assert: {{not_contains: reasoning}}
      - kind: json
        label: metrics
        files: eval/metrics.jsonl
        query: "[0].accuracy"
        assert: {{ge: 0.5}}
      - kind: junit
        files: junit.xml
        select: {{classname: ["tests.isolation.*"]}}
      - kind: sarif
        files: lint.sarif
        tools: [ruff]
      - kind: canary
        files: "logs/*"
        canaries_file: canaries.txt
        min_bytes: 0
      - kind: digest
        file: model.bin
        sha256: {"a" * 64}
"""
    import hashlib

    weights = b"weights\n"
    evidence = evidence.replace("a" * 64, hashlib.sha256(weights).hexdigest())
    junit = (
        '<testsuites>\n<testsuite name="s">\n'
        '<testcase classname="tests.other" name="t0"/>\n'
        '<testcase classname="tests.isolation.a" name="t1"/>\n'
        "</testsuite>\n</testsuites>\n"
    )
    sarif = '{"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "ruff"}}, "results": []}]}\n'
    write(
        {
            "c.yaml": HEAD + item(evidence, "      - {fixture: examples/clean, expect: pass}\n"),
            "examples/clean/repo/rl/envs/tools.toml": '[grader]\nkind = "exact"\ninputs = ["answer"]\n',
            "examples/clean/artifacts/eval/metrics.jsonl": '{"accuracy": 0.9}\n{"accuracy": 0.1}\n',
            "examples/clean/artifacts/junit.xml": junit,
            "examples/clean/artifacts/lint.sarif": sarif,
            "examples/clean/artifacts/canaries.txt": canary + "\n",
            "examples/clean/artifacts/logs/grader.log": "line one\nline two\n",
            "examples/clean/subject/model.bin": weights,
        }
    )
    code, out, err = run(capsys, "--selftest", "--mutate", "c.yaml")
    assert code == 0, out + err
    assert [x for x in out.splitlines() if "mutated" in x] == [
        "  mutated grader-inputs [toml]: added 'reasoning' to grader.inputs in rl/envs/tools.toml -> FAIL at "
        "rl/envs/tools.toml:3 ✓",
        "  mutated grader-inputs [metrics]: set [0].accuracy to 0.49 in eval/metrics.jsonl -> FAIL at "
        "eval/metrics.jsonl:1 ✓",
        "  mutated grader-inputs [evidence 3]: marked tests.isolation.a::t1 failed in junit.xml -> FAIL at "
        "junit.xml:4 ✓",
        "  mutated grader-inputs [evidence 4]: added a result at level 'error' (gate-mutation) to the ruff run in "
        "lint.sarif -> FAIL at gate-mutation.py:1 ✓",
        "  mutated grader-inputs [evidence 5]: planted canary #1 in logs/grader.log -> FAIL at logs/grader.log:3 ✓",
        "  mutated grader-inputs [evidence 6]: flipped a bit of model.bin -> FAIL at model.bin ✓",
    ]


def test_git_file_codeowners_and_imports_mutations(write: Write, capsys: pytest.CaptureFixture[str]) -> None:
    evidence = """\
      - kind: git.file
        path: LICENSE
      - kind: git.file
        path: secrets.env
        state: absent
      - kind: git.codeowners
        paths: ["rl/**"]
      - kind: code.imports
        source: [rl.reward]
        forbidden: [rl.trace]
"""
    write(
        {
            "c.yaml": HEAD + item(evidence, "      - {fixture: examples/clean, expect: pass}\n", id="layout"),
            "examples/clean/repo/LICENSE": "Apache-2.0\n",
            "examples/clean/repo/CODEOWNERS": "/rl/ @lab/safety\n",
            "examples/clean/repo/rl/__init__.py": "",
            "examples/clean/repo/rl/reward/__init__.py": '"""Reward."""\n',
            "examples/clean/repo/rl/trace/__init__.py": "",
        }
    )
    code, out, err = run(capsys, "--selftest", "--mutate", "c.yaml")
    assert code == 0, out + err
    lines = [x for x in out.splitlines() if "mutated" in x]
    assert lines[0].startswith("  mutated layout [evidence 1]: deleted LICENSE -> FAIL at LICENSE (commit ")
    assert lines[1].startswith("  mutated layout [evidence 2]: created secrets.env -> FAIL at secrets.env (commit ")
    assert lines[2:] == [
        "  mutated layout [evidence 3]: appended '/rl/__init__.py' without owners to CODEOWNERS -> FAIL at "
        "rl/__init__.py ✓",
        "  mutated layout [evidence 4]: added 'import rl.trace' to rl/reward/__init__.py (rl.reward) -> FAIL at "
        "rl/reward/__init__.py:2:1 ✓",
    ]


def test_regex_samples_are_derived_and_checked() -> None:
    assert mutate.regex_sample(r"(\[\s*[\"'](reasoning|cot)[\"']\s*\]|\.reasoning\b)") == '["reasoning"]'
    assert mutate.regex_sample(r"^##\s+Limitations\s*$") == "## Limitations"
    assert mutate.regex_sample(r"[^a-z]+\d{2}") == "Q00"
    assert mutate.regex_sample(r"(?<=x)y") is None  # a lookbehind: no sample, so "not mutable"
    assert mutate.regex_sample(r"a\nb") is None  # a sample must fit on one line


# ---------------------------------------------------------------------------------------------
# The shipped checklists


def test_the_shipped_checklists_pass_selftest_strict_and_mutate(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(ROOT)
    code, out, err = run(capsys, "--selftest", "--strict", "--mutate", "checklists/")
    assert code == 0, err
    lines = out.splitlines()
    assert err_lines(err) == [
        "3 checklists OK",
        "selftest: 16 items, 43 examples in 3 checklists: 0 errors, 0 warnings",
        "mutate: 26 of 26 mutations made the item FAIL; 1 not mutable",
    ]
    assert "  model-card-reviewed     code.pattern x5, manual  machine + people  1 fail, 1 pass" in lines
    assert (
        "  mutated grader-configs-exclude-cot [no 'reasoning' in grader inputs]: added 'reasoning' to grader.inputs in "
        "rl/envs/chat.yml -> FAIL at rl/envs/chat.yml:7:5 ✓"
    ) in lines
    assert "  mutated release-tag-signed: deleted tag 'v1.0' -> FAIL (tag 'v1.0' does not exist) ✓" in lines
    assert (
        "  not mutable model-card-reviewed [evidence 6]: manual (a person judges the document; the machine only checks "
        "that it is committed and non-empty)"
    ) in lines
    assert sum(line.endswith(" ✓") for line in lines) == 26
