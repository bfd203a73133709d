"""The engine: fail-closed wrapping of collectors, order, folding, digests."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import pytest

from gate import engine, loader
from gate.errors import EvidenceUnavailable
from gate.evidence import COLLECTORS
from gate.evidence.context import Context
from gate.model import EVIDENCE_KINDS
from gate.results import Evidence, Status, Verdict, evidence
from tests.builders import context
from tests.checklist_text import checklist


def test_registry_covers_every_kind() -> None:
    assert set(COLLECTORS) == set(EVIDENCE_KINDS)
    assert list(COLLECTORS) == sorted(COLLECTORS)


def _loaded(write, items: tuple[str, ...] = ("a", "b", "c")) -> loader.LoadedChecklist:
    return loader.load(write({"c.yaml": checklist(items=items)}))


def test_crashing_collector_is_error_not_pass(write, monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(spec: Any, ctx: Context) -> Evidence:
        raise KeyError("oops")

    monkeypatch.setitem(COLLECTORS, "config", boom)
    report = engine.evaluate(_loaded(write, ("a",)), context(None))
    (item,) = report.items
    assert item.status is Status.ERROR
    assert item.evidence[0].summary == "collector crashed: KeyError: 'oops'"
    assert item.evidence[0].fix == "this is a bug in gate; rerun with --debug for the traceback and report it"
    assert report.verdict is Verdict.BLOCKED


def test_debug_reraises_a_crash(write, monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(spec: Any, ctx: Context) -> Evidence:
        raise KeyError("oops")

    monkeypatch.setitem(COLLECTORS, "config", boom)
    with pytest.raises(KeyError):
        engine.evaluate(_loaded(write, ("a",)), context(None), debug=True)


def test_unavailable_evidence_is_error_with_where(write, monkeypatch: pytest.MonkeyPatch) -> None:
    def missing(spec: Any, ctx: Context) -> Evidence:
        raise EvidenceUnavailable("glob 'x' matched no committed file", where="rl/envs", hint="fix the glob")

    monkeypatch.setitem(COLLECTORS, "config", missing)
    ev = engine.evaluate(_loaded(write, ("a",)), context(None)).items[0].evidence[0]
    assert (ev.status, ev.summary, ev.fix) == (Status.ERROR, "glob 'x' matched no committed file", "fix the glob")
    assert ev.observations[0].path == "rl/envs"


def test_a_non_evidence_return_is_error(write, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(COLLECTORS, "config", lambda spec, ctx: True)
    item = engine.evaluate(_loaded(write, ("a",)), context(None)).items[0]
    assert item.status is Status.ERROR
    assert item.evidence[0].summary == "collector returned no evidence"


def test_results_keep_checklist_order_when_collectors_finish_out_of_order(
    write, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[str] = []
    lock = threading.Lock()

    def slow_first(spec: Any, ctx: Context) -> Evidence:
        # The first item's collector is the slowest, so completion order is reversed.
        delay = {"rl/a.yaml": 0.2, "rl/b.yaml": 0.1, "rl/c.yaml": 0.0}[spec.files[0]]
        time.sleep(delay)
        with lock:
            calls.append(spec.files[0])
        return evidence("config", Status.PASS, f"saw {spec.files[0]}")

    monkeypatch.setitem(COLLECTORS, "config", slow_first)
    text = checklist(items=("a", "b", "c"))
    for name in "abc":
        text = text.replace('files: "rl/envs/*.yaml"', f'files: "rl/{name}.yaml"', 1)
    report = engine.evaluate(loader.load(write({"c.yaml": text})), context(None), workers=3)
    assert [i.evidence[0].summary for i in report.items] == ["saw rl/a.yaml", "saw rl/b.yaml", "saw rl/c.yaml"]
    assert calls == ["rl/c.yaml", "rl/b.yaml", "rl/a.yaml"]


def test_fail_and_error_fold_to_error(write, monkeypatch: pytest.MonkeyPatch) -> None:
    outcomes = iter([Status.FAIL, Status.ERROR])

    def two(spec: Any, ctx: Context) -> Evidence:
        return evidence("config", next(outcomes), "x")

    monkeypatch.setitem(COLLECTORS, "config", two)
    text = checklist(items=("a",)).replace(
        "        assert: {not_contains: reasoning}\n",
        "        assert: {not_contains: reasoning}\n      - kind: config\n        files: b.yaml\n        query: q\n"
        "        assert: {exists: true}\n",
    )
    item = engine.evaluate(loader.load(write({"c.yaml": text})), context(None), workers=1).items[0]
    assert item.status is Status.ERROR


def test_unknown_stage_and_empty_selection_are_usage_errors(write) -> None:
    loaded = _loaded(write, ("a",))
    with pytest.raises(engine.SelectionError, match="unknown stage 'pre-lunch'"):
        engine.select_items(loaded, "pre-lunch")
    text = checklist(items=("a",)).replace("    title: Item a\n", "    title: Item a\n    stages: [pre-release]\n")
    staged = loader.load(write({"s.yaml": text}))
    with pytest.raises(engine.SelectionError, match="stage 'pre-training' selects no items"):
        engine.select_items(staged, "pre-training")


def test_pass_requires_every_evidence_entry(write, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(COLLECTORS, "config", lambda spec, ctx: evidence("config", Status.PASS, "ok"))
    report = engine.evaluate(_loaded(write, ("a", "b")), context(None))
    assert report.verdict is Verdict.PASSED
    assert [i.status for i in report.items] == [Status.PASS, Status.PASS]
    assert report.notes == []  # no item requires sign-off: nothing was left unchecked


def test_evidence_digest_changes_with_observations(write, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    seen = iter(["one", "two"])
    monkeypatch.setitem(COLLECTORS, "config", lambda spec, ctx: evidence("config", Status.PASS, next(seen)))
    loaded = _loaded(write, ("a",))
    first = engine.evaluate(loaded, context(None)).items[0].evidence_digest
    second = engine.evaluate(loaded, context(None)).items[0].evidence_digest
    assert first != second
