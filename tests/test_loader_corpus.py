"""The bad-input corpus: each malformed checklist gives exactly the expected problems, at the expected place.

tests/corpus/bad/ holds one checklist per defect, named for it; an include case finds its companion files
in tests/corpus/include/<case>/, which are not cases themselves. Inputs that cannot be committed sanely (a
FIFO, a link to /dev/zero, a file over the size cap, binary bytes) are built in tmp. Messages show paths
relative to tests/corpus, the working directory of these tests.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest

from gate import loader
from gate.errors import Problem, ProblemsError
from tests.checklist_text import checklist

CORPUS = Path(__file__).resolve().parent / "corpus"
BAD = CORPUS / "bad"

# Case (file stem in tests/corpus/bad) -> every problem, as `str(problem)`. Where the hints matter, the
# list also holds them, as `gate lint` prints them ("  hint: ..." after their problem), and they are checked.
EXPECTED: dict[str, list[str]] = {
    "absolute-path-in-files": [
        (
            "bad/absolute-path-in-files.yaml:16:16: items[0].evidence[0].files: '/etc/rl/envs/*.yaml' is absolute; "
            "paths are relative to their root"
        ),
    ],
    "alias-bomb": [
        "bad/alias-bomb.yaml:2:32: document expands to more than 200000 values (alias bomb?)",
    ],
    "assert-no-operator": [
        (
            "bad/assert-no-operator.yaml:18:17: items[0].evidence[0].assert: needs exactly one operator, one of: "
            "equals, not_equals, in, not_in, contains, not_contains, matches, exists, absent, gt, ge, lt, le"
        ),
    ],
    "assert-two-operators": [
        (
            "bad/assert-two-operators.yaml:18:17: items[0].evidence[0].assert: needs exactly one operator, got 2: "
            "exists, not_contains"
        ),
    ],
    "colon-in-plain-value": [
        "bad/colon-in-plain-value.yaml:4:19: YAML syntax error: mapping values are not allowed here",
        "  hint: quote a value that contains ': ', or check the indentation of this line and the one above",
    ],
    "complex-key": [
        "bad/complex-key.yaml:5:3: mapping keys must be strings, got a mapping",
    ],
    "control-character": [
        "bad/control-character.yaml:4:14: control character #x0007 is not allowed in a checklist",
    ],
    "custom-tag": [
        "bad/custom-tag.yaml:17:16: items[0].evidence[0].query: unsupported tag '!jmespath'; checklists are plain YAML",
    ],
    "deep-nesting": [
        "bad/deep-nesting.yaml:18:66: nested deeper than 40 levels",
    ],
    "digest-sha256-and-manifest": [
        "bad/digest-sha256-and-manifest.yaml:15:9: items[0].evidence[0]: give either sha256 or manifest (with key)",
    ],
    "dotdot-in-files": [
        "bad/dotdot-in-files.yaml:16:30: items[0].evidence[0].files[1]: '../other/*.yaml' escapes its root with '..'",
    ],
    "duplicate-item-id": [
        (
            "bad/duplicate-item-id.yaml:19:9: items[1].id: duplicate item id 'grader-configs-exclude-cot' (first at "
            "line 12)"
        ),
    ],
    "duplicate-key-nested": [
        "bad/duplicate-key-nested.yaml:18:9: items[0].evidence[0].query: duplicate key 'query' (first at line 17)",
    ],
    "duplicate-key": [
        "bad/duplicate-key.yaml:7:1: owner: duplicate key 'owner' (first at line 5)",
    ],
    "empty-evidence": [
        "bad/empty-evidence.yaml:14:15: items[0].evidence: must not be empty",
    ],
    "exists-false": [
        "bad/exists-false.yaml:18:26: items[0].evidence[0].assert.exists: expected true, got boolean false",
    ],
    "git-trailers-no-range": [
        (
            "bad/git-trailers-no-range.yaml:15:9: items[0].evidence[0]: needs `since` (a tag pattern) or `range` "
            "(e.g. 'v1.2..HEAD')"
        ),
    ],
    "include-absolute": [
        (
            "bad/include-absolute.yaml:11:11: include[0]: include '/etc/gate/common.yaml' is absolute; includes are "
            "relative to the including file"
        ),
    ],
    "include-cycle": [
        (
            "include/include-cycle/other.yaml:10:11: include[0]: include cycle: bad/include-cycle.yaml -> "
            "include/include-cycle/other.yaml -> bad/include-cycle.yaml"
        ),
    ],
    "include-duplicate-id": [
        (
            "bad/include-duplicate-id.yaml:13:9: items[0].id: duplicate item id 'grader-configs-exclude-cot' (also "
            "in include/include-duplicate-id/common.yaml:11:9)"
        ),
    ],
    "include-escaping-root": [
        (
            "bad/include-escaping-root.yaml:11:11: include[0]: include '"
            + "../" * 20
            + "etc/gate/common.yaml' escapes the repository root"
        ),
    ],
    "include-folder": [
        (
            "bad/include-folder.yaml:11:11: include[0]: include '../include/include-folder' is a folder; name a "
            "checklist file"
        ),
    ],
    "include-invalid-child": [
        "include/include-invalid-child/common.yaml:3:10: version: must be >= 1, got integer 0",
        (
            "include/include-invalid-child/common.yaml:14:15: items[0].evidence[0].kind: unknown kind 'manul'. Did "
            "you mean 'manual'?"
        ),
        "  hint: `gate schema` lists every evidence kind",
    ],
    "include-missing": [
        "bad/include-missing.yaml:11:11: include[0]: include 'common/release-basics.yaml' not found",
    ],
    "include-name-too-long": [
        (
            "bad/include-name-too-long.yaml:11:11: include[0]: cannot read include '"
            + "x" * 77
            + "...': File name too long"
        ),
    ],
    "include-nul-character": [
        "bad/include-nul-character.yaml:11:11: include[0]: include contains a NUL character",
    ],
    "include-role-conflict": [
        (
            "bad/include-role-conflict.yaml:10:3: roles.release-manager: role 'release-manager' is defined "
            "differently in include/include-role-conflict/common.yaml:9"
        ),
        "  hint: an included role must have the same definition everywhere",
    ],
    "integer-literal-invalid": [
        "bad/integer-literal-invalid.yaml:3:10: version: '0x_' is not a valid integer; quote it if it is text",
    ],
    "invalid-id-slug": [
        (
            "bad/invalid-id-slug.yaml:2:5: id: 'Corpus Case' is not a valid id: use lower-case letters, digits, '.', "
            "'_' and '-', starting with a letter or digit"
        ),
    ],
    "invalid-item-id-slug": [
        (
            "bad/invalid-item-id-slug.yaml:12:9: items[0].id: '-grader' is not a valid id: use lower-case letters, "
            "digits, '.', '_' and '-', starting with a letter or digit"
        ),
    ],
    "invalid-jmespath": [
        (
            "bad/invalid-jmespath.yaml:17:16: items[0].evidence[0].query: invalid JMESPath expression "
            "'grader.[inputs': the expression ends too early"
        ),
    ],
    "invalid-regex-matches": [
        (
            "bad/invalid-regex-matches.yaml:18:27: items[0].evidence[0].assert.matches: invalid regular expression "
            "'[a-z': unterminated character set at position 0"
        ),
    ],
    "invalid-regex-pattern": [
        (
            "bad/invalid-regex-pattern.yaml:17:18: items[0].evidence[0].pattern: invalid regular expression "
            "'cot_(trace': missing ), unterminated subpattern at position 4"
        ),
    ],
    "invalid-role-name": [
        (
            "bad/invalid-role-name.yaml:5:8: owner: 'Safety_Lead' is not a valid role name: use lower-case letters, "
            "digits, '.', '_' and '-', starting with a letter or digit"
        ),
        (
            "bad/invalid-role-name.yaml:9:3: roles.Safety_Lead: 'Safety_Lead' is not a valid role name: use "
            "lower-case letters, digits, '.', '_' and '-', starting with a letter or digit"
        ),
    ],
    "jmespath-nested-too-deeply": [
        (
            "bad/jmespath-nested-too-deeply.yaml:17:16: items[0].evidence[0].query: invalid JMESPath expression '"
            + "(" * 77
            + "...': nested too deeply"
        ),
    ],
    "kind-not-a-string": [
        (
            "bad/kind-not-a-string.yaml:15:15: items[0].evidence[0].kind: expected a string naming an evidence kind, "
            "got a list"
        ),
        "  hint: `gate schema` lists every evidence kind",
    ],
    "merge-key": [
        "bad/merge-key.yaml:10:17: roles.safety-lead: merge keys ('<<') are not supported; write the keys out",
    ],
    "missing-item-title": [
        "bad/missing-item-title.yaml:12:5: items[0]: missing required key 'title'",
    ],
    "missing-kind": [
        "bad/missing-kind.yaml:15:9: items[0].evidence[0]: missing required key 'kind'",
        (
            "  hint: kinds: canary, code.imports, code.pattern, command, config, digest, git.authors_disjoint, "
            "git.codeowners, git.file, git.ref, git.trailers, json, junit, manual, sarif"
        ),
    ],
    "missing-required-keys": [
        "bad/missing-required-keys.yaml:2:1: missing required key 'version'",
        "bad/missing-required-keys.yaml:2:1: missing required key 'owner'",
    ],
    "multiple-documents": [
        "bad/multiple-documents.yaml:19:1: more than one YAML document; a checklist is one",
    ],
    "no-items": [
        "bad/no-items.yaml:11:8: items: the checklist has no items",
    ],
    "non-string-key": [
        "bad/non-string-key.yaml:9:3: roles: mapping keys must be strings, got integer 1 (quote it: '1')",
    ],
    "null-document": [
        (
            "bad/null-document.yaml:1:1: empty document; a checklist needs id, version, title, owner, release_role "
            "and items"
        ),
    ],
    "number-expected": [
        "bad/number-expected.yaml:18:22: items[0].evidence[0].assert.gt: expected a number, got string 'high'",
    ],
    "only-comments": [
        (
            "bad/only-comments.yaml:1:1: empty document; a checklist needs id, version, title, owner, release_role "
            "and items"
        ),
    ],
    "python-object-tag": [
        (
            "bad/python-object-tag.yaml:4:8: title: unsupported tag '!!python/object/apply:os.system'; checklists "
            "are plain YAML"
        ),
    ],
    "recursive-alias": [
        "bad/recursive-alias.yaml:7:9: stages[1]: recursive alias: a value contains itself",
    ],
    "regex-nested-too-deeply": [
        (
            "bad/regex-nested-too-deeply.yaml:18:27: items[0].evidence[0].assert.matches: invalid regular expression '"
            + "(" * 77
            + "...': nested too deeply"
        ),
    ],
    "regex-repetition-too-large": [
        (
            "bad/regex-repetition-too-large.yaml:18:27: items[0].evidence[0].assert.matches: invalid regular "
            "expression 'a{99999999999}': the repetition number is too large"
        ),
    ],
    "sha256-not-hex": [
        (
            "bad/sha256-not-hex.yaml:17:17: items[0].evidence[0].sha256: 'ABC123' is not a sha256 digest (64 "
            "lower-case hex digits)"
        ),
    ],
    "signed-without-allowed-signers": [
        (
            "bad/signed-without-allowed-signers.yaml:18:17: items[0].evidence[0].signed: signed: true needs "
            "allowed_signers (a file in git's allowed_signers format)"
        ),
    ],
    "signoff-count-zero": [
        "bad/signoff-count-zero.yaml:20:36: items[0].signoff[0].count: must be >= 1, got integer 0",
    ],
    "signoff-role-twice": [
        (
            "bad/signoff-role-twice.yaml:21:16: items[0].signoff[1].role: signoff lists role 'safety-lead' twice; "
            "use count: instead"
        ),
    ],
    "since-and-range": [
        "bad/since-and-range.yaml:18:16: items[0].evidence[0].range: give `since` or `range`, not both",
    ],
    "stage-declared-twice": [
        "bad/stage-declared-twice.yaml:7:37: stages[2]: stage 'pre-release' declared twice",
    ],
    "tab-indent": [
        "bad/tab-indent.yaml:13:1: YAML syntax error: tab character; indent with spaces",
    ],
    "title-too-long": [
        "bad/title-too-long.yaml:13:12: items[0].title: too long: 354 characters, at most 300",
    ],
    "top-level-list": [
        "bad/top-level-list.yaml:2:1: the top level must be a mapping, got a list",
    ],
    "top-level-scalar": [
        "bad/top-level-scalar.yaml:2:1: the top level must be a mapping, got string 'just some text'",
    ],
    "undefined-owner-role": [
        "bad/undefined-owner-role.yaml:5:8: owner: undefined role 'safety-leed'. Did you mean 'safety-lead'?",
        "  hint: defined roles: release-manager, safety-lead",
    ],
    "undefined-release-role": [
        "bad/undefined-release-role.yaml:6:15: release_role: undefined role 'shipper'",
        "  hint: defined roles: release-manager, safety-lead",
    ],
    "undefined-signoff-role": [
        "bad/undefined-signoff-role.yaml:20:16: items[0].signoff[0].role: undefined role 'auditor'",
        "  hint: defined roles: release-manager, safety-lead",
    ],
    "undefined-stage": [
        "bad/undefined-stage.yaml:14:14: items[0].stages[0]: undefined stage 'pre-relase'. Did you mean 'pre-release'?",
        "  hint: declared stages: pre-release",
    ],
    "undefined-waiver-role": [
        (
            "bad/undefined-waiver-role.yaml:19:35: items[0].waiver.roles[1]: undefined role 'release-manger'. Did "
            "you mean 'release-manager'?"
        ),
        "  hint: defined roles: release-manager, safety-lead",
    ],
    "unknown-evidence-key": [
        "bad/unknown-evidence-key.yaml:17:9: items[0].evidence[0].querry: unknown key 'querry'. Did you mean 'query'?",
        "  hint: allowed keys here: label, kind, files, query, assert, each, min_files, format",
    ],
    "unknown-item-key": [
        "bad/unknown-item-key.yaml:14:5: items[0].severty: unknown key 'severty'. Did you mean 'severity'?",
        "  hint: allowed keys here: id, title, rationale, severity, stages, evidence, signoff, waiver, examples",
    ],
    "unknown-kind-no-match": [
        "bad/unknown-kind-no-match.yaml:15:15: items[0].evidence[0].kind: unknown kind 'spreadsheet'",
        "  hint: `gate schema` lists every evidence kind",
    ],
    "unknown-kind": [
        (
            "bad/unknown-kind.yaml:15:15: items[0].evidence[0].kind: unknown kind 'git.trailer'. Did you mean "
            "'git.trailers'?"
        ),
        "  hint: `gate schema` lists every evidence kind",
    ],
    "unknown-severity": [
        (
            "bad/unknown-severity.yaml:14:15: items[0].severity: expected one of 'blocker', 'major', 'minor', got "
            "string 'blockr'. Did you mean 'blocker'?"
        ),
    ],
    "unknown-top-level-key": [
        "bad/unknown-top-level-key.yaml:5:1: descripton: unknown key 'descripton'. Did you mean 'description'?",
        (
            "  hint: allowed keys here: id, version, title, description, owner, release_role, stages, roles, include, "
            "items"
        ),
    ],
    "wrong-type-evidence-string": [
        "bad/wrong-type-evidence-string.yaml:15:9: items[0].evidence[0]: expected a mapping, got string 'config'",
    ],
    "wrong-type-items-mapping": [
        "bad/wrong-type-items-mapping.yaml:12:3: items: expected a list, got a mapping",
    ],
    "wrong-type-owner-bool": [
        "bad/wrong-type-owner-bool.yaml:5:8: owner: expected a string, got boolean true",
    ],
    "wrong-type-roles-list": [
        "bad/wrong-type-roles-list.yaml:8:8: roles: expected a mapping, got a list",
    ],
    "wrong-type-title-int": [
        "bad/wrong-type-title-int.yaml:4:8: title: expected a string, got integer 42",
    ],
    "wrong-type-title-null": [
        "bad/wrong-type-title-null.yaml:4:7: title: expected a string, got null",
    ],
    "wrong-type-version-float": [
        "bad/wrong-type-version-float.yaml:3:10: version: expected an integer, got number 1.5",
    ],
    "wrong-type-version-string": [
        "bad/wrong-type-version-string.yaml:3:10: version: expected an integer, got string 'one'",
    ],
    "yaml-bad-indentation": [
        "bad/yaml-bad-indentation.yaml:13:12: YAML syntax error: mapping values are not allowed here",
        "  hint: quote a value that contains ': ', or check the indentation of this line and the one above",
    ],
    "yaml-unclosed-flow-sequence": [
        (
            "bad/yaml-unclosed-flow-sequence.yaml:8:6: YAML syntax error: expected ',' or ']', but got ':' (while "
            "parsing a flow sequence at line 7)"
        ),
    ],
    "yaml-unclosed-quote": [
        (
            "bad/yaml-unclosed-quote.yaml:19:1: YAML syntax error: found unexpected end of stream (while scanning a "
            "quoted scalar at line 16)"
        ),
    ],
    "yaml-undefined-alias": [
        "bad/yaml-undefined-alias.yaml:5:8: YAML syntax error: found undefined alias 'lead'",
    ],
}


def rendered(problems: list[Problem], *, hints: bool) -> list[str]:
    """Problems as `gate lint` prints them, without the `gate: error: ` prefix; hints only when asked."""
    lines: list[str] = []
    for problem in problems:
        lines.append(str(problem))
        if hints:
            lines.extend(f"  hint: {hint}" for hint in problem.hints)
    return lines


def problems_of(path: Path, *, root: Path, max_bytes: int = loader.MAX_BYTES) -> list[Problem]:
    with pytest.raises(ProblemsError) as info:
        loader.load(path, root=root, max_bytes=max_bytes)
    return info.value.problems


def test_every_corpus_file_has_an_expected_entry() -> None:
    assert sorted(p.stem for p in BAD.glob("*.yaml")) == sorted(EXPECTED)
    assert len(EXPECTED) >= 45


@pytest.mark.parametrize("case", sorted(EXPECTED))
def test_bad_checklist_gives_exactly_the_expected_problems(case: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(CORPUS)
    expected = EXPECTED[case]
    hints = any(line.startswith("  hint: ") for line in expected)
    assert rendered(problems_of(Path("bad") / f"{case}.yaml", root=CORPUS), hints=hints) == expected


# ---------------------------------------------------------------------------------------------
# Cases built in tmp


@dataclass(frozen=True)
class Generated:
    """A bad input built in a folder: the path to load, the problems expected, and the size cap to use."""

    path: Path
    expected: list[str]
    max_bytes: int = loader.MAX_BYTES


def _write(path: Path, content: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


def over_the_size_cap(tmp: Path) -> Generated:
    size = len(checklist().encode())
    path = _write(tmp / "c.yaml", checklist())
    return Generated(path, [f"c.yaml: checklist is {size} bytes, over the 100-byte limit"], max_bytes=100)


def over_two_mib(tmp: Path) -> Generated:
    path = _write(tmp / "big.yaml", checklist() + "#" * (2 * 1024 * 1024))
    size = path.stat().st_size
    return Generated(path, [f"big.yaml: checklist is {size} bytes, over the 2097152-byte limit"])


def fifo(tmp: Path) -> Generated:
    os.mkfifo(tmp / "pipe.yaml")
    return Generated(tmp / "pipe.yaml", ["pipe.yaml: not a regular file (a FIFO); refusing to read it"])


def symlink_to_dev_zero(tmp: Path) -> Generated:
    (tmp / "zero.yaml").symlink_to("/dev/zero")
    return Generated(tmp / "zero.yaml", ["zero.yaml: not a regular file (a character device); refusing to read it"])


def nul_bytes(tmp: Path) -> Generated:
    path = _write(tmp / "bin.yaml", b"id: x\nti\x00tle: y\n")
    return Generated(path, ["bin.yaml:2:3: binary file (NUL byte); a checklist is UTF-8 text"])


def not_utf8(tmp: Path) -> Generated:
    path = _write(tmp / "latin1.yaml", "id: x\ntitle: Caf\xe9 checks\n".encode("latin-1"))
    return Generated(path, ["latin1.yaml:2:11: not UTF-8 (byte 0xe9); save the file as UTF-8"])


def empty_file(tmp: Path) -> Generated:
    path = _write(tmp / "empty.yaml", b"")
    return Generated(
        path, ["empty.yaml:1:1: empty file; a checklist needs id, version, title, owner, release_role and items"]
    )


def folder(tmp: Path) -> Generated:
    (tmp / "folder.yaml").mkdir()
    return Generated(tmp / "folder.yaml", ["folder.yaml: is a folder, not a checklist"])


def missing_file(tmp: Path) -> Generated:
    return Generated(tmp / "nowhere.yaml", ["nowhere.yaml: no such checklist"])


def symlink_loop(tmp: Path) -> Generated:
    (tmp / "loop.yaml").symlink_to("loop.yaml")
    return Generated(tmp / "loop.yaml", ["loop.yaml: cannot read checklist: Too many levels of symbolic links"])


def include_symlink_loop(tmp: Path) -> Generated:
    path = _write(tmp / "c.yaml", checklist(extra="include: [loop.yaml]\n"))
    (tmp / "loop.yaml").symlink_to("loop.yaml")
    return Generated(
        path, ["c.yaml:10:11: include[0]: include 'loop.yaml' is a broken symlink (missing target or a loop)"]
    )


def include_broken_symlink(tmp: Path) -> Generated:
    path = _write(tmp / "c.yaml", checklist(extra="include: [gone.yaml]\n"))
    (tmp / "gone.yaml").symlink_to("nothing-here.yaml")
    return Generated(
        path, ["c.yaml:10:11: include[0]: include 'gone.yaml' is a broken symlink (missing target or a loop)"]
    )


def include_fifo(tmp: Path) -> Generated:
    path = _write(tmp / "c.yaml", checklist(extra="include: [pipe.yaml]\n"))
    os.mkfifo(tmp / "pipe.yaml")
    return Generated(path, ["pipe.yaml: not a regular file (a FIFO); refusing to read it"])


def includes_nested_too_deep(tmp: Path) -> Generated:
    depth = loader.MAX_INCLUDE_DEPTH + 1
    for n in range(depth):
        extra = f"include: [c{n + 1}.yaml]\n" if n + 1 < depth else ""
        _write(tmp / f"c{n}.yaml", checklist(id=f"c{n}", items=(f"i{n}",), extra=extra))
    last = loader.MAX_INCLUDE_DEPTH - 1
    return Generated(
        tmp / "c0.yaml",
        [f"c{last}.yaml:10:11: include[0]: includes nested deeper than {loader.MAX_INCLUDE_DEPTH} files"],
    )


def roles_over_the_limit_with_includes(tmp: Path) -> Generated:
    def roles(prefix: str, n: int) -> str:
        return "".join(f"  {prefix}{i}: {{description: Role {i}}}\n" for i in range(n))

    top = checklist(id="top", items=("t",), extra="include: [more.yaml]\n").replace(
        "roles:\n", "roles:\n" + roles("a", 150)
    )
    more = checklist(id="more", items=("m",)).replace("roles:\n", "roles:\n" + roles("b", 100))
    path = _write(tmp / "top.yaml", top)
    _write(tmp / "more.yaml", more)
    return Generated(path, ["top.yaml:8:3: roles: with its includes: too many entries: 252, at most 200"])


GENERATED: dict[str, Callable[[Path], Generated]] = {
    f.__name__.replace("_", "-"): f
    for f in (
        over_the_size_cap,
        over_two_mib,
        fifo,
        symlink_to_dev_zero,
        nul_bytes,
        not_utf8,
        empty_file,
        folder,
        missing_file,
        symlink_loop,
        include_symlink_loop,
        include_broken_symlink,
        include_fifo,
        includes_nested_too_deep,
        roles_over_the_limit_with_includes,
    )
}


@pytest.mark.parametrize("case", sorted(GENERATED))
def test_generated_bad_input_gives_exactly_the_expected_problems(
    case: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    generated = GENERATED[case](tmp_path)
    problems = problems_of(generated.path, root=tmp_path, max_bytes=generated.max_bytes)
    assert rendered(problems, hints=False) == generated.expected


def test_a_large_document_without_aliases_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # The real cap (200 000 values) takes a ~1 MB file to reach; the rule is the same at 50.
    monkeypatch.setattr(loader, "MAX_NODES", 50)
    monkeypatch.chdir(tmp_path)
    path = _write(tmp_path / "c.yaml", checklist(items=tuple("abcdefgh")))
    assert rendered(problems_of(path, root=tmp_path), hints=False) == ["c.yaml:20:5: document has more than 50 values"]


# ---------------------------------------------------------------------------------------------
# No traceback, whatever the input


def test_gate_lint_exits_2_without_a_traceback_on_every_bad_input(tmp_path: Path) -> None:
    """Every corpus file and generated input, through `python -m gate lint` in a subprocess (one loop)."""
    runs: list[tuple[str, list[str], Path]] = [
        (f"bad/{p.name}", ["lint", str(p.relative_to(CORPUS))], CORPUS) for p in sorted(BAD.glob("*.yaml"))
    ]
    for name, build in sorted(GENERATED.items()):
        folder = tmp_path / name
        folder.mkdir()
        generated = build(folder)
        runs.append((name, ["lint", generated.path.name, "--max-bytes", str(generated.max_bytes)], folder))

    def run(args: list[str], cwd: Path) -> tuple[int, str, str]:
        try:
            proc = subprocess.run(
                [sys.executable, "-m", "gate", *args],
                cwd=cwd,
                capture_output=True,
                encoding="utf-8",
                errors="replace",
                timeout=60,
                check=False,
            )
        except subprocess.TimeoutExpired:
            return -1, "", "timed out"
        return proc.returncode, proc.stdout, proc.stderr

    # Each run is a fresh interpreter (~0.3 s of start-up); a few at a time keep the loop short.
    with ThreadPoolExecutor(max_workers=max(2, min(4, os.cpu_count() or 1))) as pool:
        results = list(pool.map(lambda r: run(r[1], r[2]), runs))
    failures = [
        f"{name}: exit {code}\n{err}{out}"
        for (name, _, _), (code, out, err) in zip(runs, results, strict=True)
        if code != 2 or not err.startswith("gate: error:") or "Traceback" in out + err
    ]
    assert failures == []
    assert len(runs) == len(EXPECTED) + len(GENERATED)
