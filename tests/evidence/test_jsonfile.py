"""`json` evidence: JSON and JSONL artifacts, verified against the manifest, queried with JMESPath."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from gate.engine import run_collector
from gate.model import JsonSpec
from gate.results import Evidence, Observation, Read, Status
from tests.builders import GitRepo, context, make_artifacts

METRICS = '{\n  "eval": {\n    "accuracy": 0.93,\n    "cot_leak_rate": 0.0\n  },\n  "split": "test"\n}\n'
RECORDS = '{"env": "math", "leak": false}\n{"env": "code", "leak": false}\n\n{"env": "chat", "leak": true}\n'


def sha(text: str | bytes) -> str:
    return hashlib.sha256(text.encode() if isinstance(text, str) else text).hexdigest()


def setup(git_repo, tmp_path: Path, files: dict[str, str | bytes], *, record: bool = True) -> tuple[GitRepo, Path]:
    repo = git_repo()
    commit = repo.commit({"README.md": "model\n"})
    return repo, make_artifacts(tmp_path / "out", files, commit=commit if record else None)


def run(
    repo: GitRepo, arts: Path, files: str | list[str], query: str, assertion: dict[str, Any], **fields: Any
) -> Evidence:
    use_manifest = fields.pop("manifest", True)
    raw = {"kind": "json", "files": files, "query": query, "assert": assertion, **fields}
    return run_collector(JsonSpec.model_validate(raw), context(repo, arts, use_manifest=use_manifest))


def test_metrics_pass_and_bind_the_artifact(git_repo, tmp_path: Path) -> None:
    repo, arts = setup(git_repo, tmp_path, {"evals/cot.json": METRICS})
    ev = run(repo, arts, "evals/*.json", "eval.accuracy", {"ge": 0.9})
    assert ev.status is Status.PASS
    assert ev.summary == "1 of 1 file: eval.accuracy is at least 0.9"
    assert ev.read == [Read(path="evals/cot.json", root="artifacts", sha256=sha(METRICS))]


def test_metric_below_threshold_fails_at_its_pointer_and_line(git_repo, tmp_path: Path) -> None:
    repo, arts = setup(
        git_repo, tmp_path, {"evals/cot.json": METRICS, "evals/old.json": '{"eval": {"accuracy": 0.97}}'}
    )
    ev = run(repo, arts, "evals/*.json", "eval.accuracy", {"gt": 0.95})
    assert ev.status is Status.FAIL
    assert ev.summary == "1 of 2 files: eval.accuracy is not greater than 0.95"
    assert ev.fix == "change eval.accuracy so that it is greater than 0.95 in each file listed, or get a waiver"
    assert ev.observations == [
        Observation(
            message="eval.accuracy is not greater than 0.95 (got 0.93)",
            path="evals/cot.json",
            root="artifacts",
            line=3,
            col=17,
            pointer="/eval/accuracy",
        )
    ]


def test_jsonl_is_a_list_of_records_located_by_line(git_repo, tmp_path: Path) -> None:
    repo, arts = setup(git_repo, tmp_path, {"canary/leaks.jsonl": RECORDS})
    ev = run(repo, arts, "canary/*.jsonl", "[2].leak", {"equals": False})
    assert ev.status is Status.FAIL
    assert ev.summary == "1 of 1 file: [2].leak does not equal false"
    assert [(o.where, o.pointer, o.message) for o in ev.observations] == [
        ("canary/leaks.jsonl:4", "/2/leak", "[2].leak does not equal false (got true)")
    ]
    ev = run(repo, arts, "canary/*.jsonl", "[?leak].env", {"equals": []})
    assert ev.summary == "1 of 1 file: [?leak].env does not equal []"
    assert ev.observations[0].message == "[?leak].env does not equal [] (got ['chat'])"
    assert ev.observations[0].where == "canary/leaks.jsonl"
    ev = run(repo, arts, "canary/*.jsonl", "length(@)", {"equals": 3})
    assert ev.status is Status.PASS
    assert ev.read == [Read(path="canary/leaks.jsonl", root="artifacts", sha256=sha(RECORDS))]


def test_ndjson_and_an_explicit_format(git_repo, tmp_path: Path) -> None:
    repo, arts = setup(git_repo, tmp_path, {"a.ndjson": RECORDS, "b.log": RECORDS})
    assert run(repo, arts, "a.ndjson", "[*].env", {"contains": "chat"}).status is Status.PASS
    assert run(repo, arts, "b.log", "[*].env", {"contains": "chat"}, format="jsonl").status is Status.PASS


def test_large_jsonl_is_streamed_and_located(git_repo, tmp_path: Path) -> None:
    lines = [json.dumps({"i": i, "pad": "x" * 200}) for i in range(20_000)]  # several buffer lengths
    lines[15_000] = json.dumps({"i": 15_000, "leak": True})
    text = "\n".join(lines) + "\n"
    repo, arts = setup(git_repo, tmp_path, {"big.jsonl": text})
    ev = run(repo, arts, "big.jsonl", "[?leak].i", {"equals": []})
    assert ev.observations[0].message == "[?leak].i does not equal [] (got [15000])"
    ev = run(repo, arts, "big.jsonl", "[15000].leak", {"absent": True})
    assert [(o.where, o.pointer) for o in ev.observations] == [("big.jsonl:15001", "/15000/leak")]
    assert ev.read == [Read(path="big.jsonl", root="artifacts", sha256=sha(text))]


def test_any_file_and_no_file(git_repo, tmp_path: Path) -> None:
    repo, arts = setup(git_repo, tmp_path, {"e/a.json": '{"split": "test"}', "e/b.json": '{"split": "train"}'})
    ev = run(repo, arts, "e/*.json", "split", {"equals": "test"}, each="any-file")
    assert (ev.status, ev.summary) == (Status.PASS, "1 of 2 files: split equals 'test'")
    ev = run(repo, arts, "e/*.json", "split", {"in": ["train", "dev"]}, each="no-file")
    assert (ev.status, ev.summary) == (Status.FAIL, "1 of 2 files: split is one of ['train', 'dev']")
    assert [(o.where, o.message) for o in ev.observations] == [
        ("e/b.json:1:11", "split is one of ['train', 'dev'] (got 'train')")
    ]
    assert ev.fix == "change split so that it is not one of ['train', 'dev'] in each file listed, or get a waiver"


# ---------------------------------------------------------------------------------------------
# ERROR


def test_glob_matching_no_artifact_is_an_error(git_repo, tmp_path: Path) -> None:
    repo, arts = setup(git_repo, tmp_path, {"evals/cot.json": METRICS})
    ev = run(repo, arts, "evals/**/*.jsonl", "@", {"exists": True})
    assert ev.status is Status.ERROR
    assert ev.summary == "glob 'evals/**/*.jsonl' matched no artifact"
    assert ev.fix == "check `files:`; every artifact the check relies on must be present"


def test_fewer_artifacts_than_min_files_is_an_error(git_repo, tmp_path: Path) -> None:
    repo, arts = setup(git_repo, tmp_path, {"evals/cot.json": METRICS})
    ev = run(repo, arts, "evals/*.json", "eval.accuracy", {"ge": 0.9}, min_files=2)
    assert (ev.status, ev.summary) == (
        Status.ERROR,
        "glob 'evals/*.json' matched 1 artifact, fewer than min_files 2",
    )


def test_query_selecting_nothing_is_an_error(git_repo, tmp_path: Path) -> None:
    repo, arts = setup(git_repo, tmp_path, {"evals/cot.json": METRICS})
    ev = run(repo, arts, "evals/*.json", "eval.acc", {"ge": 0.9})
    assert ev.status is Status.ERROR
    assert ev.summary == "query 'eval.acc' selected nothing in evals/cot.json"
    assert [(o.where, o.pointer) for o in ev.observations] == [("evals/cot.json:2:11", "/eval")]
    ev = run(repo, arts, "evals/*.json", "eval.acc", {"exists": True})
    assert (ev.status, ev.summary) == (Status.FAIL, "1 of 1 file: eval.acc is missing or null")


def test_invalid_json_is_an_error_at_line_and_column(git_repo, tmp_path: Path) -> None:
    repo, arts = setup(git_repo, tmp_path, {"evals/cot.json": '{\n  "eval": {"accuracy": 0.9,}\n}\n'})
    ev = run(repo, arts, "evals/*.json", "eval.accuracy", {"ge": 0.9})
    assert ev.status is Status.ERROR
    assert ev.summary == "evals/cot.json:2:28: invalid JSON: expecting property name enclosed in double quotes"
    assert ev.fix == (
        "rebuild the artifact listed from the release commit (it must be valid JSON), or leave it out of `files:`"
    )


def test_bad_jsonl_line_is_an_error_with_its_line_number(git_repo, tmp_path: Path) -> None:
    text = RECORDS + '{"env": "web", "leak": tru}\n{"env": "last"}\n'
    repo, arts = setup(git_repo, tmp_path, {"leaks.jsonl": text})
    ev = run(repo, arts, "*.jsonl", "[*].leak", {"not_contains": True})
    assert ev.status is Status.ERROR
    assert ev.summary == "leaks.jsonl:5:24: invalid JSON on line 5: expecting value"
    assert ev.observations[0].line == 5
    assert ev.read == [Read(path="leaks.jsonl", root="artifacts", sha256=sha(text))]


def test_not_utf8_jsonl_line_is_an_error(git_repo, tmp_path: Path) -> None:
    repo, arts = setup(git_repo, tmp_path, {"leaks.jsonl": b'{"a": 1}\n{"a": "\xfe"}\n'})
    ev = run(repo, arts, "*.jsonl", "[*].a", {"contains": 1})
    assert (ev.status, ev.summary) == (Status.ERROR, "leaks.jsonl:2:8: not UTF-8 (byte 0xfe)")


def test_type_mismatch_is_an_error(git_repo, tmp_path: Path) -> None:
    repo, arts = setup(git_repo, tmp_path, {"evals/cot.json": METRICS})
    ev = run(repo, arts, "evals/*.json", "eval", {"not_contains": "cot"})
    assert ev.status is Status.ERROR
    assert ev.summary == (
        "evals/cot.json:2:11: cannot apply not_contains to a mapping: eval is {'accuracy': 0.93, 'cot_leak_rate': 0.0}"
    )
    ev = run(repo, arts, "evals/*.json", "split", {"ge": 1})
    assert ev.summary == "evals/cot.json:6:12: cannot apply ge to a string: split is 'test'"
    ev = run(repo, arts, "evals/*.json", "eval.accuracy", {"matches": "^0"})
    assert ev.summary == "evals/cot.json:3:17: cannot apply matches to a number: eval.accuracy is 0.93"


def test_stale_artifact_is_an_error(git_repo, tmp_path: Path) -> None:
    repo, arts = setup(git_repo, tmp_path, {"evals/cot.json": METRICS, "leaks.jsonl": RECORDS})
    (arts / "evals/cot.json").write_text(METRICS.replace("0.93", "0.99"))
    ev = run(repo, arts, "evals/*.json", "eval.accuracy", {"ge": 0.9})
    assert ev.status is Status.ERROR
    changed = sha(METRICS.replace("0.93", "0.99"))
    assert ev.summary == (
        f"stale artifact: evals/cot.json has sha256 {changed[:12]}, gate-artifacts.json recorded {sha(METRICS)[:12]}"
    )
    # Streamed JSONL is verified too, also when a line in it is bad.
    bad = RECORDS + "not json\n"
    (arts / "leaks.jsonl").write_text(bad)
    ev = run(repo, arts, "*.jsonl", "[*].leak", {"not_contains": True})
    assert ev.summary == (
        f"stale artifact: leaks.jsonl has sha256 {sha(bad)[:12]}, gate-artifacts.json recorded {sha(RECORDS)[:12]}"
    )


def test_artifacts_from_another_commit_are_an_error(git_repo, tmp_path: Path) -> None:
    repo, arts = setup(git_repo, tmp_path, {"evals/cot.json": METRICS})
    repo.commit({"README.md": "model v2\n"})
    ev = run(repo, arts, "evals/*.json", "eval.accuracy", {"ge": 0.9})
    assert ev.status is Status.ERROR
    assert ev.summary.startswith("stale artifacts: gate-artifacts.json records commit ")


def test_no_manifest_is_an_error_unless_waived_by_flag(git_repo, tmp_path: Path) -> None:
    repo, arts = setup(git_repo, tmp_path, {"evals/cot.json": METRICS}, record=False)
    ev = run(repo, arts, "evals/*.json", "eval.accuracy", {"ge": 0.9})
    assert ev.status is Status.ERROR
    assert ev.summary == (
        "no gate-artifacts.json in the artifacts folder; run `gate artifacts record --artifacts DIR` in CI after "
        "building them, or pass --no-manifest to skip the check"
    )
    ev = run(repo, arts, "evals/*.json", "eval.accuracy", {"ge": 0.9}, manifest=False)
    assert ev.status is Status.PASS


def test_unrecorded_artifact_is_an_error(git_repo, tmp_path: Path) -> None:
    repo, arts = setup(git_repo, tmp_path, {"evals/cot.json": METRICS})
    (arts / "evals/late.json").write_text(METRICS)
    ev = run(repo, arts, "evals/*.json", "eval.accuracy", {"ge": 0.9})
    assert (ev.status, ev.summary) == (
        Status.ERROR,
        "evals/late.json is not recorded in gate-artifacts.json; it was not built by the recorded CI run",
    )


def test_a_projection_selecting_an_empty_list_is_an_error(git_repo, tmp_path: Path) -> None:
    grader = '{"graders": [{"name": "g1", "input": ["prompt", "reasoning"]}], "inputs": []}\n'
    repo, arts = setup(git_repo, tmp_path, {"grader.json": grader})
    for query in ("graders[*].inputs[]", "graders[?name=='G1'].input[]"):
        ev = run(repo, arts, "grader.json", query, {"not_contains": "reasoning"})
        assert ev.status is Status.ERROR
        assert ev.summary == f"query '{query}' selected nothing in grader.json (an empty list)"
        assert ev.observations[0].message == f"query '{query}' selected nothing (an empty list)"
        # exists/absent: an empty projection counts as absent (a filter that selects no record).
        assert run(repo, arts, "grader.json", query, {"absent": True}).status is Status.PASS
        assert run(repo, arts, "grader.json", query, {"exists": True}).status is Status.FAIL
    # A field that is [] in the document is a real value.
    ev = run(repo, arts, "grader.json", "inputs", {"not_contains": "reasoning"})
    assert (ev.status, ev.summary) == (Status.PASS, "1 of 1 file: inputs does not contain 'reasoning'")
    ev = run(repo, arts, "grader.json", "graders[*].input", {"not_contains": "reasoning"})
    assert ev.status is Status.ERROR
    assert ev.summary == (
        "grader.json:1:13: cannot apply not_contains 'reasoning': graders[*].input is a list of lists: "
        "flatten it with [] in the query"
    )


def test_jsonl_without_records_is_an_error(git_repo, tmp_path: Path) -> None:
    for text in ("", "\n  \n"):
        repo, arts = setup(git_repo, tmp_path, {"grader_calls.jsonl": text})
        ev = run(repo, arts, "*.jsonl", "[?cot_visible].id", {"absent": True})
        assert ev.status is Status.ERROR
        assert ev.summary == (
            "grader_calls.jsonl: no records: the JSONL file is empty (or only blank lines); an empty source proves "
            "nothing"
        )
        assert ev.read == [Read(path="grader_calls.jsonl", root="artifacts", sha256=sha(text))]


def test_non_finite_numbers_and_duplicate_keys_are_errors(git_repo, tmp_path: Path) -> None:
    not_json = "is not a JSON number (NaN and Infinity are not JSON)"
    cases = {
        '{"acc": 0.9,\n "leak_rate": -Infinity}\n': f"metrics.json:2:15: invalid JSON: -Infinity {not_json}",
        '{"cot_leak": NaN}': f"metrics.json:1:14: invalid JSON: NaN {not_json}",
        '{"exposed": true,\n  "exposed": false}': (
            "metrics.json:2:3: invalid JSON: duplicate key 'exposed' (readers disagree on which value counts)"
        ),
        '{"a": {"b": [{"x": 1, "x": 1}]}}': (
            "metrics.json:1:23: invalid JSON: duplicate key 'x' (readers disagree on which value counts)"
        ),
    }
    for text, summary in cases.items():
        repo, arts = setup(git_repo, tmp_path, {"metrics.json": text})
        ev = run(repo, arts, "metrics.json", "acc", {"exists": True})
        assert (ev.status, ev.summary) == (Status.ERROR, summary)
    text = '{"id": 1}\n{"id": 2, "score": Infinity}\n{"id": 3, "id": 4}\n'
    repo, arts = setup(git_repo, tmp_path, {"calls.jsonl": text})
    ev = run(repo, arts, "*.jsonl", "[*].id", {"contains": 1})
    assert ev.summary == (
        "calls.jsonl:2:20: invalid JSON on line 2: Infinity is not a JSON number (NaN and Infinity are not JSON)"
    )
    repo, arts = setup(git_repo, tmp_path, {"calls.jsonl": '{"id": 1}\n{"id": 3, "id": 4}\n'})
    ev = run(repo, arts, "*.jsonl", "[*].id", {"contains": 1})
    assert ev.summary == (
        "calls.jsonl:2:11: invalid JSON on line 2: duplicate key 'id' (readers disagree on which value counts)"
    )
