"""The ratchet: `gate diff`, `gate check --baseline` and `gate sign --retire`, with real git repos and SSH keys.

Every weakening and strengthening kind is classified; an owner-signed retire clears exactly the weakening it
cites; a retire by a non-owner, or by someone who made themselves owner in the same change, does not count.
"""

from __future__ import annotations

import copy
import json
import subprocess
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml

from gate import ledger, loader
from gate.cli import main
from gate.ledger import EntryBody
from gate.model import Checklist, canonical_json, sha256_hex
from gate.ratchet import Change, diff_checklists, diff_signers, include_paths
from gate.signers import parse_signers
from tests.builders import GitRepo

# ---------------------------------------------------------------------------------------------
# Classification of checklist changes (pure)

BASE: dict[str, Any] = {
    "id": "cot",
    "version": 1,
    "title": "CoT isolation",
    "description": "Keeps the reasoning trace away from graders.",
    "owner": "safety-lead",
    "release_role": "release-manager",
    "stages": ["pre-training", "pre-release"],
    "roles": {
        "safety-lead": {"description": "Owns CoT isolation"},
        "auditor": {"description": "Independent of the training team"},
        "release-manager": {"description": "Ships the model"},
    },
    "items": [
        {
            "id": "configs",
            "title": "No grader receives the reasoning trace",
            "rationale": "Incident 2026-04.",
            "severity": "major",
            "stages": ["pre-training", "pre-release"],
            "evidence": [
                {
                    "kind": "config",
                    "files": ["rl/envs/*.yaml"],
                    "query": "grader.inputs",
                    "assert": {"not_contains": "reasoning"},
                    "min_files": 2,
                    "each": "any-file",
                },
                {
                    "kind": "code.pattern",
                    "files": ["rl/**/*.py"],
                    "pattern": "cot_trace",
                    "allowlist": ["rl/cot/**", "rl/debug/**"],
                },
                {"kind": "json", "label": "leak rate", "files": ["m.json"], "query": "leak", "assert": {"le": 0.01}},
                {"kind": "json", "label": "accuracy", "files": ["m.json"], "query": "acc", "assert": {"ge": 0.9}},
                {"kind": "junit", "files": ["junit/*.xml"], "min_count": 5},
                {"kind": "canary", "files": ["logs/*.log"], "canaries_file": "canaries.txt", "min_bytes": 100},
            ],
            "signoff": [{"role": "safety-lead", "count": 2}, {"role": "auditor"}],
            "waiver": {"roles": ["safety-lead", "auditor"], "max_days": 14},
            "examples": [{"fixture": "examples/leaky", "expect": "fail"}],
        },
        {
            "id": "reviewed",
            "title": "Reward changes were reviewed",
            "evidence": [
                {
                    "kind": "git.trailers",
                    "paths": ["rl/reward/**"],
                    "range": "v1..HEAD",
                    "require": ["Reviewed-by"],
                    "min_commits": 1,
                }
            ],
            "signoff": [{"role": "auditor", "count": 1, "independent_of": "authors"}],
        },
    ],
}

Mutation = Callable[[dict[str, Any]], None]


def item(data: dict[str, Any], item_id: str = "configs") -> dict[str, Any]:
    return next(i for i in data["items"] if i["id"] == item_id)


def ev(data: dict[str, Any], index: int, item_id: str = "configs") -> dict[str, Any]:
    result: dict[str, Any] = item(data, item_id)["evidence"][index]
    return result


def diff(mutate: Mutation) -> list[Change]:
    head = copy.deepcopy(BASE)
    mutate(head)
    return diff_checklists(Checklist.model_validate(BASE), Checklist.model_validate(head))


def set_(path: Callable[[dict[str, Any]], dict[str, Any]], key: str, value: Any) -> Mutation:
    def mutate(data: dict[str, Any]) -> None:
        path(data)[key] = value

    return mutate


def pop(path: Callable[[dict[str, Any]], Any], key: str | int) -> Mutation:
    def mutate(data: dict[str, Any]) -> None:
        path(data).pop(key)

    return mutate


def append(path: Callable[[dict[str, Any]], list[Any]], value: Any) -> Mutation:
    def mutate(data: dict[str, Any]) -> None:
        path(data).append(value)

    return mutate


def remove_item(data: dict[str, Any]) -> None:
    data["items"] = [i for i in data["items"] if i["id"] != "reviewed"]


def undeclare_stage(data: dict[str, Any]) -> None:
    data["stages"] = ["pre-training"]
    item(data)["stages"] = ["pre-training"]


NEW_ITEM = {"id": "new", "title": "New", "evidence": [{"kind": "git.file", "path": "SECURITY.md"}]}

WEAKENINGS: dict[str, tuple[Mutation, str, str | None, str]] = {
    # name: (mutation, kind, item, path)
    "item removed": (remove_item, "item-removed", "reviewed", ""),
    "evidence removed": (pop(lambda d: item(d)["evidence"], 1), "evidence-removed", "configs", "evidence[1]"),
    "stage removed from an item": (
        set_(item, "stages", ["pre-training"]),
        "stage-removed",
        "configs",
        "stages",
    ),
    "item limited to stages": (
        set_(lambda d: item(d, "reviewed"), "stages", ["pre-release"]),
        "stages-narrowed",
        "reviewed",
        "stages",
    ),
    "severity lowered": (set_(item, "severity", "minor"), "severity-lowered", "configs", "severity"),
    "min_files lowered": (
        set_(lambda d: ev(d, 0), "min_files", 1),
        "threshold-lowered",
        "configs",
        "evidence[0].min_files",
    ),
    "min_count lowered": (
        set_(lambda d: ev(d, 4), "min_count", 1),
        "threshold-lowered",
        "configs",
        "evidence[4].min_count",
    ),
    "min_commits lowered": (
        set_(lambda d: ev(d, 0, "reviewed"), "min_commits", 0),
        "threshold-lowered",
        "reviewed",
        "evidence[0].min_commits",
    ),
    "min_bytes lowered": (
        set_(lambda d: ev(d, 5), "min_bytes", 10),
        "threshold-lowered",
        "configs",
        "evidence[5].min_bytes",
    ),
    "ge lowered": (set_(lambda d: ev(d, 3), "assert", {"ge": 0.8}), "assert-changed", "configs", "evidence[3].assert"),
    "le raised": (set_(lambda d: ev(d, 2), "assert", {"le": 0.05}), "assert-changed", "configs", "evidence[2].assert"),
    "assert operator changed": (
        set_(lambda d: ev(d, 0), "assert", {"not_equals": "reasoning"}),
        "assert-changed",
        "configs",
        "evidence[0].assert",
    ),
    "allowlist entry added": (
        append(lambda d: ev(d, 1)["allowlist"], "rl/grader/**"),
        "entry-added",
        "configs",
        "evidence[1].allowlist",
    ),
    "query changed": (
        set_(lambda d: ev(d, 0), "query", "grader.input"),
        "evidence-changed",
        "configs",
        "evidence[0].query",
    ),
    "pattern changed": (
        set_(lambda d: ev(d, 1), "pattern", "cot_trace_v2"),
        "evidence-changed",
        "configs",
        "evidence[1].pattern",
    ),
    "files changed": (
        set_(lambda d: ev(d, 0), "files", ["rl/envs/math.yaml"]),
        "evidence-changed",
        "configs",
        "evidence[0].files",
    ),
    "each loosened": (
        set_(lambda d: ev(d, 0), "each", "no-file"),
        "evidence-weakened",
        "configs",
        "evidence[0].each",
    ),
    "skipped tests allowed": (
        set_(lambda d: ev(d, 4), "allow_skipped", True),
        "evidence-weakened",
        "configs",
        "evidence[4].allow_skipped",
    ),
    "required trailer dropped": (
        set_(lambda d: ev(d, 0, "reviewed"), "require", []),
        "entry-removed",
        "reviewed",
        "evidence[0].require",
    ),
    "quorum lowered": (
        set_(lambda d: item(d)["signoff"][0], "count", 1),
        "quorum-lowered",
        "configs",
        "signoff[safety-lead].count",
    ),
    "sign-off requirement removed": (
        pop(lambda d: item(d)["signoff"], 1),
        "signoff-removed",
        "configs",
        "signoff[auditor]",
    ),
    "independence removed": (
        pop(lambda d: item(d, "reviewed")["signoff"][0], "independent_of"),
        "independence-removed",
        "reviewed",
        "signoff[auditor].independent_of",
    ),
    "waiver max_days raised": (
        set_(lambda d: item(d)["waiver"], "max_days", 30),
        "waiver-days-raised",
        "configs",
        "waiver.max_days",
    ),
    "waiver policy added": (
        set_(lambda d: item(d, "reviewed"), "waiver", {"roles": ["auditor"], "max_days": 7}),
        "waiver-added",
        "reviewed",
        "waiver",
    ),
    "waiver role added": (
        append(lambda d: item(d)["waiver"]["roles"], "release-manager"),
        "waiver-role-added",
        "configs",
        "waiver.roles",
    ),
    "owner changed": (set_(lambda d: d, "owner", "auditor"), "owner-changed", None, "owner"),
    "release_role changed": (
        set_(lambda d: d, "release_role", "auditor"),
        "release-role-changed",
        None,
        "release_role",
    ),
    "checklist id changed": (set_(lambda d: d, "id", "cot2"), "id-changed", None, "id"),
    "stage no longer declared": (undeclare_stage, "stage-undeclared", None, "stages"),
}


@pytest.mark.parametrize("name", sorted(WEAKENINGS))
def test_each_weakening_kind_is_a_weakening(name: str) -> None:
    mutate, kind, item_id, path = WEAKENINGS[name]
    changes = diff(mutate)
    weak = [(c.kind, c.item, c.path) for c in changes if c.effect == "weakening"]
    assert (kind, item_id, path) in weak, [(c.effect, c.kind, c.item, c.path) for c in changes]
    assert not [c for c in changes if c.effect == "strengthening"]


STRENGTHENINGS: dict[str, tuple[Mutation, str, str | None, str]] = {
    "item added": (append(lambda d: d["items"], NEW_ITEM), "item-added", "new", ""),
    "evidence added": (
        append(lambda d: item(d, "reviewed")["evidence"], {"kind": "git.file", "path": "SECURITY.md"}),
        "evidence-added",
        "reviewed",
        "evidence[1]",
    ),
    "item runs in every stage": (pop(item, "stages"), "stages-widened", "configs", "stages"),
    "severity raised": (set_(item, "severity", "blocker"), "severity-raised", "configs", "severity"),
    "min_files raised": (
        set_(lambda d: ev(d, 0), "min_files", 3),
        "threshold-raised",
        "configs",
        "evidence[0].min_files",
    ),
    "min_count raised": (
        set_(lambda d: ev(d, 4), "min_count", 10),
        "threshold-raised",
        "configs",
        "evidence[4].min_count",
    ),
    "min_commits raised": (
        set_(lambda d: ev(d, 0, "reviewed"), "min_commits", 2),
        "threshold-raised",
        "reviewed",
        "evidence[0].min_commits",
    ),
    "min_bytes raised": (
        set_(lambda d: ev(d, 5), "min_bytes", 1000),
        "threshold-raised",
        "configs",
        "evidence[5].min_bytes",
    ),
    "ge raised": (
        set_(lambda d: ev(d, 3), "assert", {"ge": 0.95}),
        "threshold-raised",
        "configs",
        "evidence[3].assert",
    ),
    "ge turned into gt at the same bound": (
        set_(lambda d: ev(d, 3), "assert", {"gt": 0.9}),
        "threshold-raised",
        "configs",
        "evidence[3].assert",
    ),
    "le lowered": (
        set_(lambda d: ev(d, 2), "assert", {"le": 0.001}),
        "threshold-lowered",
        "configs",
        "evidence[2].assert",
    ),
    "allowlist entry removed": (
        pop(lambda d: ev(d, 1)["allowlist"], 1),
        "entry-removed",
        "configs",
        "evidence[1].allowlist",
    ),
    "required trailer added": (
        append(lambda d: ev(d, 0, "reviewed")["require"], "Tested-by"),
        "entry-added",
        "reviewed",
        "evidence[0].require",
    ),
    "each tightened": (
        set_(lambda d: ev(d, 0), "each", "file"),
        "evidence-strengthened",
        "configs",
        "evidence[0].each",
    ),
    "quorum raised": (
        set_(lambda d: item(d)["signoff"][1], "count", 2),
        "quorum-raised",
        "configs",
        "signoff[auditor].count",
    ),
    "sign-off requirement added": (
        append(lambda d: item(d, "reviewed")["signoff"], {"role": "safety-lead"}),
        "signoff-added",
        "reviewed",
        "signoff[safety-lead]",
    ),
    "independence added": (
        set_(lambda d: item(d)["signoff"][1], "independent_of", "authors"),
        "independence-added",
        "configs",
        "signoff[auditor].independent_of",
    ),
    "waiver max_days lowered": (
        set_(lambda d: item(d)["waiver"], "max_days", 7),
        "waiver-days-lowered",
        "configs",
        "waiver.max_days",
    ),
    "waiver removed": (pop(item, "waiver"), "waiver-removed", "configs", "waiver"),
    "waiver role removed": (
        pop(lambda d: item(d)["waiver"]["roles"], 1),
        "waiver-role-removed",
        "configs",
        "waiver.roles",
    ),
}


@pytest.mark.parametrize("name", sorted(STRENGTHENINGS))
def test_each_strengthening_kind_is_a_strengthening(name: str) -> None:
    mutate, kind, item_id, path = STRENGTHENINGS[name]
    changes = diff(mutate)
    assert [(c.effect, c.kind, c.item, c.path) for c in changes] == [("strengthening", kind, item_id, path)]


def test_adding_a_stage_to_an_item_is_a_strengthening() -> None:
    base = copy.deepcopy(BASE)
    item(base)["stages"] = ["pre-training"]
    changes = diff_checklists(Checklist.model_validate(base), Checklist.model_validate(BASE))
    assert [(c.effect, c.kind, c.base, c.head) for c in changes] == [
        ("strengthening", "stage-added", None, "pre-release")
    ]


def test_removing_a_stage_from_an_item_means_it_no_longer_runs_there() -> None:
    (change,) = diff(set_(item, "stages", ["pre-release"]))
    assert (change.effect, change.message) == ("weakening", "no longer runs in stage 'pre-training'")


@pytest.mark.parametrize(
    ("mutate", "kind"),
    [
        (set_(item, "title", "Graders never see the trace"), "title-changed"),
        (set_(item, "rationale", "Incident 2026-04 and 2026-06."), "rationale-changed"),
        (set_(lambda d: d, "description", "Another description."), "description-changed"),
        (set_(lambda d: d, "title", "Chain-of-thought isolation"), "title-changed"),
        (set_(lambda d: d, "version", 2), "version-changed"),
        (set_(item, "examples", [{"fixture": "examples/clean", "expect": "pass"}]), "examples-changed"),
        (set_(lambda d: ev(d, 2), "label", "leak"), "label-changed"),
    ],
)
def test_neutral_edits_are_neither(mutate: Mutation, kind: str) -> None:
    assert [(c.effect, c.kind) for c in diff(mutate)] == [("neutral", kind)]


def test_reordering_evidence_and_items_changes_nothing() -> None:
    def reorder(data: dict[str, Any]) -> None:
        data["items"].reverse()
        item(data)["evidence"].reverse()

    assert diff(reorder) == []


def test_a_change_and_a_compensating_strengthening_still_list_the_weakening() -> None:
    def mutate(data: dict[str, Any]) -> None:
        item(data)["severity"] = "blocker"
        ev(data, 0)["query"] = "grader.visible_inputs"

    changes = diff(mutate)
    assert [(c.effect, c.kind) for c in changes] == [
        ("weakening", "evidence-changed"),
        ("strengthening", "severity-raised"),
    ]


def test_fingerprint_is_sha256_of_the_canonical_change_and_stable() -> None:
    (change,) = diff(set_(item, "severity", "minor"))
    expected = sha256_hex(
        canonical_json(
            {"kind": "severity-lowered", "item": "configs", "path": "severity", "base": "major", "head": "minor"}
        )
    )[:16]
    assert change.fingerprint == expected
    assert diff(set_(item, "severity", "minor"))[0].fingerprint == expected
    (other,) = diff(set_(item, "severity", "blocker"))
    assert other.fingerprint != expected


def test_dropping_an_include_is_a_weakening(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    common = yaml.safe_dump({**BASE, "id": "common", "items": [NEW_ITEM]})
    top = {**BASE, "include": ["common.yaml"]}
    (tmp_path / "common.yaml").write_text(common)
    (tmp_path / "base.yaml").write_text(yaml.safe_dump(top))
    (tmp_path / "head.yaml").write_text(yaml.safe_dump(BASE))
    base, head = loader.load(tmp_path / "base.yaml"), loader.load(tmp_path / "head.yaml")
    assert include_paths(base) == ["common.yaml"]
    changes = diff_checklists(
        base.checklist, head.checklist, base_includes=include_paths(base), head_includes=include_paths(head)
    )
    assert [(c.effect, c.kind, c.item) for c in changes] == [
        ("weakening", "include-removed", None),
        ("weakening", "item-removed", "new"),
    ]


# ---------------------------------------------------------------------------------------------
# Classification of signers changes (pure)

KEY_A = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIEMH8AnkNufM93+A70oeeJSnkvif+kgQci9WpCnWNrZ3 alice@laptop"
KEY_B = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJXRRMcMWPPpdu5txWEdJtjK6PPTLH4a4OL01twW6LG0 bob@x"
KEY_C = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIPWrlljZj6FgppinZ5ClA81pZt+t/4yvbje34UvoNKYk carol@desk"
KEY_D = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAILDh5UasFNiZxVku816oNe09iA7BpkIW0XZ4OjGwZX9u dave@x"
FP_A = "SHA256:LsWjylCYw789/YF7+WTboL1fiLo8SQ+raXeQ+FcGwF4"
FP_C = "SHA256:oRamHgsXPDcBrw5XQEBdkCvtz9uJWHNNUFkbkxHMzmw"
FP_D = "SHA256:7ecLLDPnm1/ySjkReTxmaCnwW5nl83D/jLnnihgOzyo"

SIGNERS: dict[str, Any] = {
    "version": 1,
    "signers": {
        "alice": {
            "name": "Alice",
            "emails": ["alice@example.com"],
            "roles": ["safety-lead"],
            "keys": [{"key": KEY_A, "valid_after": "2026-01-01", "valid_before": "2027-01-01"}],
        },
        "bob": {
            "name": "Bob",
            "emails": ["bob@example.com"],
            "roles": ["auditor"],
            "keys": [{"key": KEY_B}, {"key": KEY_C}],
        },
    },
}


def signers_diff(mutate: Mutation) -> list[tuple[str, str, str | None, str]]:
    head = copy.deepcopy(SIGNERS)
    mutate(head)
    base_s = parse_signers(yaml.safe_dump(SIGNERS).encode(), "base")
    head_s = parse_signers(yaml.safe_dump(head).encode(), "head")
    return [(c.effect, c.kind, c.item, c.path) for c in diff_signers(base_s, head_s)]


def alice(data: dict[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = data["signers"]["alice"]
    return result


def alice_key(data: dict[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = alice(data)["keys"][0]
    return result


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        (
            append(lambda d: alice(d)["keys"], {"key": KEY_D}),
            ("weakening", "signers.key-added", "alice", f"keys[{FP_D}]"),
        ),
        (
            set_(lambda d: d["signers"], "dave", {"name": "D", "emails": ["d@x.org"], "keys": [{"key": KEY_D}]}),
            ("weakening", "signers.identity-added", "dave", ""),
        ),
        (append(lambda d: alice(d)["roles"], "auditor"), ("weakening", "signers.role-added", "alice", "roles")),
        (
            set_(alice_key, "valid_after", "2025-01-01"),
            ("weakening", "signers.key-window-weakened", "alice", f"keys[{FP_A}].valid_after"),
        ),
        (
            pop(alice_key, "valid_after"),
            ("weakening", "signers.key-window-weakened", "alice", f"keys[{FP_A}].valid_after"),
        ),
        (
            set_(alice_key, "valid_before", "2028-01-01"),
            ("weakening", "signers.key-window-weakened", "alice", f"keys[{FP_A}].valid_before"),
        ),
        (
            pop(alice_key, "valid_before"),
            ("weakening", "signers.key-window-weakened", "alice", f"keys[{FP_A}].valid_before"),
        ),
        (append(lambda d: alice(d)["emails"], "a@home.org"), ("weakening", "signers.email-added", "alice", "emails")),
        # An email removed makes its owner look independent of the commits made with it.
        (
            set_(alice, "emails", ["alice@lab.org"]),
            ("weakening", "signers.email-removed", "alice", "emails"),
        ),
    ],
)
def test_signers_weakenings(mutate: Mutation, expected: tuple[str, str, str | None, str]) -> None:
    assert expected in signers_diff(mutate)


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        (pop(lambda d: d["signers"], "bob"), ("strengthening", "signers.identity-removed", "bob", "")),
        (set_(alice, "roles", []), ("strengthening", "signers.role-removed", "alice", "roles")),
        (
            pop(lambda d: d["signers"]["bob"]["keys"], 1),
            ("strengthening", "signers.key-removed", "bob", f"keys[{FP_C}]"),
        ),
        (
            set_(alice_key, "valid_before", "2026-06-01"),
            ("strengthening", "signers.key-window-strengthened", "alice", f"keys[{FP_A}].valid_before"),
        ),
        (
            set_(alice_key, "valid_after", "2026-02-01"),
            ("strengthening", "signers.key-window-strengthened", "alice", f"keys[{FP_A}].valid_after"),
        ),
        (set_(alice, "name", "Alice Chen"), ("neutral", "signers.name-changed", "alice", "name")),
    ],
)
def test_signers_removals_strengthen(mutate: Mutation, expected: tuple[str, str, str | None, str]) -> None:
    assert signers_diff(mutate) == [expected]


def test_a_key_comment_change_is_no_change() -> None:
    assert signers_diff(set_(alice_key, "key", KEY_A.replace("alice@laptop", "alice@desktop"))) == []


# ---------------------------------------------------------------------------------------------
# `gate diff`, `gate check --baseline`, `gate sign --retire` on real repositories with real keys

PEOPLE = {
    # identity: (email, roles)
    "alice": ("alice@example.com", ["safety-lead"]),
    "bob": ("bob@example.com", ["auditor"]),
    "carol": ("carol@example.com", ["release-manager"]),
    "mallory": ("mallory@example.com", ["auditor"]),
}
CHECKLIST = """\
id: cot
version: 1
title: CoT isolation
owner: safety-lead
release_role: release-manager
roles:
  safety-lead: {description: Owns CoT isolation}
  auditor: {description: Independent of the training team}
  release-manager: {description: Ships the model}
items:
  - id: configs
    title: No grader receives the reasoning trace
    severity: blocker
    evidence:
      - {kind: config, files: "rl/envs/*.yaml", query: grader.inputs, assert: {not_contains: reasoning}}
  - id: docs
    title: The isolation design is written down
    evidence:
      - {kind: git.file, path: docs/isolation.md}
"""
ENV = "grader:\n  inputs: [prompt, answer]\n"


@pytest.fixture(scope="session")
def keys(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("ratchet-keys")
    out = {}
    for name in [*PEOPLE, "spare"]:
        path = folder / name
        subprocess.run(["ssh-keygen", "-t", "ed25519", "-N", "", "-q", "-C", name, "-f", str(path)], check=True)
        out[name] = path
    return out


def signers_yaml(
    keys: dict[str, Path],
    *,
    roles: dict[str, list[str]] | None = None,
    extra_keys: dict[str, list[str]] | None = None,
    window: dict[str, str] | None = None,
) -> str:
    lines = ["version: 1", "signers:"]
    for name, (email, held) in PEOPLE.items():
        pub = keys[name].with_suffix(".pub").read_text().strip()
        lines += [
            f"  {name}:",
            f"    name: {name.title()}",
            f"    emails: [{email}]",
            f"    roles: [{', '.join(held + (roles or {}).get(name, []))}]",
            "    keys:",
            f"      - key: {pub}",
        ]
        if window and name in window:
            lines.append(f"        valid_before: {window[name]}")
        for extra in (extra_keys or {}).get(name, []):
            lines.append(f"      - key: {keys[extra].with_suffix('.pub').read_text().strip()}")
    return "\n".join(lines) + "\n"


class Project:
    def __init__(self, repo: GitRepo, keys: dict[str, Path]) -> None:
        self.repo = repo
        self.keys = keys

    @property
    def checklist(self) -> str:
        return str(self.repo.path / "gate/cot.yaml")

    def change(self, files: dict[str, str | bytes | None], message: str = "change") -> None:
        self.repo.commit(files, message, author="mallory")

    def check(self, *args: str) -> int:
        return main(
            [
                "check",
                "--checklist",
                self.checklist,
                "--repo",
                str(self.repo.path),
                "--release",
                "r1",
                "--baseline",
                "v1",
                *args,
            ]
        )

    def report(self, tmp: Path) -> tuple[int, dict[str, Any]]:
        out = tmp / "report.json"
        code = self.check("--format", f"json={out}")
        data: dict[str, Any] = json.loads(out.read_text())
        return code, data

    def retire(self, who: str, fingerprint: str, *args: str) -> int:
        return main(
            [
                "sign",
                "--release",
                "r1",
                "--checklist",
                self.checklist,
                "--repo",
                str(self.repo.path),
                "--key",
                str(self.keys[who]),
                "--retire",
                fingerprint,
                "--baseline",
                "v1",
                "--comment",
                f"{who} consents",
                *args,
            ]
        )

    def forge_retire(self, who: str, fingerprint: str) -> None:
        """A retire entry written with the signer's own key, bypassing `gate sign`'s refusals."""
        body = EntryBody.model_validate(
            {
                "decision": "retire",
                "release": "r1",
                "checklist_id": "cot",
                "checklist_digest": loader.load(Path(self.checklist)).digest,
                "signer": who,
                "key": _fingerprint(self.keys[who]),
                "signed_at": datetime.now(UTC).replace(microsecond=0),
                "comment": "approving my own change",
                "fingerprint": fingerprint,
            }
        )
        ledger.write_entry(self.repo.path, body, ledger.sign_entry(body, key_file=self.keys[who]))


def _fingerprint(key: Path) -> str:
    out = subprocess.run(["ssh-keygen", "-lf", f"{key}.pub"], capture_output=True, check=True, text=True).stdout
    return out.split()[1]


@pytest.fixture
def project(git_repo: Callable[[], GitRepo], keys: dict[str, Path]) -> Project:
    repo = git_repo()
    repo.commit(
        {
            "gate/cot.yaml": CHECKLIST,
            ".gate/signers.yaml": signers_yaml(keys),
            "rl/envs/math.yaml": ENV,
            "docs/isolation.md": "# design\n",
        },
        "init",
        author="alice",
    )
    repo.tag("v1")
    return Project(repo, keys)


def weakening_lines(out: str) -> list[str]:
    return [line for line in out.splitlines() if line.startswith(("  WEAKENED", "  RETIRED"))]


def test_check_against_an_unchanged_baseline_passes(project: Project, tmp_path: Path) -> None:
    code, data = project.report(tmp_path)
    assert code == 0
    baseline = data["baseline"]
    assert (baseline["ref"], baseline["commit"], baseline["checklist_path"]) == (
        "v1",
        project.repo.shas[0],
        "gate/cot.yaml",
    )
    assert baseline["weakenings"] == [] and baseline["retires"] == []
    assert baseline["owner"] == "safety-lead"
    assert baseline["checklist_digest"] == data["checklist"]["digest"]


def test_a_neutral_title_edit_passes(project: Project, capsys: pytest.CaptureFixture[str]) -> None:
    project.change({"gate/cot.yaml": CHECKLIST.replace("title: CoT isolation", "title: Chain-of-thought isolation")})
    assert project.check() == 0
    out = capsys.readouterr().out
    assert "note: baseline v1 (" in out and "): 0 weakenings, 0 retired by 'safety-lead'" in out


def test_removing_an_item_blocks_until_the_owner_retires_it(
    project: Project, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project.change({"gate/cot.yaml": CHECKLIST.split("  - id: docs")[0]})
    code, data = project.report(tmp_path)
    assert code == 1
    (weak,) = data["baseline"]["weakenings"]
    assert (weak["kind"], weak["item"], weak["subject"], weak["retired"]) == (
        "item-removed",
        "docs",
        "checklist",
        False,
    )
    fp = weak["fingerprint"]
    assert data["verdict"] == "blocked"

    assert project.check() == 1
    out = capsys.readouterr().out
    assert weakening_lines(out) == [f"  WEAKENED {fp}  checklist: docs: item 'docs' removed"]
    assert "  fix: revert the weakening, or get a holder of 'safety-lead' (per the baseline) to sign" in out
    assert out.rstrip().splitlines()[-1].startswith("BLOCKED: 0 of 1 items fail, 1 weakening not retired (")

    assert project.retire("alice", fp) == 0
    err = capsys.readouterr().err
    assert (
        f"gate: alice signed retire of weakening {fp} as 'safety-lead' (the owner role at v1): .gate/signoffs/r1/"
        in err
    )
    code, data = project.report(tmp_path)
    assert code == 0
    (weak,) = data["baseline"]["weakenings"]
    (retire,) = data["baseline"]["retires"]
    assert weak["retired"] is True and weak["retired_by"] == retire["id"]
    assert (retire["signer"], retire["fingerprint"], retire["counted"]) == ("alice", fp, True)
    assert project.check() == 0
    assert weakening_lines(capsys.readouterr().out) == [
        f"  RETIRED  {fp}  checklist: docs: item 'docs' removed (retired by {retire['id'][:12]})"
    ]


def test_a_retire_clears_exactly_the_cited_weakening(project: Project, tmp_path: Path) -> None:
    weaker = CHECKLIST.split("  - id: docs")[0].replace("severity: blocker", "severity: minor")
    project.change({"gate/cot.yaml": weaker})
    code, data = project.report(tmp_path)
    assert code == 1
    kinds = {w["kind"]: w["fingerprint"] for w in data["baseline"]["weakenings"]}
    assert set(kinds) == {"item-removed", "severity-lowered"}

    assert project.retire("alice", kinds["severity-lowered"]) == 0
    code, data = project.report(tmp_path)
    assert code == 1
    assert {w["kind"]: w["retired"] for w in data["baseline"]["weakenings"]} == {
        "item-removed": False,
        "severity-lowered": True,
    }
    assert project.retire("alice", kinds["item-removed"]) == 0
    assert project.report(tmp_path)[0] == 0


def test_a_retire_is_bound_to_the_checklist_it_was_signed_for(project: Project, tmp_path: Path) -> None:
    project.change({"gate/cot.yaml": CHECKLIST.split("  - id: docs")[0]})
    fp = project.report(tmp_path)[1]["baseline"]["weakenings"][0]["fingerprint"]
    assert project.retire("alice", fp) == 0
    assert project.report(tmp_path)[0] == 0
    # Another edit after the consent, even a neutral one, changes the checklist the owner agreed to.
    project.change({"gate/cot.yaml": CHECKLIST.split("  - id: docs")[0].replace("version: 1", "version: 2")})
    code, data = project.report(tmp_path)
    assert code == 1
    (retire,) = data["baseline"]["retires"]
    assert (retire["counted"], retire["reason"]) == (False, "stale: signed for another version of the checklist")


def test_a_revoked_retire_does_not_count(project: Project, tmp_path: Path) -> None:
    project.change({"gate/cot.yaml": CHECKLIST.split("  - id: docs")[0]})
    fp = project.report(tmp_path)[1]["baseline"]["weakenings"][0]["fingerprint"]
    assert project.retire("alice", fp) == 0
    retire_id = project.report(tmp_path)[1]["baseline"]["retires"][0]["id"]
    assert (
        main(
            [
                "sign",
                "--release",
                "r1",
                "--checklist",
                project.checklist,
                "--repo",
                str(project.repo.path),
                "--key",
                str(project.keys["alice"]),
                "--revoke",
                retire_id[:12],
                "--comment",
                "changed my mind",
            ]
        )
        == 0
    )
    code, data = project.report(tmp_path)
    assert code == 1
    assert data["baseline"]["retires"][0]["reason"].startswith("revoked by alice")


def test_a_non_owner_cannot_retire(project: Project, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    project.change({"gate/cot.yaml": CHECKLIST.split("  - id: docs")[0]})
    fp = project.report(tmp_path)[1]["baseline"]["weakenings"][0]["fingerprint"]
    capsys.readouterr()
    assert project.retire("bob", fp) == 1
    assert capsys.readouterr().err == (
        "gate: error: bob does not hold 'safety-lead' in the baseline's signers list (v1:.gate/signers.yaml): only a "
        "holder of the baseline's owner role may retire a weakening\n"
    )
    assert not (project.repo.path / ".gate/signoffs/r1").exists()
    # A retire entry bob signs anyway (validly, with his own key) is read and ignored.
    project.forge_retire("bob", fp)
    code, data = project.report(tmp_path)
    assert code == 1
    (retire,) = data["baseline"]["retires"]
    assert (retire["counted"], retire["reason"]) == (
        False,
        "bob does not hold 'safety-lead' (the baseline's owner role) in the baseline's signers list",
    )
    assert data["baseline"]["weakenings"][0]["retired"] is False


def test_making_yourself_owner_in_the_same_change_does_not_approve_it(
    project: Project, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # mallory removes an item and gives herself the owner role in the same change.
    project.change(
        {
            "gate/cot.yaml": CHECKLIST.split("  - id: docs")[0],
            ".gate/signers.yaml": signers_yaml(project.keys, roles={"mallory": ["safety-lead"]}),
        }
    )
    code, data = project.report(tmp_path)
    assert code == 1
    kinds = {w["kind"]: w for w in data["baseline"]["weakenings"]}
    assert set(kinds) == {"item-removed", "signers.role-added"}
    assert (kinds["signers.role-added"]["item"], kinds["signers.role-added"]["head"]) == ("mallory", "safety-lead")
    capsys.readouterr()
    for weak in kinds.values():
        assert project.retire("mallory", weak["fingerprint"]) == 1
        assert "mallory does not hold 'safety-lead' in the baseline's signers list" in capsys.readouterr().err
        project.forge_retire("mallory", weak["fingerprint"])  # verifies against the release's signers list
    code, data = project.report(tmp_path)
    assert code == 1
    assert [w["retired"] for w in data["baseline"]["weakenings"]] == [False, False]
    assert {r["reason"] for r in data["baseline"]["retires"]} == {
        "mallory does not hold 'safety-lead' (the baseline's owner role) in the baseline's signers list"
    }
    # The baseline's owner can still consent to both.
    for weak in kinds.values():
        assert project.retire("alice", weak["fingerprint"]) == 0
    assert project.report(tmp_path)[0] == 0


def test_changing_the_owner_to_your_own_role_does_not_approve_it(
    project: Project, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project.change({"gate/cot.yaml": CHECKLIST.replace("owner: safety-lead", "owner: auditor")})
    code, data = project.report(tmp_path)
    assert code == 1
    (weak,) = data["baseline"]["weakenings"]
    assert (weak["kind"], weak["base"], weak["head"]) == ("owner-changed", "safety-lead", "auditor")
    assert project.retire("mallory", weak["fingerprint"]) == 1
    assert "mallory does not hold 'safety-lead' in the baseline's signers list" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("signers", "kind"),
    [
        ({"extra_keys": {"bob": ["spare"]}}, "signers.key-added"),
        ({"roles": {"bob": ["safety-lead"]}}, "signers.role-added"),
    ],
)
def test_signers_changes_are_checked_against_the_baseline(
    project: Project, tmp_path: Path, keys: dict[str, Path], signers: dict[str, Any], kind: str
) -> None:
    project.change({".gate/signers.yaml": signers_yaml(keys, **signers)})
    code, data = project.report(tmp_path)
    assert code == 1
    (weak,) = data["baseline"]["weakenings"]
    assert (weak["subject"], weak["kind"], weak["item"], weak["retired"]) == ("signers", kind, "bob", False)


def test_a_widened_key_window_is_caught(project: Project, tmp_path: Path, keys: dict[str, Path]) -> None:
    # The baseline gives alice's key a window; the change extends it.
    project.change({".gate/signers.yaml": signers_yaml(keys, window={"alice": "2999-01-01"})})
    project.repo.tag("v2")
    project.change({".gate/signers.yaml": signers_yaml(keys, window={"alice": "2999-06-01"})})
    out = tmp_path / "r.json"
    assert (
        main(
            [
                "check",
                "--checklist",
                project.checklist,
                "--repo",
                str(project.repo.path),
                "--release",
                "r1",
                "--baseline",
                "v2",
                "--format",
                f"json={out}",
            ]
        )
        == 1
    )
    (weak,) = json.loads(out.read_text())["baseline"]["weakenings"]
    assert (weak["kind"], weak["item"], weak["base"], weak["head"]) == (
        "signers.key-window-weakened",
        "alice",
        "2999-01-01T00:00:00Z",
        "2999-06-01T00:00:00Z",
    )


def test_gate_diff_between_a_ref_and_the_work_tree(project: Project, capsys: pytest.CaptureFixture[str]) -> None:
    project.repo.write(
        {
            "gate/cot.yaml": CHECKLIST.split("  - id: docs")[0]
            .replace("title: CoT isolation", "title: CoT")
            .replace("    severity: blocker\n", "    severity: blocker\n    stages: [pre-training]\n")
            .replace("items:", "stages: [pre-training]\nitems:")
        }
    )
    code = main(["diff", "--repo", str(project.repo.path), "v1:gate/cot.yaml", project.checklist])
    out, err = capsys.readouterr()
    assert code == 1
    fps = diff_fingerprints(project)
    assert out.splitlines() == [
        f"weakening      {fps['stages-narrowed']}  items[configs].stages: ran in every stage, now only in pre-training",
        f"weakening      {fps['item-removed']}  items[docs]: item 'docs' removed",
        "neutral                          stages: stage 'pre-training' declared",
        "neutral                          title: title changed",
    ]
    assert err.splitlines()[0] == (
        f"gate: 2 weakenings, 0 strengthenings, 2 neutral changes from v1:gate/cot.yaml to {project.checklist}"
    )


def diff_fingerprints(project: Project) -> dict[str, str]:
    base = loader.load_at(project.repo.path, project.repo.shas[0], "gate/cot.yaml")
    head = loader.load(Path(project.checklist))
    return {c.kind: c.fingerprint for c in diff_checklists(base.checklist, head.checklist)}


def test_gate_diff_prints_the_fingerprint_sign_accepts(project: Project, capsys: pytest.CaptureFixture[str]) -> None:
    project.change({"gate/cot.yaml": CHECKLIST.split("  - id: docs")[0]})
    assert main(["diff", "--repo", str(project.repo.path), "v1:gate/cot.yaml", "HEAD:gate/cot.yaml"]) == 1
    fp = capsys.readouterr().out.split()[1]
    assert project.retire("alice", fp) == 0
    assert project.check() == 0


def test_gate_diff_json_and_no_weakening(project: Project, capsys: pytest.CaptureFixture[str]) -> None:
    project.change({"gate/cot.yaml": CHECKLIST.replace("severity: blocker", "severity: blocker\n    rationale: why")})
    args = ["diff", "--repo", str(project.repo.path), "--format", "json", "v1:gate/cot.yaml", "HEAD:gate/cot.yaml"]
    assert main(args) == 0
    (change,) = json.loads(capsys.readouterr().out)
    assert (change["effect"], change["kind"], change["where"]) == (
        "neutral",
        "rationale-changed",
        "items[configs].rationale",
    )


def test_gate_diff_signers(project: Project, keys: dict[str, Path], capsys: pytest.CaptureFixture[str]) -> None:
    project.change({".gate/signers.yaml": signers_yaml(keys, roles={"mallory": ["safety-lead"]})})
    repo = str(project.repo.path)
    assert main(["diff", "--signers", "--repo", repo, "v1:.gate/signers.yaml", "HEAD:.gate/signers.yaml"]) == 1
    (line,) = capsys.readouterr().out.splitlines()
    assert line.startswith("weakening      ") and line.endswith(
        "  signers.mallory.roles: mallory now holds 'safety-lead'"
    )
    assert main(["diff", "--signers", "--repo", repo, "HEAD:.gate/signers.yaml", "v1:.gate/signers.yaml"]) == 0
    assert capsys.readouterr().out.split()[0] == "strengthening"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["missing.yaml", "also-missing.yaml"], "gate: error: no such file 'missing.yaml'"),
        (["nope:gate/cot.yaml", "v1:gate/cot.yaml"], "gate: error: 'nope' does not name a commit in"),
        (["v1:gate/none.yaml", "v1:gate/cot.yaml"], "checklist not found at commit"),
    ],
)
def test_gate_diff_bad_input_is_exit_2(
    project: Project, args: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["diff", "--repo", str(project.repo.path), *args]) == 2
    assert message in capsys.readouterr().err


def test_baseline_needs_a_release(project: Project, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["check", "--checklist", project.checklist, "--repo", str(project.repo.path), "--baseline", "v1"])
    assert code == 2
    assert "gate: error: --baseline needs --release ID (and no --evidence-only)" in capsys.readouterr().err


def test_baseline_without_the_checklist_is_exit_2(project: Project, capsys: pytest.CaptureFixture[str]) -> None:
    project.repo.commit({"gate/other.yaml": CHECKLIST.replace("id: cot", "id: other")}, "another")
    code = main(
        [
            "check",
            "--checklist",
            str(project.repo.path / "gate/other.yaml"),
            "--repo",
            str(project.repo.path),
            "--release",
            "r1",
            "--baseline",
            "v1",
        ]
    )
    assert code == 2
    assert "gate: error: no checklist gate/other.yaml at the baseline v1 (" in capsys.readouterr().err


FP0 = "0123456789abcdef"


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--retire", FP0, "--baseline", "v1", "--item", "configs"], "--retire names a weakening, not an item"),
        (["--retire", FP0], "gate: error: --retire needs --baseline REF"),
        (["--retire", "zz", "--baseline", "v1"], "gate: error: 'zz' is not a weakening fingerprint (16 hex digits)"),
        (["--retire", FP0, "--baseline", "v1"], f"gate: error: no weakening {FP0} between the baseline v1 and"),
    ],
)
def test_sign_retire_usage_errors(
    project: Project, extra: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    project.change({"gate/cot.yaml": CHECKLIST.split("  - id: docs")[0]})
    args = ["sign", "--release", "r1", "--checklist", project.checklist, "--repo", str(project.repo.path)]
    args += ["--key", str(project.keys["alice"]), "--comment", "ok", *extra]
    assert main(args) == 2
    assert message in capsys.readouterr().err


def test_the_attestation_records_the_baseline_and_the_retire(
    project: Project, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import base64

    project.change({"gate/cot.yaml": CHECKLIST.split("  - id: docs")[0]})
    _, data = project.report(tmp_path)
    (weak,) = data["baseline"]["weakenings"]
    assert project.retire("alice", weak["fingerprint"]) == 0
    model = tmp_path / "model.bin"
    model.write_bytes(b"weights")
    out = tmp_path / "attestation"
    argv = ["attest", "--release", "r1", "--checklist", project.checklist, "--repo", str(project.repo.path)]
    argv += ["--subject", str(model), "--out", str(out), "--key", str(project.keys["carol"]), "--baseline", "v1"]
    assert main(argv) == 0
    envelope = json.loads((out / "r1.intoto.json").read_text())
    predicate = json.loads(base64.b64decode(envelope["payload"]))["predicate"]
    assert predicate["baseline"]["ref"] == "v1"
    assert [(w["fingerprint"], w["retired"]) for w in predicate["baseline"]["weakenings"]] == [
        (weak["fingerprint"], True)
    ]
    (retired,) = predicate["retired"]
    assert (retired["entry"]["decision"], retired["entry"]["fingerprint"], retired["entry"]["signer"]) == (
        "retire",
        weak["fingerprint"],
        "alice",
    )
    assert main(["verify", str(out / "r1.intoto.json"), "--repo", str(project.repo.path)]) == 0
    # Without the retire the attestation is refused.
    folder = project.repo.path / ".gate/signoffs/r1"
    for entry in folder.glob("*.json"):
        entry.unlink()
    assert main([*argv[:-2], "--baseline", "v1", "--out", str(tmp_path / "again")]) == 1
