"""The checklist models on their own: evidence kinds, assertions, canonical JSON, path and source rules, frozenness."""

from __future__ import annotations

import typing
from typing import Any

import pytest
from pydantic import TypeAdapter, ValidationError

from gate.model import (
    EVIDENCE_KINDS,
    OPERATORS,
    Assertion,
    Checklist,
    ConfigSpec,
    DigestSpec,
    EvidenceSpec,
    GitAuthorsDisjointSpec,
    GitFileSpec,
    GitRefSpec,
    GitTrailersSpec,
    Item,
    canonical_json,
    item_digest,
    model_digest,
)

EVIDENCE = TypeAdapter(EvidenceSpec)

# The smallest valid entry of every kind: only the required fields.
MINIMAL: dict[str, dict[str, Any]] = {
    "canary": {"files": "logs/grader/*.log", "canaries_file": "canaries.txt"},
    "code.imports": {"source": "rl.reward", "forbidden": "rl.cot"},
    "code.pattern": {"files": "rl/**/*.py", "pattern": "reasoning"},
    "command": {"argv": ["python", "-m", "rl.check"]},
    "config": {"files": "rl/envs/*.yaml", "query": "grader.inputs", "assert": {"not_contains": "reasoning"}},
    "digest": {"file": "model.safetensors", "sha256": "0" * 64},
    "git.authors_disjoint": {"paths": "rl/graders/**", "range": "v1..HEAD", "group_file": "teams/reward.txt"},
    "git.codeowners": {"paths": "rl/**"},
    "git.file": {"path": "rl/debug.py"},
    "git.ref": {"tag": "release/{release}"},
    "git.trailers": {"paths": "rl/reward/**", "since": "v*"},
    "json": {"files": "evals/metrics.json", "query": "leak_rate", "assert": {"le": 0.001}},
    "junit": {"files": "test-results/*.xml"},
    "manual": {"path": "docs/review.md"},
    "sarif": {"files": "sarif/*.sarif"},
}


def spec_kinds() -> set[str]:
    """The `kind` literal of every member of the EvidenceSpec union."""
    members = typing.get_args(typing.get_args(EvidenceSpec)[0])
    return {typing.get_args(m.model_fields["kind"].annotation)[0] for m in members}


def item(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {"id": "a", "title": "Item a", "evidence": [{"kind": "manual", "path": "doc.md"}]}
    data.update(changes)
    return data


def checklist(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": "c",
        "version": 1,
        "title": "C",
        "owner": "safety-lead",
        "release_role": "safety-lead",
        "roles": {"safety-lead": {"description": "Owns CoT isolation"}},
        "items": [item()],
    }
    data.update(changes)
    return data


# ---------------------------------------------------------------------------------------------
# Evidence kinds


def test_evidence_kinds_are_the_union_members() -> None:
    assert spec_kinds() == set(EVIDENCE_KINDS)
    assert list(EVIDENCE_KINDS) == sorted(set(EVIDENCE_KINDS))
    assert set(MINIMAL) == set(EVIDENCE_KINDS)


@pytest.mark.parametrize("kind", EVIDENCE_KINDS)
def test_minimal_spec_of_every_kind_validates(kind: str) -> None:
    spec = EVIDENCE.validate_python({"kind": kind, **MINIMAL[kind]})
    assert spec.kind == kind
    assert spec.label is None


@pytest.mark.parametrize("kind", EVIDENCE_KINDS)
def test_every_kind_refuses_unknown_keys(kind: str) -> None:
    with pytest.raises(ValidationError, match="Extra inputs are not permitted"):
        EVIDENCE.validate_python({"kind": kind, **MINIMAL[kind], "colour": "blue"})


@pytest.mark.parametrize("kind", EVIDENCE_KINDS)
def test_every_kind_round_trips_through_its_aliases(kind: str) -> None:
    spec = EVIDENCE.validate_python({"kind": kind, **MINIMAL[kind]})
    assert EVIDENCE.validate_python(spec.model_dump(by_alias=True)) == spec


def test_unknown_kind_is_refused() -> None:
    with pytest.raises(ValidationError, match=r"does not match any of the expected tags"):
        EVIDENCE.validate_python({"kind": "git.trailer", "paths": "a"})


def test_a_single_glob_stands_for_a_list() -> None:
    spec = EVIDENCE.validate_python({"kind": "junit", "files": "a/*.xml"})
    assert spec.files == ["a/*.xml"]  # type: ignore[union-attr]


def test_empty_glob_list_is_refused() -> None:
    with pytest.raises(ValidationError, match="at least 1 item"):
        EVIDENCE.validate_python({"kind": "junit", "files": []})


# ---------------------------------------------------------------------------------------------
# Assertions


def test_assertion_needs_an_operator() -> None:
    with pytest.raises(ValidationError, match=f"needs exactly one operator, one of: {', '.join(OPERATORS)}"):
        Assertion.model_validate({})


def test_assertion_refuses_two_operators() -> None:
    with pytest.raises(ValidationError, match="needs exactly one operator, got 2: equals, in"):
        Assertion.model_validate({"in": [1], "equals": 1})


@pytest.mark.parametrize(
    ("data", "operator", "operand"),
    [
        ({"contains": None}, "contains", None),
        ({"not_contains": None}, "not_contains", None),
        ({"equals": {"a": [1, 2.5]}}, "equals", {"a": [1, 2.5]}),
        ({"in": ["a", "b"]}, "in", ["a", "b"]),
        ({"not_in": [1]}, "not_in", [1]),
        ({"contains": "reasoning"}, "contains", "reasoning"),
        ({"not_contains": "reasoning"}, "not_contains", "reasoning"),
        ({"matches": "^v[0-9]+$"}, "matches", "^v[0-9]+$"),
        ({"exists": True}, "exists", True),
        ({"absent": True}, "absent", True),
        ({"gt": 1}, "gt", 1),
        ({"ge": 0.5}, "ge", 0.5),
        ({"lt": -1}, "lt", -1),
        ({"le": 0.001}, "le", 0.001),
    ],
)
def test_operator_and_operand(data: dict[str, Any], operator: str, operand: Any) -> None:
    assertion = Assertion.model_validate(data)
    assert assertion.operator == operator
    assert assertion.operand == operand
    assert assertion.model_dump() == {operator: operand}


def test_every_operator_is_covered() -> None:
    assert set(OPERATORS) == {Assertion.model_fields[f].alias or f for f in Assertion.model_fields}


def test_in_is_written_in_and_dumped_as_in() -> None:
    assertion = Assertion.model_validate({"in": ["x"]})
    assert assertion.in_ == ["x"]
    assert assertion.model_dump(by_alias=True) == {"in": ["x"]}
    assert canonical_json(assertion.model_dump(mode="json")) == b'{"in":["x"]}'


def test_contains_null_and_not_contains_null_dump_differently() -> None:
    a = Assertion.model_validate({"contains": None}).model_dump(mode="json", exclude_defaults=True)
    b = Assertion.model_validate({"not_contains": None}).model_dump(mode="json", exclude_defaults=True)
    assert (a, b) == ({"contains": None}, {"not_contains": None})


@pytest.mark.parametrize(("data", "instead"), [({"equals": None}, "absent"), ({"not_equals": None}, "exists")])
def test_equals_null_is_refused_with_the_operator_to_use(data: dict[str, Any], instead: str) -> None:
    # JMESPath cannot tell null from missing, and selecting nothing is ERROR: the check could never pass.
    with pytest.raises(ValidationError, match=f"use `{instead}: true`"):
        Assertion.model_validate(data)


@pytest.mark.parametrize("data", [{"exists": False}, {"absent": False}, {"exists": "yes"}])
def test_exists_and_absent_take_only_true(data: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        Assertion.model_validate(data)


@pytest.mark.parametrize("operator", ["in", "not_in", "matches", "gt", "ge", "lt", "le"])
def test_null_operand_is_refused_where_null_cannot_be_compared(operator: str) -> None:
    with pytest.raises(ValidationError, match=f"`{operator}: null` has nothing to compare with; give a value"):
        Assertion.model_validate({operator: None})


@pytest.mark.parametrize("operator", ["exists", "absent"])
def test_exists_and_absent_null_is_refused(operator: str) -> None:
    with pytest.raises(ValidationError, match=f"write `{operator}: true`, not `{operator}: null`"):
        Assertion.model_validate({operator: None})


@pytest.mark.parametrize("operator", ["contains", "not_contains"])
def test_null_is_a_value_for_containment(operator: str) -> None:
    assertion = Assertion.model_validate({operator: None})
    assert (assertion.operator, assertion.operand) == (operator, None)


def test_matches_needs_a_valid_regex() -> None:
    with pytest.raises(ValidationError, match=r"invalid regular expression '\(unclosed'"):
        Assertion.model_validate({"matches": "(unclosed"})


@pytest.mark.parametrize("value", ["5", True, None, [1], float("nan"), float("inf")])
def test_number_operators_take_finite_numbers_only(value: Any) -> None:
    with pytest.raises(ValidationError):
        Assertion.model_validate({"gt": value})


@pytest.mark.parametrize(
    "data",
    [
        {"equals": float("nan")},
        {"equals": [float("nan")]},
        {"in": [[1, float("inf")]]},
        {"equals": {"a": {"b": -float("inf")}}},
    ],
)
def test_non_finite_numbers_are_refused_even_nested(data: dict[str, Any]) -> None:
    # Serialised as null they would give `equals: [.nan]` the digest of `equals: [null]`.
    with pytest.raises(ValidationError, match="finite number"):
        Assertion.model_validate(data)


def test_operands_keep_their_type() -> None:
    assert Assertion.model_validate({"equals": "1"}).operand == "1"
    assert Assertion.model_validate({"equals": "true"}).operand == "true"
    assert Assertion.model_validate({"equals": 1}).operand == 1
    assert Assertion.model_validate({"equals": True}).operand is True


# ---------------------------------------------------------------------------------------------
# Canonical JSON and digests


def test_canonical_json_sorts_keys_has_no_spaces_and_is_utf8() -> None:
    assert canonical_json({"b": 1, "a": [1, "é", None, True], "c": {"z": 0, "y": 1.5}}) == (
        '{"a":[1,"é",null,true],"b":1,"c":{"y":1.5,"z":0}}'.encode()
    )


def test_canonical_json_is_stable_across_key_order() -> None:
    assert canonical_json({"a": 1, "b": {"c": 2, "d": 3}}) == canonical_json({"b": {"d": 3, "c": 2}, "a": 1})


def test_canonical_json_refuses_nan() -> None:
    with pytest.raises(ValueError):
        canonical_json({"a": float("nan")})


def test_digest_ignores_explicit_defaults() -> None:
    plain = ConfigSpec.model_validate({"kind": "config", **MINIMAL["config"]})
    explicit = ConfigSpec.model_validate(
        {"kind": "config", **MINIMAL["config"], "each": "file", "min_files": 1, "format": "auto", "label": None}
    )
    assert model_digest(plain) == model_digest(explicit)
    assert item_digest(Item.model_validate(item())) == item_digest(Item.model_validate(item(severity="blocker")))


def test_digest_changes_with_meaning() -> None:
    plain = Item.model_validate(item())
    assert item_digest(plain) != item_digest(Item.model_validate(item(severity="minor")))
    assert item_digest(plain) != item_digest(Item.model_validate(item(title="Item b")))


def test_digest_is_a_sha256_hex() -> None:
    digest = model_digest(Checklist.model_validate(checklist()))
    assert len(digest) == 64
    assert set(digest) <= set("0123456789abcdef")


# ---------------------------------------------------------------------------------------------
# Paths


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("/etc/passwd", "is absolute"),
        ("C:/models/x", "is absolute"),
        ("../outside.md", "escapes its root with '..'"),
        ("docs/../../x.md", "escapes its root with '..'"),
        ("docs\\review.md", "uses a backslash"),
        ("", "must not be empty"),
        ("docs/a\x00b", "NUL"),
    ],
)
def test_path_rules(path: str, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        GitFileSpec.model_validate({"kind": "git.file", "path": path})


@pytest.mark.parametrize("path", ["docs/review.md", "./docs/x.md", "docs/..hidden/x", "rl/**/*.yaml"])
def test_valid_paths(path: str) -> None:
    assert GitFileSpec.model_validate({"kind": "git.file", "path": path}).path == path


def test_path_rules_apply_to_globs_and_lists() -> None:
    with pytest.raises(ValidationError, match="escapes its root"):
        EVIDENCE.validate_python({"kind": "junit", "files": ["ok/*.xml", "../x/*.xml"]})
    with pytest.raises(ValidationError, match="is absolute"):
        EVIDENCE.validate_python({"kind": "code.pattern", "files": "a.py", "pattern": "x", "allowlist": "/tmp/a.py"})


def test_includes_may_go_up_but_not_be_absolute_or_use_backslashes() -> None:
    assert Checklist.model_validate(checklist(include="../common/basics.yaml")).include == ["../common/basics.yaml"]
    with pytest.raises(ValidationError, match="is absolute"):
        Checklist.model_validate(checklist(include=["/etc/basics.yaml"]))
    with pytest.raises(ValidationError, match="uses a backslash"):
        Checklist.model_validate(checklist(include=["common\\basics.yaml"]))


# ---------------------------------------------------------------------------------------------
# Source and range rules


def digest(**fields: Any) -> DigestSpec:
    return DigestSpec.model_validate({"kind": "digest", "file": "model.safetensors", **fields})


def test_digest_inline_or_from_a_manifest() -> None:
    assert digest(sha256="a" * 64).sha256 == "a" * 64
    spec = digest(manifest="build/manifest.json", key="files.model")
    assert (spec.manifest, spec.key) == ("build/manifest.json", "files.model")


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({}, "give either sha256 or manifest"),
        ({"sha256": "a" * 64, "manifest": "m.json", "key": "k"}, "give either sha256 or manifest"),
        ({"manifest": "m.json"}, "manifest needs key"),
        ({"sha256": "a" * 64, "key": "k"}, "key goes with manifest, not with sha256"),
        ({"sha256": "A" * 64}, "should match pattern"),
        ({"sha256": "a" * 63}, "should match pattern"),
    ],
)
def test_digest_source_rules(fields: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        digest(**fields)


def trailers(**fields: Any) -> GitTrailersSpec:
    return GitTrailersSpec.model_validate({"kind": "git.trailers", "paths": "rl/**", **fields})


def test_trailers_since_or_range() -> None:
    assert trailers(since="v*").since == "v*"
    assert trailers(range="v1.2..HEAD").range == "v1.2..HEAD"


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({}, "needs `since` \\(a tag pattern\\) or `range`"),
        ({"since": "v*", "range": "v1..HEAD"}, "give `since` or `range`, not both"),
        ({"range": "--output=/tmp/x"}, "should match pattern"),  # never an option to git
        ({"range": "v1 HEAD"}, "should match pattern"),
        ({"range": ""}, "at least 1 character"),
        ({"since": ""}, "at least 1 character"),
        ({"since": "v*", "signed": True}, "signed: true needs allowed_signers"),
    ],
)
def test_trailers_range_rules(fields: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        trailers(**fields)


def test_trailers_defaults() -> None:
    spec = trailers(since="v*")
    assert spec.require == ["Reviewed-by"]
    assert (spec.not_author, spec.signed, spec.merges, spec.bots, spec.min_commits) == (True, False, "check", [], 0)
    assert trailers(since="v*", require="Signed-off-by").require == ["Signed-off-by"]


def test_authors_disjoint_has_the_same_range_rules() -> None:
    base = {"kind": "git.authors_disjoint", "paths": "rl/**", "group_file": "g.txt"}
    with pytest.raises(ValidationError, match="needs `since`"):
        GitAuthorsDisjointSpec.model_validate(base)
    with pytest.raises(ValidationError, match="not both"):
        GitAuthorsDisjointSpec.model_validate({**base, "since": "v*", "range": "a..b"})


def test_signed_tag_needs_annotated_and_allowed_signers() -> None:
    base = {"kind": "git.ref", "tag": "v1"}
    with pytest.raises(ValidationError, match="needs allowed_signers"):
        GitRefSpec.model_validate({**base, "signed": True, "annotated": True})
    with pytest.raises(ValidationError, match="needs annotated: true"):
        GitRefSpec.model_validate({**base, "signed": True, "allowed_signers": "s"})
    spec = GitRefSpec.model_validate({**base, "signed": True, "annotated": True, "allowed_signers": "s"})
    assert spec.signed


def test_code_pattern_defaults_to_not_occur_and_checks_regex() -> None:
    spec = EVIDENCE.validate_python({"kind": "code.pattern", "files": "a.py", "pattern": "(x"})
    assert spec.must == "not_occur"  # type: ignore[union-attr]
    with pytest.raises(ValidationError, match="invalid regular expression"):
        EVIDENCE.validate_python({"kind": "code.pattern", "files": "a.py", "pattern": "(x", "regex": True})


# ---------------------------------------------------------------------------------------------
# Items, checklists, strictness, frozenness


def test_item_defaults() -> None:
    parsed = Item.model_validate(item())
    assert (parsed.severity, parsed.stages, parsed.signoff, parsed.waiver, parsed.examples) == (
        "blocker",
        None,
        [],
        None,
        [],
    )


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"evidence": []}, "at least 1 item"),
        ({"stages": []}, "at least 1 item"),
        ({"severity": "critical"}, "'blocker', 'major' or 'minor'"),
        ({"id": "Bad Id"}, "should match pattern"),
        ({"signoff": [{"role": "a"}, {"role": "a", "count": 2}]}, "signoff lists role 'a' twice"),
        ({"waiver": {"roles": ["a"], "max_days": 0}}, "greater than or equal to 1"),
    ],
)
def test_item_rules(changes: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        Item.model_validate(item(**changes))


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"version": "1"}, "valid integer"),
        ({"version": 1.0}, "valid integer"),
        ({"title": 5}, "valid string"),
        ({"stages": ["a", "a"]}, "stage 'a' declared twice"),
    ],
)
def test_checklist_types_are_strict(changes: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        Checklist.model_validate(checklist(**changes))


def test_booleans_are_strict() -> None:
    with pytest.raises(ValidationError, match="valid boolean"):
        EVIDENCE.validate_python({"kind": "junit", "files": "a.xml", "allow_skipped": "true"})
    with pytest.raises(ValidationError, match="valid boolean"):
        EVIDENCE.validate_python({"kind": "junit", "files": "a.xml", "allow_skipped": 1})


def test_command_timeout_is_a_number_not_a_string() -> None:
    assert EVIDENCE.validate_python({"kind": "command", "argv": ["x"], "timeout": 0.5}).timeout == 0.5  # type: ignore[union-attr]
    with pytest.raises(ValidationError):
        EVIDENCE.validate_python({"kind": "command", "argv": ["x"], "timeout": "60"})


def test_models_are_frozen() -> None:
    parsed = Checklist.model_validate(checklist())
    with pytest.raises(ValidationError, match="frozen"):
        parsed.version = 2  # type: ignore[misc]
    with pytest.raises(ValidationError, match="frozen"):
        parsed.items[0].title = "changed"  # type: ignore[misc]
    spec = EVIDENCE.validate_python({"kind": "config", **MINIMAL["config"]})
    with pytest.raises(ValidationError, match="frozen"):
        spec.assert_ = Assertion.model_validate({"exists": True})  # type: ignore[union-attr,misc]
