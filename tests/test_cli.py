"""The `gate` command, run in-process: exact stdout, stderr and exit codes for lint, schema and usage errors."""

from __future__ import annotations

import argparse
import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml
from jsonschema import Draft202012Validator

from gate import __version__, loader
from gate.cli import ExitCode, build_parser, main
from tests.checklist_text import checklist

ROOT = Path(__file__).resolve().parent.parent
SCHEMA_FILE = ROOT / "schema" / "checklist.schema.json"
STARTER = ROOT / "checklists" / "starter.yaml"

Write = Callable[[dict[str, str | bytes]], Path]


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


# ---------------------------------------------------------------------------------------------
# gate lint


def test_lint_valid_file_reports_ok_on_stderr_only(write: Write, capsys: pytest.CaptureFixture[str]) -> None:
    write({"c.yaml": checklist()})
    assert run(capsys, "lint", "c.yaml") == (0, "", "1 checklist OK\n")


def test_lint_folder_reads_yaml_and_yml_but_not_examples(write: Write, capsys: pytest.CaptureFixture[str]) -> None:
    write(
        {
            "cl/a.yaml": checklist(id="a"),
            "cl/sub/b.yml": checklist(id="b"),
            "cl/examples/leaky/rl/envs/x.yaml": "not: a checklist\n",
            "cl/README.md": "not yaml",
        }
    )
    assert run(capsys, "lint", "cl") == (0, "", "2 checklists OK\n")


def test_lint_bad_file_prints_the_problem_and_exits_2(write: Write, capsys: pytest.CaptureFixture[str]) -> None:
    write({"c.yaml": checklist().replace("version: 1", "version: 0")})
    assert run(capsys, "lint", "c.yaml") == (
        2,
        "",
        "gate: error: c.yaml:2:10: version: must be >= 1, got integer 0\n1 problem in 1 file\n",
    )


def test_lint_problem_prints_its_hint(write: Write, capsys: pytest.CaptureFixture[str]) -> None:
    write({"c.yaml": checklist().replace("kind: config", "kind: git.trailer")})
    assert run(capsys, "lint", "c.yaml") == (
        2,
        "",
        "gate: error: c.yaml:14:15: items[0].evidence[0].kind: unknown kind 'git.trailer'. "
        "Did you mean 'git.trailers'?\n"
        "  hint: `gate schema` lists every evidence kind\n"
        "1 problem in 1 file\n",
    )


def test_lint_counts_problems_across_files(write: Write, capsys: pytest.CaptureFixture[str]) -> None:
    write(
        {
            "cl/a.yaml": checklist(id="a").replace("version: 1", "version: 0"),
            "cl/b.yaml": checklist(id="b").replace("title: Test checklist", "title: ''"),
            "cl/c.yaml": checklist(id="c"),
        }
    )
    assert run(capsys, "lint", "cl") == (
        2,
        "",
        "gate: error: cl/a.yaml:2:10: version: must be >= 1, got integer 0\n"
        "gate: error: cl/b.yaml:3:8: title: must not be empty\n"
        "2 problems in 3 files\n",
    )


def test_lint_missing_path_exits_2(write: Write, capsys: pytest.CaptureFixture[str]) -> None:
    write({"c.yaml": checklist()})
    assert run(capsys, "lint", "nope.yaml") == (
        2,
        "",
        "gate: error: nope.yaml: no such file or folder\n1 problem in 0 files\n",
    )


def test_lint_empty_folder_has_nothing_to_lint(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "empty").mkdir()
    assert run(capsys, "lint", str(tmp_path / "empty")) == (
        2,
        "",
        "gate: error: nothing to lint: no *.yaml or *.yml checklist found\n",
    )


def test_lint_max_bytes_caps_the_file_size(write: Write, capsys: pytest.CaptureFixture[str]) -> None:
    path = write({"c.yaml": checklist()})
    size = path.stat().st_size
    assert run(capsys, "lint", "--max-bytes", "100", "c.yaml") == (
        2,
        "",
        f"gate: error: c.yaml: checklist is {size} bytes, over the 100-byte limit\n1 problem in 1 file\n",
    )
    assert run(capsys, "lint", "--max-bytes", str(size), "c.yaml") == (0, "", "1 checklist OK\n")


@pytest.mark.parametrize("value", ["0", "-1", "lots"])
def test_lint_max_bytes_must_be_a_positive_integer(value: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "lint", f"--max-bytes={value}", "c.yaml") == (
        2,
        "",
        f"gate: error: lint: argument --max-bytes: expected a positive number of bytes, got '{value}'\n"
        "  hint: `gate lint --help` shows its usage\n",
    )


def test_lint_without_a_path_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "lint") == (
        2,
        "",
        "gate: error: lint: the following arguments are required: PATH\n  hint: `gate lint --help` shows its usage\n",
    )


# ---------------------------------------------------------------------------------------------
# Usage, --version, --help, --debug


def test_unknown_subcommand_is_a_usage_error_without_traceback(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "bogus")
    assert (code, out) == (2, "")
    first, hint = err.splitlines()
    # argparse words the list of choices differently across Python versions; the start is stable.
    assert first.startswith("gate: error: argument COMMAND: invalid choice: 'bogus'")
    assert hint == "  hint: `gate --help` lists the commands"


def test_unknown_option_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "schema", "--bogus") == (
        2,
        "",
        "gate: error: unrecognized arguments: --bogus\n  hint: `gate --help` lists the commands\n",
    )


def test_no_subcommand_prints_usage_on_stderr_and_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys)
    assert (code, out) == (2, "")
    assert err.startswith("usage: gate [-h] [--version] [--debug] COMMAND ...\n")


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "--version") == (0, f"gate {__version__}\n", "")


def help_commands(text: str) -> list[str]:
    """The subcommand names listed under `positional arguments` in --help output (wrapped help lines skipped)."""
    section = text.split("positional arguments:\n", 1)[1].split("\n\n", 1)[0]
    return [line.split()[0] for line in section.splitlines() if re.match(r"^ {4}\S", line)]


def subcommands() -> dict[str, argparse.ArgumentParser]:
    (action,) = [a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction)]
    return dict(action.choices)


def test_help_lists_exactly_the_implemented_subcommands(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "--help")
    assert (code, err) == (0, "")
    assert out.startswith("usage: gate ")
    # Every listed command is registered and runs something: no placeholder is advertised.
    # tests/test_readme.py checks that the README documents exactly these (and keeps the rest on the roadmap).
    assert help_commands(out) == list(subcommands())
    assert {"lint", "schema"} <= set(subcommands())
    for name, sub in subcommands().items():
        assert sub.get_default("handler") is not None or any(
            isinstance(a, argparse._SubParsersAction) for a in sub._actions
        ), f"`gate {name}` is listed but has no handler"


def test_subcommand_help_exits_0(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "lint", "--help")
    assert (code, err) == (0, "")
    assert out.startswith(
        "usage: gate lint [-h] [--max-bytes N] [--selftest] [--strict] [--mutate]\n                 PATH [PATH ...]\n"
    )


def crash(*args: object, **kwargs: object) -> object:
    raise RuntimeError("boom")


def test_internal_error_is_one_line_and_exit_3(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(loader, "lint", crash)
    assert run(capsys, "lint", "c.yaml") == (
        3,
        "",
        "gate: internal error: RuntimeError: boom\n"
        "  hint: this is a bug in gate; rerun with --debug for the traceback and report it\n",
    )


def test_debug_reraises(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(loader, "lint", crash)
    with pytest.raises(RuntimeError, match="boom"):
        main(["--debug", "lint", "c.yaml"])


def test_interrupt_exits_130(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    def interrupt(*args: object, **kwargs: object) -> object:
        raise KeyboardInterrupt

    monkeypatch.setattr(loader, "lint", interrupt)
    assert run(capsys, "lint", "c.yaml") == (130, "", "gate: interrupted\n")


def test_exit_codes_are_the_documented_ones() -> None:
    assert {c.name: int(c) for c in ExitCode} == {
        "OK": 0,
        "BLOCKED": 1,
        "USAGE": 2,
        "INTERNAL": 3,
        "PENDING": 4,
        "INTERRUPTED": 130,
    }


# ---------------------------------------------------------------------------------------------
# gate schema


def schema_output(capsys: pytest.CaptureFixture[str]) -> str:
    code, out, err = run(capsys, "schema")
    assert (code, err) == (0, "")
    return out


def test_schema_is_json_schema_draft_2020_12(capsys: pytest.CaptureFixture[str]) -> None:
    schema = json.loads(schema_output(capsys))
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    Draft202012Validator.check_schema(schema)


def test_committed_schema_is_in_sync(capsys: pytest.CaptureFixture[str]) -> None:
    committed = SCHEMA_FILE.read_text(encoding="utf-8")
    assert schema_output(capsys) == committed, (
        "schema/checklist.schema.json is out of date: run `.venv/bin/gate schema > schema/checklist.schema.json`"
    )


def test_schema_validates_the_starter_checklist(capsys: pytest.CaptureFixture[str]) -> None:
    schema = json.loads(schema_output(capsys))
    starter = yaml.safe_load(STARTER.read_text(encoding="utf-8"))
    errors = [e.message for e in Draft202012Validator(schema).iter_errors(starter)]
    assert errors == []


@pytest.mark.parametrize(
    ("change", "value"),
    [
        (("version",), "1"),
        (("colour",), "blue"),
        (("items", 0, "evidence", 0, "kind"), "git.trailer"),
        (("items", 0, "severity"), "critical"),
        (("items", 0, "stages"), []),
        (("items", 0, "evidence", 0, "files"), []),
    ],
)
def test_schema_rejects_a_bad_document(
    change: tuple[str | int, ...], value: object, capsys: pytest.CaptureFixture[str]
) -> None:
    schema = json.loads(schema_output(capsys))
    document = yaml.safe_load(STARTER.read_text(encoding="utf-8"))
    target = document
    for part in change[:-1]:
        target = target[part]
    target[change[-1]] = value
    assert not Draft202012Validator(schema).is_valid(document)
