"""`digest` evidence: a subject file has the expected sha256, inline or from a JSON manifest artifact."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from gate.engine import run_collector
from gate.model import DigestSpec
from gate.results import Evidence, Observation, Read, Status
from tests.builders import GitRepo, context, make_artifacts

WEIGHTS = b"\x00\x01fake model weight\n" * 100  # 2000 bytes
GOOD = hashlib.sha256(WEIGHTS).hexdigest()
OTHER = hashlib.sha256(b"another model").hexdigest()


@pytest.fixture
def repo(git_repo) -> GitRepo:  # type: ignore[no-untyped-def]
    repo: GitRepo = git_repo()
    repo.commit({"README.md": "model\n"})
    return repo


@pytest.fixture
def subject(tmp_path: Path) -> Path:
    path = tmp_path / "weights" / "model.safetensors"
    path.parent.mkdir()
    path.write_bytes(WEIGHTS)
    return path


def inline(repo: GitRepo, subject: Path, expected: str, file: str = "model.safetensors") -> Evidence:
    spec = DigestSpec(kind="digest", file=file, sha256=expected)
    return run_collector(spec, context(repo, subjects=[subject]))


def from_manifest(
    repo: GitRepo, subject: Path, tmp_path: Path, manifest: str | bytes, key: str = "files.model.sha256"
) -> Evidence:
    folder = make_artifacts(tmp_path / "out", {"build/manifest.json": manifest}, commit=repo.head)
    spec = DigestSpec(kind="digest", file="model.safetensors", manifest="build/manifest.json", key=key)
    return run_collector(spec, context(repo, folder, subjects=[subject]))


def manifest_with(value: object) -> str:
    return json.dumps({"files": {"model": {"sha256": value}}})


def test_inline_digest_matches(repo: GitRepo, subject: Path) -> None:
    result = inline(repo, subject, GOOD)
    assert result.status is Status.PASS
    assert result.summary == f"model.safetensors (2.0 kB): sha256 {GOOD[:12]} matches the checklist"
    assert result.read == [Read(path="model.safetensors", root="subject", sha256=GOOD)]
    assert result.observations == []


def test_inline_digest_mismatch_fails_showing_both_prefixes(repo: GitRepo, subject: Path) -> None:
    result = inline(repo, subject, OTHER)
    assert result.status is Status.FAIL
    assert result.summary == (f"model.safetensors (2.0 kB): sha256 is {GOOD[:12]}, the checklist expects {OTHER[:12]}")
    assert result.observations == [
        Observation(
            message=f"sha256 is {GOOD[:12]}, the checklist expects {OTHER[:12]}",
            path="model.safetensors",
            root="subject",
        )
    ]
    assert result.fix == (
        "pass the model file the digest was recorded for (--subject), or, if this is a new model, "
        "update the expected digest in the checklist"
    )
    assert result.read == [Read(path="model.safetensors", root="subject", sha256=GOOD)]


def test_subject_is_found_by_a_path_suffix(repo: GitRepo, subject: Path) -> None:
    assert inline(repo, subject, GOOD, file="weights/model.safetensors").status is Status.PASS


def test_missing_subject_is_an_error(repo: GitRepo, subject: Path) -> None:
    result = inline(repo, subject, GOOD, file="tokenizer.json")
    assert result.status is Status.ERROR
    assert result.summary.startswith("no --subject file named 'tokenizer.json' (given: ")


def test_no_subject_given_is_an_error(repo: GitRepo) -> None:
    spec = DigestSpec(kind="digest", file="model.safetensors", sha256=GOOD)
    result = run_collector(spec, context(repo))
    assert result.status is Status.ERROR
    assert result.summary == "no --subject file named 'model.safetensors' (given: none)"


def test_digest_from_manifest_matches(repo: GitRepo, subject: Path, tmp_path: Path) -> None:
    manifest = manifest_with(GOOD)
    result = from_manifest(repo, subject, tmp_path, manifest)
    assert result.status is Status.PASS
    assert result.summary == (
        f"model.safetensors (2.0 kB): sha256 {GOOD[:12]} matches build/manifest.json 'files.model.sha256'"
    )
    assert result.read == [
        Read(path="build/manifest.json", root="artifacts", sha256=hashlib.sha256(manifest.encode()).hexdigest()),
        Read(path="model.safetensors", root="subject", sha256=GOOD),
    ]


def test_upper_case_digest_in_manifest_is_accepted(repo: GitRepo, subject: Path, tmp_path: Path) -> None:
    assert from_manifest(repo, subject, tmp_path, manifest_with(GOOD.upper())).status is Status.PASS


def test_digest_from_manifest_mismatch_fails(repo: GitRepo, subject: Path, tmp_path: Path) -> None:
    result = from_manifest(repo, subject, tmp_path, manifest_with(OTHER))
    assert result.status is Status.FAIL
    assert result.summary == (
        f"model.safetensors (2.0 kB): sha256 is {GOOD[:12]}, build/manifest.json 'files.model.sha256' "
        f"expects {OTHER[:12]}"
    )


def test_manifest_not_json_is_an_error(repo: GitRepo, subject: Path, tmp_path: Path) -> None:
    result = from_manifest(repo, subject, tmp_path, "{not json")
    assert result.status is Status.ERROR
    assert result.summary == (
        "build/manifest.json is not valid JSON: Expecting property name enclosed in double quotes: "
        "line 1 column 2 (char 1)"
    )


def test_manifest_with_a_duplicate_key_or_nan_is_an_error(repo: GitRepo, subject: Path, tmp_path: Path) -> None:
    # Last-wins would let a second "sha256" override the one other readers of the manifest see.
    text = f'{{"files": {{"model": {{"sha256": "{OTHER}",\n  "sha256": "{GOOD}"}}}}}}'
    result = from_manifest(repo, subject, tmp_path, text)
    assert result.status is Status.ERROR
    assert result.summary == (
        "build/manifest.json:2:3: invalid JSON: duplicate key 'sha256' (readers disagree on which value counts)"
    )
    result = from_manifest(repo, subject, tmp_path / "2", '{"files": {"model": {"sha256": "x", "size": Infinity}}}')
    assert result.status is Status.ERROR
    assert result.summary == (
        "build/manifest.json:1:45: invalid JSON: Infinity is not a JSON number (NaN and Infinity are not JSON)"
    )


def test_missing_manifest_is_an_error(repo: GitRepo, subject: Path, tmp_path: Path) -> None:
    folder = make_artifacts(tmp_path / "out", {"other.json": "{}"}, commit=repo.head)
    spec = DigestSpec(kind="digest", file="model.safetensors", manifest="build/manifest.json", key="sha256")
    result = run_collector(spec, context(repo, folder, subjects=[subject]))
    assert result.status is Status.ERROR
    assert result.summary == "build/manifest.json does not exist"


def test_changed_manifest_is_stale(repo: GitRepo, subject: Path, tmp_path: Path) -> None:
    folder = make_artifacts(tmp_path / "out", {"build/manifest.json": manifest_with(OTHER)}, commit=repo.head)
    (folder / "build/manifest.json").write_text(manifest_with(GOOD))
    spec = DigestSpec(kind="digest", file="model.safetensors", manifest="build/manifest.json", key="files.model.sha256")
    result = run_collector(spec, context(repo, folder, subjects=[subject]))
    assert result.status is Status.ERROR
    assert result.summary.startswith("stale artifact: build/manifest.json has sha256 ")


def test_key_selecting_nothing_is_an_error(repo: GitRepo, subject: Path, tmp_path: Path) -> None:
    result = from_manifest(repo, subject, tmp_path, manifest_with(GOOD), key="files.tokenizer.sha256")
    assert result.status is Status.ERROR
    assert result.summary == "build/manifest.json: key 'files.tokenizer.sha256' selects nothing"


@pytest.mark.parametrize(
    ("value", "kind"), [(42, "number"), ([GOOD], "list"), ({"hex": GOOD}, "mapping"), (True, "boolean")]
)
def test_key_selecting_a_non_string_is_an_error(
    repo: GitRepo, subject: Path, tmp_path: Path, value: object, kind: str
) -> None:
    result = from_manifest(repo, subject, tmp_path, manifest_with(value))
    assert result.status is Status.ERROR
    assert result.summary == (
        f"build/manifest.json: key 'files.model.sha256' selects a {kind}, not a sha256 hex string"
    )


@pytest.mark.parametrize("value", [GOOD[:-1], GOOD + "0", "z" * 64, f"sha256:{GOOD}", ""])
def test_key_selecting_a_string_that_is_not_64_hex_is_an_error(
    repo: GitRepo, subject: Path, tmp_path: Path, value: str
) -> None:
    result = from_manifest(repo, subject, tmp_path, manifest_with(value))
    assert result.status is Status.ERROR
    assert result.summary.startswith("build/manifest.json: key 'files.model.sha256' selects '")
    assert result.summary.endswith("', not a sha256 (64 hex digits)")


def test_sha256_prefix_gets_a_hint(repo: GitRepo, subject: Path, tmp_path: Path) -> None:
    result = from_manifest(repo, subject, tmp_path, manifest_with(f"sha256:{GOOD}"))
    assert result.fix == "select the bare hex digest (without a 'sha256:' prefix)"


def test_key_failing_to_evaluate_is_an_error(repo: GitRepo, subject: Path, tmp_path: Path) -> None:
    result = from_manifest(repo, subject, tmp_path, manifest_with(GOOD), key="abs(files.model.sha256)")
    assert result.status is Status.ERROR
    assert result.summary.startswith("build/manifest.json: key 'abs(files.model.sha256)' cannot be evaluated: ")
