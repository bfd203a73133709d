"""`sarif` evidence: no static-analysis result at or above a level, the named analyzers ran; bad logs are ERROR."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest

from gate.engine import run_collector
from gate.evidence import sarif
from gate.evidence.context import Context
from gate.model import SarifSpec
from gate.results import Evidence, Observation, Read, Status
from tests.builders import context, make_artifacts

RUFF_RULES = [
    {"id": "F401", "shortDescription": {"text": "unused-import"}, "defaultConfiguration": {"level": "error"}},
    {"id": "E501", "shortDescription": {"text": "line-too-long"}, "defaultConfiguration": {"level": "note"}},
    {"id": "S101", "shortDescription": {"text": "assert used"}},
]


def location(uri: str, line: int | None = None, col: int | None = None, **extra: Any) -> dict[str, Any]:
    region = {k: v for k, v in (("startLine", line), ("startColumn", col)) if v is not None}
    return {"physicalLocation": {"artifactLocation": {"uri": uri, **extra}, "region": region}}


def result(
    rule: str, text: str, uri: str = "rl/reward.py", line: int = 3, col: int = 8, **extra: Any
) -> dict[str, Any]:
    return {"ruleId": rule, "message": {"text": text}, "locations": [location(uri, line, col)], **extra}


def run(name: str, results: list[dict[str, Any]], rules: list[dict[str, Any]] | None = None, **extra: Any) -> dict:
    driver: dict[str, Any] = {"name": name, "version": "1.0"}
    if rules is not None:
        driver["rules"] = rules
    return {"tool": {"driver": driver}, "results": results, **extra}


def log(*runs: dict[str, Any]) -> str:
    doc = {"$schema": "https://json.schemastore.org/sarif-2.1.0.json", "version": "2.1.0", "runs": list(runs)}
    return json.dumps(doc, indent=2)


CLEAN = log(run("ruff", [result("E501", "Line too long (130 > 120)", level="note")], RUFF_RULES))
DIRTY = log(
    run(
        "ruff",
        [
            result("F401", "`os` imported but unused", level="error"),
            result("E501", "Line too long (130 > 120)", "rl/envs/math.py", 40, 121),
        ],
        RUFF_RULES,
    )
)


def spec(files: str | list[str] = "sarif/*.sarif", **fields: Any) -> SarifSpec:
    return SarifSpec.model_validate({"kind": "sarif", "files": files, **fields})


def artifacts_ctx(git_repo: Any, tmp_path: Path, files: dict[str, str | bytes], *, record: bool = True) -> Context:
    repo = git_repo()
    sha = repo.commit({"README.md": "model\n"})
    folder = make_artifacts(tmp_path / "artifacts", files, commit=sha if record else None)
    return context(repo, folder)


def check(git_repo: Any, tmp_path: Path, artifacts: dict[str, str | bytes], **fields: Any) -> Evidence:
    return run_collector(spec(**fields), artifacts_ctx(git_repo, tmp_path, artifacts))


def sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def failing(ev: Evidence) -> list[Observation]:
    return [o for o in ev.observations if o.failing]


# PASS


def test_sarif_passes_without_results_at_the_level(git_repo: Any, tmp_path: Path) -> None:
    ev = check(git_repo, tmp_path, {"sarif/ruff.sarif": CLEAN}, tools=["ruff"])
    assert ev.status is Status.PASS
    assert ev.summary == "no results at level 'error' in 1 SARIF run (ruff); 1 below the level"
    assert ev.observations == []
    assert ev.fix is None
    assert ev.read == [Read(path="sarif/ruff.sarif", root="artifacts", sha256=sha(CLEAN))]


def test_sarif_passes_on_an_empty_results_array(git_repo: Any, tmp_path: Path) -> None:
    ev = check(git_repo, tmp_path, {"sarif/ruff.sarif": log(run("ruff", []))}, level="note")
    assert ev.status is Status.PASS
    assert ev.summary == "no results at level 'note' or above in 1 SARIF run (ruff)"


# FAIL


def test_sarif_fails_on_a_result_at_the_level_naming_rule_and_location(git_repo: Any, tmp_path: Path) -> None:
    ev = check(git_repo, tmp_path, {"sarif/ruff.sarif": DIRTY})
    assert ev.status is Status.FAIL
    assert ev.summary == "1 result at level 'error' in 1 SARIF run (ruff); 1 below the level"
    assert ev.observations == [
        Observation(
            message="F401 (error): `os` imported but unused",
            path="rl/reward.py",
            root="repo",
            line=3,
            col=8,
            rule="F401",
        )
    ]
    assert ev.fix == "fix the reported findings (or suppress them with a reviewed justification), then rerun CI"


def test_sarif_level_warning_also_counts_errors_and_rule_defaults(git_repo: Any, tmp_path: Path) -> None:
    results = [
        result("F401", "by rule default: error"),  # no level: the rule's defaultConfiguration says error
        result("E501", "by rule default: note"),  # below warning
        result("S101", "rule without a default: warning"),
        result("X999", "unknown rule: warning"),
        {**result("F401", "not a failure", level="error"), "kind": "pass"},
        {**result("F401", "informational"), "kind": "informational"},
        result("F401", "explicit none", level="none"),
    ]
    ev = check(git_repo, tmp_path, {"sarif/ruff.sarif": log(run("ruff", results, RUFF_RULES))}, level="warning")
    assert ev.summary == "3 results at level 'warning' or above in 1 SARIF run (ruff); 2 below the level"
    assert [o.message for o in failing(ev)] == [
        "F401 (error): by rule default: error",
        "S101 (warning): rule without a default: warning",
        "X999 (warning): unknown rule: warning",
    ]


def test_sarif_rule_default_is_found_by_rule_index(git_repo: Any, tmp_path: Path) -> None:
    indexed = {"ruleIndex": 0, "message": {"text": "found by index"}}
    ev = check(git_repo, tmp_path, {"sarif/ruff.sarif": log(run("ruff", [indexed], RUFF_RULES))})
    assert failing(ev) == [Observation(message="F401 (error): found by index", rule="F401")]


def test_sarif_only_listed_rules_count(git_repo: Any, tmp_path: Path) -> None:
    ev = check(git_repo, tmp_path, {"sarif/ruff.sarif": DIRTY}, level="note", rules=["E501"])
    assert ev.summary == "1 result at level 'note' or above for rule 'E501' in 1 SARIF run (ruff)"
    assert failing(ev) == [
        Observation(
            message="E501 (note): Line too long (130 > 120)",
            path="rl/envs/math.py",
            root="repo",
            line=40,
            col=121,
            rule="E501",
        )
    ]


def test_sarif_fails_when_a_named_tool_has_no_run(git_repo: Any, tmp_path: Path) -> None:
    ev = check(git_repo, tmp_path, {"sarif/ruff.sarif": CLEAN}, tools=["ruff", "CodeQL"])
    assert ev.status is Status.FAIL
    assert ev.summary == (
        "tool 'CodeQL' has no run in the SARIF reports: the analyzer did not run; "
        "no results at level 'error' in 1 SARIF run (ruff); 1 below the level"
    )
    assert failing(ev) == [
        Observation(message="tool 'CodeQL' has no run in the SARIF reports: the analyzer did not run")
    ]
    assert ev.fix == "run the missing analyzers in CI with SARIF output and record their reports"
    ev = check(git_repo, tmp_path / "2", {"sarif/ruff.sarif": CLEAN}, tools=["mypy", "semgrep"])
    assert failing(ev)[0].message == (
        "tools 'mypy', 'semgrep' have no run in the SARIF reports: the analyzers did not run"
    )


def test_sarif_suppressed_results_do_not_count_but_are_noted(git_repo: Any, tmp_path: Path) -> None:
    accepted = [{"kind": "inSource", "status": "accepted", "justification": "test fixture"}]
    results = [
        result("F401", "suppressed in source", level="error", suppressions=accepted),
        result("F401", "suppressed, no status", level="error", suppressions=[{"kind": "external"}]),
        result("F401", "rejected", level="error", suppressions=[{"kind": "external", "status": "rejected"}]),
        result("F401", "under review", level="error", suppressions=[{"kind": "external", "status": "underReview"}]),
        result("F401", "empty suppressions", level="error", suppressions=[]),
        result("F401", "fixed since the baseline", level="error", baselineState="absent"),
    ]
    ev = check(git_repo, tmp_path, {"sarif/ruff.sarif": log(run("ruff", results, RUFF_RULES))})
    assert ev.summary == "3 results at level 'error' in 1 SARIF run (ruff); 2 suppressed"
    assert [(o.message, o.failing) for o in ev.observations] == [
        ("F401 (error): rejected", True),
        ("F401 (error): under review", True),
        ("F401 (error): empty suppressions", True),
        ("suppressed: F401 (error): suppressed in source", False),
        ("suppressed: F401 (error): suppressed, no status", False),
    ]


def test_sarif_reads_codeql_extensions_message_ids_and_uri_bases(git_repo: Any, tmp_path: Path) -> None:
    codeql = {
        "tool": {
            "driver": {"name": "CodeQL", "semanticVersion": "2.17.0"},
            "extensions": [
                {
                    "name": "codeql/python-queries",
                    "rules": [
                        {
                            "id": "py/clear-text-logging",
                            "defaultConfiguration": {"level": "error"},
                            "messageStrings": {"default": {"text": "{0} is logged in clear text at {1}."}},
                        }
                    ],
                }
            ],
        },
        "originalUriBaseIds": {"%SRCROOT%": {"uri": "file:///home/runner/work/rl/"}},
        "artifacts": [{"location": {"uri": "rl/log.py", "uriBaseId": "%SRCROOT%"}}],
        "results": [
            {
                "ruleId": "py/clear-text-logging",
                "ruleIndex": 0,
                "rule": {"id": "py/clear-text-logging", "index": 0, "toolComponent": {"index": 0}},
                "message": {"id": "default", "arguments": ["reasoning", "line 9"]},
                "locations": [
                    {"physicalLocation": {"artifactLocation": {"index": 0}, "region": {"startLine": 9}}},
                ],
            },
            {
                "ruleId": "py/clear-text-logging",
                "rule": {"id": "py/clear-text-logging", "toolComponent": {"index": 0}},
                "message": {"text": "absolute\nsecond line"},
                "locations": [location("file:///home/runner/work/rl/rl/grader%20v2.py", 4, 2)],
            },
            {
                "ruleId": "py/clear-text-logging",
                "level": "error",
                "message": {"text": "srcroot"},
                "locations": [location("%SRCROOT%/rl/x.py", 1)],
            },
            {
                "ruleId": "py/clear-text-logging",
                "level": "error",
                "message": {"text": "elsewhere"},
                "locations": [location("file:///opt/lib/site.py", 2)],
            },
        ],
    }
    ev = check(git_repo, tmp_path, {"sarif/codeql.sarif": log(codeql)})
    assert failing(ev) == [
        Observation(
            message="py/clear-text-logging (error): reasoning is logged in clear text at line 9.",
            path="rl/log.py",
            root="repo",
            line=9,
            rule="py/clear-text-logging",
        ),
        Observation(
            message="py/clear-text-logging (error): absolute",
            path="rl/grader v2.py",
            root="repo",
            line=4,
            col=2,
            rule="py/clear-text-logging",
        ),
        Observation(
            message="py/clear-text-logging (error): srcroot",
            path="rl/x.py",
            root="repo",
            line=1,
            rule="py/clear-text-logging",
        ),
        Observation(
            message="py/clear-text-logging (error): elsewhere",
            path="/opt/lib/site.py",
            line=2,
            rule="py/clear-text-logging",
        ),
    ]


def test_sarif_merges_several_reports(git_repo: Any, tmp_path: Path) -> None:
    semgrep = log(run("Semgrep OSS", [result("python.lang.eval", "eval is dangerous", "rl/x.py", 7, 1, level="error")]))
    files = {"sarif/ruff.sarif": DIRTY, "sarif/semgrep.sarif": semgrep, "sarif/clean.sarif": CLEAN}
    ev = check(git_repo, tmp_path, files, tools=["ruff", "semgrep oss"])
    assert ev.status is Status.FAIL
    assert ev.summary == "2 results at level 'error' in 3 SARIF runs (ruff, Semgrep OSS); 2 below the level"
    assert [o.rule for o in failing(ev)] == ["F401", "python.lang.eval"]
    assert ev.read == [Read(path=p, root="artifacts", sha256=sha(t)) for p, t in sorted(files.items())]


# ERROR


def assert_error(ev: Evidence, message: str, path: str | None) -> None:
    assert ev.status is Status.ERROR
    assert ev.summary == message
    assert ev.observations == [Observation(message=message, path=path)]


def test_sarif_glob_matching_no_artifact_is_an_error(git_repo: Any, tmp_path: Path) -> None:
    ev = check(git_repo, tmp_path, {"reports/junit.xml": "<testsuite/>"})
    assert_error(ev, "no artifact matches 'sarif/*.sarif'; the SARIF reports are missing", "sarif/*.sarif")


def test_sarif_invalid_json_is_an_error_naming_file_line_and_column(git_repo: Any, tmp_path: Path) -> None:
    ev = check(git_repo, tmp_path, {"sarif/bad.sarif": '{\n  "version": "2.1.0",\n  "runs": [\n'})
    assert_error(ev, "sarif/bad.sarif:4:1: invalid JSON: Expecting value", "sarif/bad.sarif")
    ev = check(git_repo, tmp_path / "2", {"sarif/empty.sarif": ""})
    assert_error(ev, "sarif/empty.sarif is empty; expected a SARIF log", "sarif/empty.sarif")


def test_sarif_non_finite_numbers_and_duplicate_keys_are_errors(git_repo: Any, tmp_path: Path) -> None:
    text = '{\n  "version": "2.1.0",\n  "runs": [],\n  "runs": [{"tool": {"driver": {"name": "x"}}}]\n}\n'
    ev = check(git_repo, tmp_path, {"sarif/dup.sarif": text})
    assert_error(
        ev,
        "sarif/dup.sarif:4:3: invalid JSON: duplicate key 'runs' (readers disagree on which value counts)",
        "sarif/dup.sarif",
    )
    ev = check(git_repo, tmp_path / "2", {"sarif/nan.sarif": '{"version": "2.1.0", "runs": [], "rank": NaN}'})
    assert_error(
        ev,
        "sarif/nan.sarif:1:42: invalid JSON: NaN is not a JSON number (NaN and Infinity are not JSON)",
        "sarif/nan.sarif",
    )


@pytest.mark.parametrize(
    ("doc", "problem"),
    [
        ([], "/: the document must be an object"),
        ({"version": "2.0.0", "runs": []}, "/version: version is '2.0.0', expected '2.1.0'"),
        ({"runs": []}, "/version: version is missing, expected '2.1.0'"),
        ({"version": "2.1.0"}, "/runs: no runs (a SARIF log needs a non-empty 'runs' array)"),
        ({"version": "2.1.0", "runs": []}, "/runs: no runs (a SARIF log needs a non-empty 'runs' array)"),
        ({"version": "2.1.0", "runs": [{"results": []}]}, "/runs/0/tool: 'tool' must be an object"),
        (
            {"version": "2.1.0", "runs": [{"tool": {}, "results": []}]},
            "/runs/0/tool/driver: 'tool.driver' must be an object",
        ),
        (
            {"version": "2.1.0", "runs": [{"tool": {"driver": {"version": "1"}}, "results": []}]},
            "/runs/0/tool/driver/name: the run's tool has no driver name",
        ),
        (
            {"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "ruff"}}}]},
            "/runs/0/results: results of tool 'ruff' is missing: the analysis did not complete",
        ),
        (
            {"version": "2.1.0", "runs": [run("ruff", ["F401"])]},
            "/runs/0/results/0: a result must be an object",
        ),
        (
            {"version": "2.1.0", "runs": [run("ruff", [{"ruleId": "F401", "level": "fatal"}])]},
            '/runs/0/results/0/level: unknown level "fatal"',
        ),
        (
            {"version": "2.1.0", "runs": [run("ruff", [{"ruleId": "F401", "ruleIndex": 7}], RUFF_RULES)]},
            "/runs/0/results/0/ruleIndex: ruleIndex 7 but the tool describes 3 rules",
        ),
    ],
)
def test_sarif_wrong_structure_is_an_error(git_repo: Any, tmp_path: Path, doc: Any, problem: str) -> None:
    ev = check(git_repo, tmp_path, {"sarif/x.sarif": json.dumps(doc)})
    assert_error(ev, f"sarif/x.sarif: {problem}; not a usable SARIF 2.1.0 log", "sarif/x.sarif")
    assert ev.fix == "make the analyzer write SARIF 2.1.0 (the tool's --output-format sarif or equivalent)"


def test_sarif_failed_tool_execution_is_an_error(git_repo: Any, tmp_path: Path) -> None:
    doc = log(run("ruff", [], invocations=[{"executionSuccessful": False}]))
    ev = check(git_repo, tmp_path, {"sarif/ruff.sarif": doc})
    assert_error(
        ev,
        "sarif/ruff.sarif: /runs/0/invocations/0: tool 'ruff' reports executionSuccessful: false; its results are "
        "incomplete",
        "sarif/ruff.sarif",
    )


def test_sarif_over_the_size_cap_is_an_error(git_repo: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sarif, "MAX_SARIF_BYTES", 100)
    ev = check(git_repo, tmp_path, {"sarif/ruff.sarif": CLEAN})
    assert_error(ev, "sarif/ruff.sarif is over the 100-byte limit for this kind", "sarif/ruff.sarif")


def test_sarif_changed_artifact_is_stale(git_repo: Any, tmp_path: Path) -> None:
    ctx = artifacts_ctx(git_repo, tmp_path, {"sarif/ruff.sarif": DIRTY})
    (tmp_path / "artifacts/sarif/ruff.sarif").write_text(CLEAN)
    ev = run_collector(spec(), ctx)
    message = (
        f"stale artifact: sarif/ruff.sarif has sha256 {sha(CLEAN)[:12]}, gate-artifacts.json recorded {sha(DIRTY)[:12]}"
    )
    assert_error(ev, message, "sarif/ruff.sarif")


def test_sarif_without_a_manifest_is_an_error(git_repo: Any, tmp_path: Path) -> None:
    repo = git_repo()
    repo.commit({"README.md": "model\n"})
    folder = make_artifacts(tmp_path / "artifacts", {"sarif/ruff.sarif": CLEAN}, commit=None)
    ev = run_collector(spec(), context(repo, folder))
    assert ev.status is Status.ERROR
    assert ev.summary.startswith("no gate-artifacts.json in the artifacts folder;")
    assert run_collector(spec(), context(repo, folder, use_manifest=False)).status is Status.PASS
