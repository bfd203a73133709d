"""The query and assertion logic shared by `config` and `json`: operators, equality, paths, shown values."""

from __future__ import annotations

from typing import Any

import pytest

from gate.errors import EvidenceUnavailable
from gate.evidence.jsonfile import locate_json
from gate.evidence.query import Query, QueryProblem, check, deep_equal, pointer, show
from gate.model import Assertion


def holds(assertion: dict[str, Any], value: Any) -> bool:
    return check(Assertion.model_validate(assertion), value, "q").holds


@pytest.mark.parametrize(
    ("assertion", "value", "expected"),
    [
        ({"equals": 1}, 1.0, True),
        ({"equals": 1}, True, False),
        ({"equals": True}, 1, False),
        ({"equals": "1"}, 1, False),
        ({"equals": {"a": [1, 2]}}, {"a": [1.0, 2]}, True),
        ({"equals": {"a": [1, 2]}}, {"a": [2, 1]}, False),
        ({"not_equals": "x"}, "y", True),
        ({"in": ["a", 2]}, 2.0, True),
        ({"in": [1]}, True, False),
        ({"not_in": ["a"]}, "b", True),
        ({"contains": "reasoning"}, ["prompt", "reasoning"], True),
        ({"contains": 1}, [True], False),
        ({"contains": "reason"}, "the reasoning trace", True),
        ({"not_contains": "cot"}, [], True),
        ({"matches": "^v[0-9]+$"}, "v12", True),
        ({"matches": "^v[0-9]+$"}, "v1.2", False),
        ({"exists": True}, None, False),
        ({"exists": True}, False, True),
        ({"absent": True}, None, True),
        ({"gt": 0.5}, 0.6, True),
        ({"ge": 1}, 1.0, True),
        ({"lt": 0}, -1, True),
        ({"le": 0}, float("nan"), False),
    ],
)
def test_operators(assertion: dict[str, Any], value: Any, expected: bool) -> None:
    assert holds(assertion, value) is expected


@pytest.mark.parametrize(
    ("assertion", "value", "message"),
    [
        ({"contains": "a"}, {"a": 1}, "cannot apply contains to a mapping: q is {'a': 1}"),
        ({"not_contains": "a"}, 3, "cannot apply not_contains to a number: q is 3"),
        ({"matches": "x"}, ["x"], "cannot apply matches to a list: q is ['x']"),
        ({"gt": 1}, True, "cannot apply gt to a boolean: q is true"),
        ({"le": 1}, "1", "cannot apply le to a string: q is '1'"),
    ],
)
def test_type_mismatch_is_a_problem_naming_the_type(assertion: dict[str, Any], value: Any, message: str) -> None:
    with pytest.raises(QueryProblem) as info:
        holds(assertion, value)
    assert info.value.message == message


def test_deep_equal_is_strict_about_types() -> None:
    assert deep_equal([1, {"a": None}], [1.0, {"a": None}])
    assert not deep_equal(0, False)
    assert not deep_equal({"a": 1}, {"a": 1, "b": 2})


@pytest.mark.parametrize(
    ("text", "path", "exact"),
    [
        ("grader.inputs", ("grader", "inputs"), True),
        ("envs[0].grader", ("envs", 0, "grader"), True),
        ('"odd key".x[-1]', ("odd key", "x", -1), True),
        ("a.b | [2]", ("a", "b", 2), True),
        ("@", (), True),
        ("envs[?name=='math'].grader", ("envs",), False),
        ("grader.inputs[*].name", ("grader", "inputs"), False),
        ("a[1:3]", ("a",), False),
        ("length(grader.inputs)", ("grader", "inputs"), False),
        ("{x: a.b}", ("a", "b"), False),
        ("`1`", (), False),
    ],
)
def test_static_path_of_queries(text: str, path: tuple[Any, ...], exact: bool) -> None:
    query = Query(text)
    assert (query.path, query.exact) == (path, exact)


def test_where_resolves_negative_indexes_and_stops_at_what_exists() -> None:
    data = {"envs": [{"g": 1}, {"g": [5, 6]}]}
    assert Query("envs[-1].g").where(data, element=1) == ("envs", 1, "g", 1)
    assert Query("envs[5].g").where(data) == ("envs",)
    assert Query("envs[*].g").where(data, element=0) == ("envs",)


def test_invalid_query_is_evidence_unavailable() -> None:
    with pytest.raises(EvidenceUnavailable, match="invalid JMESPath expression 'a\\[': "):
        Query("a[")


def test_pointer_escapes_per_rfc_6901() -> None:
    assert pointer(("a/b", "c~d", 0)) == "/a~1b/c~0d/0"
    assert pointer(()) is None


def test_show_quotes_escapes_and_shortens() -> None:
    assert show("it's") == "'it's'"
    assert show("a\nb\x1b[31m") == "'a\\nb\\x1b[31m'"
    assert show([1, 2.5, None, True, {"k": "v"}]) == "[1, 2.5, null, true, {'k': 'v'}]"
    assert show(list(range(100))) == "[" + ", ".join(str(i) for i in range(100))[:56] + "..."
    assert show("x" * 61) == "'" + "x" * 57 + "...'"
    assert len(show([[["deep"] * 1000] * 1000] * 1000)) == 60


def test_locate_json_follows_the_path_and_takes_the_last_duplicate() -> None:
    text = '{"a": {"b": 1}, "x": [10, {"y": "s"}], "a": {"b": 2}}'
    assert text[locate_json(text, ("a", "b")) :].startswith("2}")
    assert text[locate_json(text, ("x", 1, "y")) :].startswith('"s"')
    assert text[locate_json(text, ("x", 7)) :].startswith("[10")
    assert locate_json(text, ()) == 0


@pytest.mark.parametrize(
    ("text", "projects"),
    [
        ("graders[*].inputs[]", True),
        ("graders[?name=='G1'].inputs[]", True),
        ("graders[*].inputs", True),
        ("inputs[]", True),
        ("envs.*.grader", True),
        ("a[1:3]", True),
        ("length(graders[*].inputs)", True),
        ("grader.inputs", False),
        ("envs[0].grader", False),
        ("keys(@)", False),
        ("[a, b]", False),
    ],
)
def test_projections_filters_and_flattens_are_told_apart(text: str, projects: bool) -> None:
    assert Query(text).projects is projects


def test_an_empty_list_from_a_projection_selected_nothing() -> None:
    data = {"graders": [{"name": "g1", "input": ["prompt", "reasoning"]}]}
    for text in ("graders[*].inputs[]", "graders[?name=='G1'].inputs[]"):
        with pytest.raises(QueryProblem) as info:
            Query(text).select(data)
        assert (info.value.message, info.value.detail, info.value.nothing) == (
            f"query '{text}' selected nothing",
            " (an empty list)",
            True,
        )
        # exists/absent: a projection that selected nothing counts as absent.
        assert Query(text).value(data) is None
    # A plain field whose value is [] is a real value.
    assert Query("grader.inputs").select({"grader": {"inputs": []}}) == []
    assert Query("grader.inputs").value({"grader": {"inputs": []}}) == []
    assert Query("graders[*].name").select(data) == ["g1"]


def test_contains_on_a_list_of_lists_must_be_flattened() -> None:
    with pytest.raises(QueryProblem) as info:
        check(Assertion.model_validate({"not_contains": "reasoning"}), [["prompt", "reasoning"]], "graders[*].inputs")
    assert info.value.message == (
        "cannot apply not_contains 'reasoning': graders[*].inputs is a list of lists: flatten it with [] in the query"
    )
    assert info.value.fix == (
        "write the query as 'graders[*].inputs[]' so that not_contains looks at the elements of the inner lists"
    )
    # Looking for a whole list in a list of lists is what contains does.
    assert holds({"contains": ["a", "b"]}, [["a", "b"], ["c"]])


DOCS_FOR_WALK = [
    {"a": {"b": [1, {"c": None}, [3]]}},
    {"a": [10, 20, 30]},
    {"a": "text", "b": {"0": "zero"}},
    [{"a": 1}, {"a": 2}],
    {"a": {"b": False}},
    None,
    "scalar",
]


@pytest.mark.parametrize(
    "text", ["a", "a.b", "a.b[0]", "a.b[1].c", "a.b[-1]", "a.b[5]", "a[-4]", "a[2]", 'b."0"', "[0].a", "a.b.c", "@"]
)
@pytest.mark.parametrize("data", DOCS_FOR_WALK, ids=range(len(DOCS_FOR_WALK)))
def test_exact_paths_are_walked_as_jmespath_evaluates_them(text: str, data: Any) -> None:
    import jmespath

    query = Query(text)
    assert query.exact
    assert query.search(data) == jmespath.search(text, data)
