"""`code.imports` (no source module reaches a forbidden one) and `code.pattern` (a text search in repository files)."""

from __future__ import annotations

import hashlib
import subprocess
import sys
from typing import Any

import pytest

from gate.engine import run_collector
from gate.evidence import COLLECTORS, code, pool, pyimports
from gate.evidence.context import RepoView
from gate.model import CodeImportsSpec, CodePatternSpec
from gate.results import Evidence, Observation, Read, Status
from tests.builders import GitRepo, context

# A small RL codebase: the reward must never reach the chain-of-thought (rl.cot) or the trace capture (rl.trace).
RL = {
    "rl/__init__.py": "",
    "rl/reward/__init__.py": "",
    "rl/cot/__init__.py": 'TRACE_NAME = "cot"\n',
    "rl/cot/dump.py": "TRACE = []\n",
    "rl/trace/__init__.py": "",
    "rl/trace/capture.py": "def capture(x):\n    return x\n",
    "rl/utils/__init__.py": "",
    "rl/utils/text.py": "import os\n",
}


def rl_repo(git_repo: Any, files: dict[str, str]) -> GitRepo:
    repo: GitRepo = git_repo()
    repo.commit({**RL, **files})
    return repo


def imports(repo: GitRepo, **fields: Any) -> Evidence:
    spec = CodeImportsSpec.model_validate(
        {"kind": "code.imports", "source": "rl.reward", "forbidden": "rl.cot", **fields}
    )
    return run_collector(spec, context(repo))


def pattern(repo: GitRepo, **fields: Any) -> Evidence:
    spec = CodePatternSpec.model_validate({"kind": "code.pattern", "files": "rl/**/*.py", **fields})
    return run_collector(spec, context(repo))


def sha(text: str | bytes) -> str:
    return hashlib.sha256(text.encode() if isinstance(text, str) else text).hexdigest()


def messages(ev: Evidence) -> list[str]:
    return [o.message for o in ev.observations]


def where(ev: Evidence) -> list[str]:
    return [o.where for o in ev.observations]


def test_code_collectors_are_registered() -> None:
    assert COLLECTORS["code.imports"] is code.collect_imports
    assert COLLECTORS["code.pattern"] is code.collect_pattern


# ---------------------------------------------------------------------------------------------------------------
# code.imports


def test_imports_fail_on_a_direct_import(git_repo: Any) -> None:
    shaping = "import os\nimport rl.cot.dump\n"
    repo = rl_repo(git_repo, {"rl/reward/shaping.py": shaping})
    ev = imports(repo)
    assert ev.status is Status.FAIL
    assert ev.summary == "1 of 2 modules in 'rl.reward' imports 'rl.cot' (directly or through other modules)"
    assert ev.observations == [
        Observation(
            message="rl.reward.shaping -> rl.cot.dump (rl/reward/shaping.py:2)",
            path="rl/reward/shaping.py",
            root="repo",
            line=2,
            col=1,
        )
    ]
    assert ev.fix == (
        "remove the imports shown (removing any link breaks a chain), or move the code that needs 'rl.cot' out of "
        "'rl.reward'"
    )
    # Only the modules the search reached were parsed, and each is bound by its content hash.
    assert ev.read == [
        Read(path="rl/__init__.py", root="repo", sha256=sha("")),
        Read(path="rl/reward/__init__.py", root="repo", sha256=sha("")),
        Read(path="rl/reward/shaping.py", root="repo", sha256=sha(shaping)),
    ]


def test_imports_fail_on_a_transitive_chain_showing_each_link(git_repo: Any) -> None:
    repo = rl_repo(
        git_repo,
        {
            # The first import leads to the trace in three steps, the second in two: the chain shown is the shortest.
            "rl/reward/shaping.py": '"""Reward shaping."""\nimport rl.reward.helpers\nfrom rl.utils import text\n',
            "rl/reward/helpers.py": "from rl.utils import text as t\n",
            "rl/utils/text.py": "import os\nimport re\n\n\ndef clean(s):\n    return s\nfrom rl.trace import capture\n",
        },
    )
    ev = imports(repo, forbidden="rl.trace")
    assert ev.status is Status.FAIL
    assert ev.summary == "2 of 3 modules in 'rl.reward' import 'rl.trace' (directly or through other modules)"
    assert messages(ev) == [
        "rl.reward.helpers -> rl.utils.text (rl/reward/helpers.py:1) -> rl.trace.capture (rl/utils/text.py:7)",
        "rl.reward.shaping -> rl.utils.text (rl/reward/shaping.py:3) -> rl.trace.capture (rl/utils/text.py:7)",
    ]
    assert where(ev) == ["rl/reward/helpers.py:1:1", "rl/reward/shaping.py:3:1"]


def test_imports_transitive_false_ignores_indirect_chains(git_repo: Any) -> None:
    repo = rl_repo(
        git_repo,
        {
            "rl/reward/shaping.py": "from rl.utils import text\n",
            "rl/utils/text.py": "from rl.trace import capture\n",
        },
    )
    ev = imports(repo, forbidden="rl.trace", transitive=False)
    assert ev.status is Status.PASS
    assert ev.summary == "0 of 2 modules in 'rl.reward' import 'rl.trace' directly"
    assert ev.observations == []
    # Only the sources were read: nothing beyond their own imports matters.
    assert [r.path for r in ev.read] == ["rl/reward/__init__.py", "rl/reward/shaping.py"]


def test_imports_transitive_false_still_fails_on_a_direct_import(git_repo: Any) -> None:
    repo = rl_repo(git_repo, {"rl/reward/shaping.py": "from rl.trace.capture import capture\n"})
    ev = imports(repo, forbidden="rl.trace", transitive=False)
    assert ev.status is Status.FAIL
    assert ev.summary == "1 of 2 modules in 'rl.reward' imports 'rl.trace' directly"
    assert messages(ev) == ["rl.reward.shaping -> rl.trace.capture (rl/reward/shaping.py:1)"]


def test_imports_pass_when_clean(git_repo: Any) -> None:
    shaping = "import os\nfrom rl.utils import text\n"
    repo = rl_repo(git_repo, {"rl/reward/shaping.py": shaping})
    ev = imports(repo, forbidden=["rl.cot", "rl.trace"])
    assert ev.status is Status.PASS
    assert ev.summary == (
        "0 of 2 modules in 'rl.reward' import 'rl.cot' or 'rl.trace' (directly or through other modules)"
    )
    assert ev.observations == []
    assert ev.fix is None
    assert [r.path for r in ev.read] == [
        "rl/__init__.py",
        "rl/reward/__init__.py",
        "rl/reward/shaping.py",
        "rl/utils/__init__.py",
        "rl/utils/text.py",
    ]


def test_imports_inside_a_function_count(git_repo: Any) -> None:
    shaping = "def shape(x):\n    if x:\n        from rl.cot import dump\n    return x\n"
    repo = rl_repo(git_repo, {"rl/reward/shaping.py": shaping})
    ev = imports(repo)
    assert messages(ev) == ["rl.reward.shaping -> rl.cot.dump (rl/reward/shaping.py:3)"]
    assert where(ev) == ["rl/reward/shaping.py:3:9"]


def test_conditional_and_type_checking_imports_count(git_repo: Any) -> None:
    repo = rl_repo(
        git_repo,
        {
            "rl/reward/a.py": "try:\n    import fast_json as json\nexcept ImportError:\n    import rl.cot as json\n",
            "rl/reward/b.py": (
                "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from rl.cot.dump import TRACE\n"
            ),
        },
    )
    ev = imports(repo)
    assert messages(ev) == [
        "rl.reward.a -> rl.cot (rl/reward/a.py:4)",
        "rl.reward.b -> rl.cot.dump (rl/reward/b.py:3)",
    ]


def test_relative_import_from_dot_resolves_against_the_package(git_repo: Any) -> None:
    repo = rl_repo(
        git_repo,
        {
            "rl/reward/shaping.py": "from . import helpers\n",
            "rl/reward/helpers.py": "from ..cot import dump\n",
        },
    )
    ev = imports(repo)
    assert messages(ev) == [
        "rl.reward.helpers -> rl.cot.dump (rl/reward/helpers.py:1)",
        "rl.reward.shaping -> rl.reward.helpers (rl/reward/shaping.py:1) -> rl.cot.dump (rl/reward/helpers.py:1)",
    ]


def test_relative_import_in_a_package_init_resolves_against_the_package_itself(git_repo: Any) -> None:
    # In rl/reward/__init__.py, `..` is rl (in rl/reward/shaping.py it would be rl too, via rl.reward).
    repo = rl_repo(git_repo, {"rl/reward/__init__.py": "from .. import cot\n", "rl/reward/shaping.py": "X = 1\n"})
    ev = imports(repo)
    assert ev.summary == "1 of 2 modules in 'rl.reward' imports 'rl.cot' (directly or through other modules)"
    assert messages(ev) == ["rl.reward -> rl.cot (rl/reward/__init__.py:1)"]


def test_import_a_b_c_reaches_every_package_on_the_way(git_repo: Any) -> None:
    # Importing rl.tools.fmt runs rl/tools/__init__.py, which imports the CoT dump.
    repo = rl_repo(
        git_repo,
        {
            "rl/reward/shaping.py": "import rl.tools.fmt\n",
            "rl/tools/__init__.py": "from rl.cot import dump\n",
            "rl/tools/fmt.py": "X = 1\n",
        },
    )
    ev = imports(repo)
    assert messages(ev) == [
        "rl.reward.shaping -> rl.tools (rl/reward/shaping.py:1) -> rl.cot.dump (rl/tools/__init__.py:1)"
    ]


def test_from_package_import_submodule_reaches_the_submodule(git_repo: Any) -> None:
    repo = rl_repo(git_repo, {"rl/reward/shaping.py": "from rl.cot import dump\n"})
    ev = imports(repo, forbidden="rl.cot.dump")
    assert messages(ev) == ["rl.reward.shaping -> rl.cot.dump (rl/reward/shaping.py:1)"]


def test_from_package_import_name_is_not_a_submodule(git_repo: Any) -> None:
    # TRACE_NAME is an attribute of rl/cot/__init__.py, which does not import rl.cot.dump.
    repo = rl_repo(git_repo, {"rl/reward/shaping.py": "from rl.cot import TRACE_NAME\n"})
    ev = imports(repo, forbidden="rl.cot.dump")
    assert ev.status is Status.PASS
    assert ev.summary == "0 of 2 modules in 'rl.reward' import 'rl.cot.dump' (directly or through other modules)"


def test_importlib_import_module_with_a_literal_counts_and_is_noted(git_repo: Any) -> None:
    repo = rl_repo(
        git_repo,
        {
            "rl/reward/a.py": "import importlib\n\n\ndef load(name):\n    importlib.import_module(name)\n"
            "    return importlib.import_module('rl.cot.dump')\n",
            "rl/reward/b.py": "def load():\n    return __import__('rl.cot', fromlist=['dump'])\n",
            "rl/reward/c.py": "from importlib import import_module\nmod = import_module('.dump', 'rl.cot')\n",
            # Python NFKC-normalises identifiers: this fullwidth spelling is importlib.import_module too.
            "rl/reward/d.py": "import importlib\nimportlib.\uff49mport_module('rl.cot')\n",
            "rl/reward/e.py": "import importlib\nmod = importlib.import_module(f'rl.{name}')\n",
        },
    )
    ev = imports(repo)
    assert ev.summary == "4 of 6 modules in 'rl.reward' import 'rl.cot' (directly or through other modules)"
    assert messages(ev) == [
        "rl.reward.a -> rl.cot.dump (rl/reward/a.py:6, via importlib.import_module)",
        "rl.reward.b -> rl.cot.dump (rl/reward/b.py:2, via __import__)",
        "rl.reward.c -> rl.cot.dump (rl/reward/c.py:2, via import_module)",
        "rl.reward.d -> rl.cot (rl/reward/d.py:2, via importlib.import_module)",
    ]
    assert where(ev) == ["rl/reward/a.py:6:12", "rl/reward/b.py:2:12", "rl/reward/c.py:2:7", "rl/reward/d.py:2:1"]


def test_import_columns_count_characters_not_bytes(git_repo: Any) -> None:
    repo = rl_repo(git_repo, {"rl/reward/shaping.py": "NAME = 'r\u00e9compense'; import rl.cot\n"})
    assert where(imports(repo)) == ["rl/reward/shaping.py:1:22"]


def test_imports_follow_roots_for_a_src_layout(git_repo: Any) -> None:
    repo: GitRepo = git_repo()
    repo.commit(
        {
            "src/rl/__init__.py": "",
            "src/rl/reward.py": "from rl import cot\n",
            "src/rl/cot.py": "",
            "tools/rl_debug.py": "import rl.cot\n",
        }
    )
    ev = imports(repo, source="rl.reward", roots="src")
    assert messages(ev) == ["rl.reward -> rl.cot (src/rl/reward.py:1)"]
    assert where(ev) == ["src/rl/reward.py:1:1"]


def test_namespace_packages_are_modules_too(git_repo: Any) -> None:
    repo: GitRepo = git_repo()
    repo.commit({"rl/reward/shaping.py": "import rl.cot.dump\n", "rl/cot/dump.py": "X = 1\n"})
    ev = imports(repo)
    assert ev.summary == "1 of 1 module in 'rl.reward' imports 'rl.cot' (directly or through other modules)"
    assert messages(ev) == ["rl.reward.shaping -> rl.cot.dump (rl/reward/shaping.py:1)"]


def test_a_forbidden_submodule_of_the_source_is_not_a_source(git_repo: Any) -> None:
    repo = rl_repo(git_repo, {"rl/reward/cot_view.py": "from rl.cot import dump\n", "rl/reward/shaping.py": ""})
    ev = imports(repo, source="rl.reward", forbidden="rl.reward.cot_view")
    assert ev.status is Status.PASS
    assert ev.summary == (
        "0 of 2 modules in 'rl.reward' import 'rl.reward.cot_view' (directly or through other modules)"
    )


def test_imports_error_when_the_source_module_does_not_exist(git_repo: Any) -> None:
    repo = rl_repo(git_repo, {})
    ev = imports(repo, source="rl.rewards")
    assert ev.status is Status.ERROR
    assert ev.summary == "no module 'rl.rewards' under roots '.'"
    assert ev.fix == "check `source` and `roots` (the folders that hold the top-level packages, e.g. 'src')"


def test_imports_error_when_the_source_is_under_another_root(git_repo: Any) -> None:
    repo: GitRepo = git_repo()
    repo.commit({"src/rl/reward.py": "", "src/rl/cot.py": ""})
    ev = imports(repo)
    assert ev.status is Status.ERROR
    assert ev.summary == "no module 'rl.reward' under roots '.'"


def test_imports_error_when_the_forbidden_module_does_not_exist(git_repo: Any) -> None:
    repo = rl_repo(git_repo, {"rl/reward/shaping.py": "import rl.cot\n"})
    ev = imports(repo, forbidden=["rl.trace", "rl.cott"])
    assert ev.status is Status.ERROR
    assert ev.summary == "forbidden module 'rl.cott' does not exist under roots; the check would be vacuous"
    assert ev.fix == (
        "check the spelling of `forbidden` and `roots` ('.'); only modules in the repository can be forbidden"
    )


def test_imports_error_when_every_source_module_is_forbidden(git_repo: Any) -> None:
    repo: GitRepo = git_repo()
    repo.commit({"rl/reward/cot_view.py": "X = 1\n", "rl/cot.py": ""})
    ev = imports(repo, forbidden=["rl.cot", "rl.reward.cot_view"])
    assert ev.status is Status.ERROR
    assert ev.summary == "no module in 'rl.reward' outside the forbidden ones under roots '.'"


def test_imports_error_when_the_source_is_inside_a_forbidden_module(git_repo: Any) -> None:
    repo = rl_repo(git_repo, {})
    ev = imports(repo, source="rl.cot.dump")
    assert ev.status is Status.ERROR
    assert (
        ev.summary == "source module 'rl.cot.dump' is inside forbidden module 'rl.cot'; the check would be meaningless"
    )


def test_imports_error_on_a_syntax_error_in_a_reached_module(git_repo: Any) -> None:
    repo = rl_repo(
        git_repo,
        {"rl/reward/shaping.py": "from rl.utils import text\n", "rl/utils/text.py": "import os\nx = = 1\n"},
    )
    ev = imports(repo)
    assert ev.status is Status.ERROR
    assert ev.summary == "cannot parse rl/utils/text.py:2: invalid syntax; an unparseable module might hide an import"
    assert where(ev) == ["rl/utils/text.py"]
    assert ev.fix == f"fix the file; gate parses with the grammar of Python {sys.version_info[0]}.{sys.version_info[1]}"


def test_imports_ignore_a_syntax_error_in_a_module_no_source_reaches(git_repo: Any) -> None:
    repo = rl_repo(git_repo, {"rl/reward/shaping.py": "import os\n", "rl/scratch.py": "x = = 1\n"})
    assert imports(repo).status is Status.PASS


def test_imports_error_on_a_module_over_the_size_cap(git_repo: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(code, "MAX_MODULE_BYTES", 16)
    repo = rl_repo(git_repo, {"rl/reward/shaping.py": "import os  # a module of more than sixteen bytes\n"})
    ev = imports(repo)
    assert ev.status is Status.ERROR
    assert ev.summary == "rl/reward/shaping.py is over the 16-byte limit for this kind"


def test_imports_error_on_an_untracked_module(git_repo: Any) -> None:
    repo = rl_repo(git_repo, {"rl/reward/shaping.py": "import os\n"})
    repo.write({"rl/reward/new.py": "import rl.cot\n"})
    ev = imports(repo)
    assert ev.status is Status.ERROR
    assert ev.summary == "rl/reward/new.py matches '*.py' but is not committed; only committed files are evidence"


def test_imports_error_on_a_modified_module(git_repo: Any) -> None:
    repo = rl_repo(git_repo, {"rl/reward/shaping.py": "import os\n"})
    repo.write({"rl/reward/shaping.py": "import rl.cot\n"})
    ev = imports(repo)
    assert ev.status is Status.ERROR
    assert ev.summary == (
        f"rl/reward/shaping.py differs from the release commit {repo.head[:12]} (modified, staged or deleted)"
    )


def test_imports_error_on_a_relative_import_above_the_top_level_package(git_repo: Any) -> None:
    repo = rl_repo(git_repo, {"rl/reward/shaping.py": "import os\nfrom ... import cot\n"})
    ev = imports(repo)
    assert ev.status is Status.ERROR
    assert ev.summary == (
        "cannot resolve the relative import at rl/reward/shaping.py:2: it goes above the top-level package"
    )
    assert ev.fix == "check `roots`: they are the folders that hold the top-level packages (e.g. 'src')"


# Two parsers, one result: grimp's (read back from the text) for most modules, CPython's where gate is unsure or
# grimp refuses (in worker processes when there are many). The evidence is the same whichever ran, and from the cache.

MIXED = {
    "rl/reward/shaping.py": "from rl.utils import text\nfrom . import helpers\n",
    "rl/reward/helpers.py": "import os\nif TYPE_CHECKING: import rl.trace\n",  # not an import-only line
    "rl/reward/loader.py": "import importlib\nM = importlib.import_module('rl.cot.dump')\n",  # dynamic
    "rl/reward/strict.py": "f(a=1, a=2)\nfrom ..cot import dump\n",  # grimp refuses it, CPython does not
    "rl/utils/text.py": "import os\r\nfrom rl.trace import (\r\n    capture,  # the trace\r\n)\r\n",
}
MIXED_FOUND = [
    "rl.reward.helpers -> rl.trace (rl/reward/helpers.py:2)",
    "rl.reward.loader -> rl.cot.dump (rl/reward/loader.py:2, via importlib.import_module)",
    "rl.reward.shaping -> rl.utils.text (rl/reward/shaping.py:1) -> rl.trace.capture (rl/utils/text.py:2)",
    "rl.reward.strict -> rl.cot.dump (rl/reward/strict.py:2)",
]


def test_imports_are_the_same_whichever_parser_reads_them(git_repo: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    repo = rl_repo(git_repo, MIXED)
    monkeypatch.setenv("GATE_NO_CACHE", "1")
    scanned: list[int] = []
    real_scan = pyimports.scan
    monkeypatch.setattr(pyimports, "scan", lambda texts, names: scanned.append(len(texts)) or real_scan(texts, names))
    ev = imports(repo, forbidden=["rl.cot", "rl.trace"])
    assert ev.status is Status.FAIL
    assert messages(ev) == MIXED_FOUND
    assert where(ev) == [
        "rl/reward/helpers.py:2:19",
        "rl/reward/loader.py:2:5",
        "rl/reward/shaping.py:1:1",
        "rl/reward/strict.py:2:1",
    ]
    assert scanned == [4, 3]  # a search step at a time: 5 sources less the dynamic one, then rl, rl.utils, text
    monkeypatch.setattr(pyimports, "scan", lambda texts, names: [None] * len(texts))  # CPython's parser for everything
    assert imports(repo, forbidden=["rl.cot", "rl.trace"]) == ev


def test_imports_are_the_same_with_parse_workers(git_repo: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    repo = rl_repo(git_repo, MIXED)
    monkeypatch.setenv("GATE_NO_CACHE", "1")
    monkeypatch.setattr(pyimports, "scan", lambda texts, names: [None] * len(texts))
    monkeypatch.setenv(pool.ENV_WORKERS, "0")
    alone = imports(repo, forbidden=["rl.cot", "rl.trace"])
    started: list[str] = []
    real_popen = subprocess.Popen

    def popen(*args: Any, **kwargs: Any) -> Any:
        if args[0][0] == sys.executable:
            started.append(args[0][-1])
        return real_popen(*args, **kwargs)

    monkeypatch.setattr(subprocess, "Popen", popen)
    monkeypatch.setenv(pool.ENV_WORKERS, "2")
    monkeypatch.setattr(pool, "MIN_BYTES_PER_WORKER", 1)
    assert imports(repo, forbidden=["rl.cot", "rl.trace"]) == alone
    assert started and set(started) == {"pyimports"}  # workers ran the CPython parser
    # A worker that cannot start or fails costs time, never results: its share is parsed here.
    monkeypatch.setattr(sys, "executable", "false")
    assert imports(repo, forbidden=["rl.cot", "rl.trace"]) == alone
    assert messages(alone) == MIXED_FOUND


def test_imports_error_is_the_one_a_module_by_module_walk_meets_first(git_repo: Any) -> None:
    # Both sources are read in one step; the walk meets rl.reward.a first, so its error is the one shown.
    repo = rl_repo(git_repo, {"rl/reward/a.py": "from rl.utils import bad\nx = = 1\n", "rl/reward/b.py": "X = 1\n"})
    repo.write({"rl/reward/b.py": "X = 2\n"})
    ev = imports(repo)
    assert ev.summary == "cannot parse rl/reward/a.py:2: invalid syntax; an unparseable module might hide an import"
    # A module the walk reaches later fails later: rl.reward.b (a source) comes before rl.utils.bad (imported).
    repo = rl_repo(git_repo, {"rl/reward/a.py": "from rl.utils import bad\n", "rl/reward/b.py": "X = 1\n"})
    repo.commit({"rl/utils/bad.py": "x = = 1\n"})
    repo.write({"rl/reward/b.py": "X = 2\n"})
    ev = imports(repo)
    assert ev.summary == (
        f"rl/reward/b.py differs from the release commit {repo.head[:12]} (modified, staged or deleted)"
    )


def test_imports_from_the_cache_read_and_parse_nothing(git_repo: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    repo = rl_repo(git_repo, MIXED)
    first = imports(repo, forbidden=["rl.cot", "rl.trace"])
    opened: list[str] = []
    real_read = RepoView.read_bytes

    def read_bytes(self: RepoView, rel: str, **kwargs: Any) -> tuple[bytes, str]:
        opened.append(rel)
        return real_read(self, rel, **kwargs)

    monkeypatch.setattr(RepoView, "read_bytes", read_bytes)
    monkeypatch.setattr(pyimports, "scan", lambda texts, names: pytest.fail("scanned again"))
    monkeypatch.setattr(code, "_parse", lambda rel, data: pytest.fail(f"parsed {rel} again"))
    assert imports(repo, forbidden=["rl.cot", "rl.trace"]) == first
    assert opened == []
    # The entry keeps the size: a module over the cap is ERROR from the cache too.
    monkeypatch.setattr(code, "MAX_MODULE_BYTES", 16)
    assert imports(repo, forbidden=["rl.cot", "rl.trace"]).summary == (
        "rl/reward/helpers.py is over the 16-byte limit for this kind"
    )


def test_imports_error_on_a_nul_byte_as_cpython_says(git_repo: Any) -> None:
    repo = rl_repo(git_repo, {"rl/reward/shaping.py": b"import os\nx = '\x00'\n"})
    ev = imports(repo)
    assert ev.status is Status.ERROR
    assert ev.summary == (
        "cannot parse rl/reward/shaping.py:1: source code string cannot contain null bytes; an unparseable module "
        "might hide an import"
    )


def test_a_module_only_a_newer_python_accepts_is_read_not_refused(git_repo: Any) -> None:
    # grimp's parser knows newer grammars (here PEP 695, Python 3.12): such a module's imports count, as that Python
    # would run them. A module that neither parser accepts is ERROR (test_imports_error_on_a_syntax_error...).
    repo = rl_repo(git_repo, {"rl/reward/shaping.py": "type Alias = int\nimport rl.cot.dump\n"})
    assert messages(imports(repo)) == ["rl.reward.shaping -> rl.cot.dump (rl/reward/shaping.py:2)"]


# ---------------------------------------------------------------------------------------------------------------
# code.pattern

GRADER = """\
def grade(sample):
    inputs = [sample.prompt, sample.reasoning]
    return judge(inputs)


def judge_all(samples):
    return [grade(s) for s in samples if s.reasoning]
"""


def test_pattern_literal_fails_listing_each_matching_line(git_repo: Any) -> None:
    repo: GitRepo = git_repo()
    repo.commit({"rl/grader.py": GRADER, "rl/env.py": "ENV = 'math'\n", "README.md": "reasoning\n"})
    ev = pattern(repo, pattern="reasoning")
    assert ev.status is Status.FAIL
    assert ev.summary == "'reasoning' matches 2 lines in 1 of 2 files"
    assert ev.observations == [
        Observation(
            message="inputs = [sample.prompt, sample.reasoning]", path="rl/grader.py", root="repo", line=2, col=37
        ),
        Observation(
            message="return [grade(s) for s in samples if s.reasoning]",
            path="rl/grader.py",
            root="repo",
            line=7,
            col=44,
        ),
    ]
    assert ev.fix == (
        "remove each match shown; where a match is intended, add its file to `allowlist` (a checklist change, "
        "signed off like any other)"
    )
    assert ev.read == [
        Read(path="rl/env.py", root="repo", sha256=sha("ENV = 'math'\n")),
        Read(path="rl/grader.py", root="repo", sha256=sha(GRADER)),
    ]


def test_pattern_literal_passes_when_absent(git_repo: Any) -> None:
    repo: GitRepo = git_repo()
    repo.commit({"rl/grader.py": GRADER, "rl/env.py": "ENV = 'math'\n"})
    ev = pattern(repo, pattern="chain_of_thought")
    assert ev.status is Status.PASS
    assert ev.summary == "'chain_of_thought' matches no line in 2 files"
    assert ev.observations == []


def test_pattern_is_a_literal_unless_regex(git_repo: Any) -> None:
    repo: GitRepo = git_repo()
    repo.commit({"rl/grader.py": GRADER})
    assert pattern(repo, pattern="sample.*reasoning").status is Status.PASS
    ev = pattern(repo, pattern=r"inputs\s*=.*\breasoning\b", regex=True)
    assert ev.status is Status.FAIL
    assert ev.summary == "regex 'inputs\\s*=.*\\breasoning\\b' matches 1 line in 1 of 1 file"
    assert where(ev) == ["rl/grader.py:2:5"]


def test_pattern_regex_passes_when_absent(git_repo: Any) -> None:
    repo: GitRepo = git_repo()
    repo.commit({"rl/grader.py": GRADER})
    ev = pattern(repo, pattern=r"^import\s+rl\.cot", regex=True)
    assert ev.status is Status.PASS
    assert ev.summary == "regex '^import\\s+rl\\.cot' matches no line in 1 file"


def test_pattern_columns_count_characters_not_bytes(git_repo: Any) -> None:
    repo: GitRepo = git_repo()
    repo.commit({"rl/grader.py": "\ufeffNOTE = '\u00e9t\u00e9'; x = sample.reasoning\n"})
    ev = pattern(repo, pattern="reasoning", ignore_strings=True)
    assert where(ev) == ["rl/grader.py:1:26"]
    assert messages(ev) == ["NOTE = '\u00e9t\u00e9'; x = sample.reasoning"]


def test_pattern_ignore_case(git_repo: Any) -> None:
    repo: GitRepo = git_repo()
    repo.commit({"rl/grader.py": "PROMPT = 'Show your Reasoning'\n"})
    assert pattern(repo, pattern="reasoning").status is Status.PASS
    ev = pattern(repo, pattern="reasoning", ignore_case=True)
    assert ev.summary == "'reasoning' (ignoring case) matches 1 line in 1 of 1 file"
    assert where(ev) == ["rl/grader.py:1:21"]


def test_pattern_must_occur_passes_and_shows_where(git_repo: Any) -> None:
    repo: GitRepo = git_repo()
    repo.commit({"rl/a.py": "from rl.guard import strip_cot\n\nstrip_cot(batch)\n", "rl/b.py": "X = 1\n"})
    ev = pattern(repo, pattern="strip_cot(", must="occur")
    assert ev.status is Status.PASS
    assert ev.summary == "'strip_cot(' matches 1 line in 1 of 2 files"
    assert ev.observations == [
        Observation(message="strip_cot(batch)", path="rl/a.py", root="repo", line=3, col=1, failing=False)
    ]


def test_pattern_must_occur_fails_naming_the_files_searched(git_repo: Any) -> None:
    repo: GitRepo = git_repo()
    repo.commit({"rl/a.py": "from rl.guard import strip_cot\n", "rl/b.py": "X = 1\n"})
    ev = pattern(repo, pattern="strip_cot(", must="occur")
    assert ev.status is Status.FAIL
    assert ev.summary == "'strip_cot(' matches no line in 2 files: rl/a.py, rl/b.py"
    assert where(ev) == ["rl/a.py", "rl/b.py"]
    assert messages(ev) == ["no match for 'strip_cot('", "no match for 'strip_cot('"]
    assert ev.fix == (
        "add the required code to the files searched, or correct `files` ('rl/**/*.py') and `pattern` if they are wrong"
    )


def test_pattern_allowlist_skips_files_where_a_match_is_allowed(git_repo: Any) -> None:
    repo: GitRepo = git_repo()
    repo.commit({"rl/grader.py": GRADER, "rl/cot/dump.py": "reasoning = []\n", "rl/env.py": "X = 1\n"})
    ev = pattern(repo, pattern="reasoning", allowlist=["rl/grader.py"])
    assert ev.status is Status.FAIL
    assert ev.summary == "'reasoning' matches 1 line in 1 of 2 files; 1 allowlisted file not searched"
    assert where(ev) == ["rl/cot/dump.py:1:1"]
    ev = pattern(repo, pattern="reasoning", allowlist=["rl/grader.py", "rl/cot/**"])
    assert ev.status is Status.PASS
    assert ev.summary == "'reasoning' matches no line in 1 file; 2 allowlisted files not searched"
    assert [r.path for r in ev.read] == ["rl/env.py"]


GRADER_WITH_COMMENTS = '''\
"""The grader never sees the reasoning."""


class Grader:
    """Scores answers; reasoning is dropped upstream."""

    def grade(self, sample):
        """Only the answer, never the reasoning.

        (reasoning stays with the policy)
        """
        # reasoning: see docs/isolation.md
        return judge(sample.answer)  # not the reasoning
'''


def test_pattern_ignore_comments_skips_comments_and_docstrings(git_repo: Any) -> None:
    repo: GitRepo = git_repo()
    repo.commit({"rl/grader.py": GRADER_WITH_COMMENTS})
    assert pattern(repo, pattern="reasoning").summary == "'reasoning' matches 6 lines in 1 of 1 file"
    ev = pattern(repo, pattern="reasoning", ignore_comments=True)
    assert ev.status is Status.PASS
    assert ev.summary == "'reasoning' (outside comments and docstrings) matches no line in 1 file"


def test_pattern_ignore_comments_still_sees_code_and_other_strings(git_repo: Any) -> None:
    repo: GitRepo = git_repo()
    source = GRADER_WITH_COMMENTS + "\n\nFIELDS = ['answer', 'reasoning']  # reasoning\nuse(sample.reasoning)\n"
    repo.commit({"rl/grader.py": source})
    ev = pattern(repo, pattern="reasoning", ignore_comments=True)
    assert ev.status is Status.FAIL
    assert where(ev) == ["rl/grader.py:16:22", "rl/grader.py:17:12"]
    assert messages(ev) == ["FIELDS = ['answer', 'reasoning']  # reasoning", "use(sample.reasoning)"]


def test_pattern_ignore_comments_in_other_files_skips_hash_and_slash_lines(git_repo: Any) -> None:
    repo: GitRepo = git_repo()
    repo.commit(
        {
            "rl/env.yaml": "# reasoning is never an input\ngrader:\n  inputs: [prompt]  # not reasoning\n",
            "web/view.js": "  // reasoning hidden\nconst reasoning = null;\n",
        }
    )
    ev = pattern(repo, files=["rl/*.yaml", "web/*.js"], pattern="reasoning", ignore_comments=True)
    assert ev.summary == "'reasoning' (outside comments and docstrings) matches 2 lines in 2 of 2 files"
    assert where(ev) == ["rl/env.yaml:3:27", "web/view.js:2:7"]


def test_pattern_ignore_strings_skips_string_literals(git_repo: Any) -> None:
    repo: GitRepo = git_repo()
    source = (
        'LABEL = "reasoning"\n'
        "HELP = '''Do not pass\nthe reasoning'''\n"
        "key = b'reasoning'\n"
        "msg = f\"no reasoning for {sample.answer!r:>{width}} {d['reasoning']}\"\n"
    )
    repo.commit({"rl/grader.py": source})
    ev = pattern(repo, pattern="reasoning", ignore_strings=True)
    assert ev.status is Status.PASS
    assert ev.summary == "'reasoning' (outside strings) matches no line in 1 file"


def test_pattern_ignore_strings_still_sees_code_inside_f_strings(git_repo: Any) -> None:
    repo: GitRepo = git_repo()
    source = 'prompt = f"Score this: {sample.answer} given {sample.reasoning}"  # reasoning\n'
    repo.commit({"rl/grader.py": source})
    ev = pattern(repo, pattern="reasoning", ignore_strings=True)
    assert ev.status is Status.FAIL
    assert where(ev) == ["rl/grader.py:1:54"]
    ev = pattern(repo, pattern="reasoning", ignore_strings=True, ignore_comments=True)
    assert ev.summary == "'reasoning' (outside comments, docstrings and strings) matches 1 line in 1 of 1 file"
    assert where(ev) == ["rl/grader.py:1:54"]


def test_pattern_shows_long_lines_trimmed_around_the_match_and_escapes_control_characters(git_repo: Any) -> None:
    repo: GitRepo = git_repo()
    long_line = "x = [" + "1, " * 100 + "reasoning" + ", 2" * 100 + "]"
    repo.commit({"rl/a.py": long_line + "\n", "rl/b.py": "s = '\x1b[2Jreasoning\u202e'\n"})
    ev = pattern(repo, pattern="reasoning")
    shown = ev.observations[0].message
    assert len(shown) == 200
    assert shown == "…" + long_line[265 : 265 + 198] + "…"
    assert ev.observations[1].message == "s = '\\x1b[2Jreasoning\\u202e'"
    assert where(ev) == ["rl/a.py:1:306", "rl/b.py:1:10"]


def test_pattern_error_when_the_glob_matches_no_file(git_repo: Any) -> None:
    repo: GitRepo = git_repo()
    repo.commit({"rl/grader.py": GRADER})
    ev = pattern(repo, files=["rl/**/*.yaml", "conf/*.yml"], pattern="reasoning")
    assert ev.status is Status.ERROR
    assert ev.summary == "no committed file matches 'rl/**/*.yaml', 'conf/*.yml'"
    assert ev.fix == "check `files` (gitignore-style globs relative to the repository root)"


def test_pattern_error_on_an_untracked_file(git_repo: Any) -> None:
    repo: GitRepo = git_repo()
    repo.commit({"rl/grader.py": GRADER})
    repo.write({"rl/new.py": "reasoning\n"})
    ev = pattern(repo, pattern="reasoning")
    assert ev.status is Status.ERROR
    assert ev.summary == "rl/new.py matches 'rl/**/*.py' but is not committed; only committed files are evidence"


def test_pattern_error_on_a_non_utf8_file(git_repo: Any) -> None:
    repo: GitRepo = git_repo()
    repo.commit({"rl/grader.py": GRADER, "rl/legacy.py": b"s = '\xe9'\n"})
    ev = pattern(repo, pattern="reasoning")
    assert ev.status is Status.ERROR
    assert ev.summary == "rl/legacy.py is not UTF-8 text (invalid byte at offset 5); refusing to search it"
    assert where(ev) == ["rl/legacy.py"]
    assert ev.fix == "exclude it from `files` (e.g. '!rl/legacy.py'), or re-encode it as UTF-8"


def test_pattern_error_when_a_python_file_does_not_parse_with_ignore_options(git_repo: Any) -> None:
    repo: GitRepo = git_repo()
    repo.commit({"rl/bad.py": "x = 1\ns = '''reasoning\n"})
    assert pattern(repo, pattern="reasoning").status is Status.FAIL
    for option in ("ignore_comments", "ignore_strings"):
        ev = pattern(repo, pattern="reasoning", **{option: True})
        assert ev.status is Status.ERROR
        assert ev.summary == (
            "cannot parse rl/bad.py:2: unterminated triple-quoted string literal (detected at line 2); "
            "cannot tell comments and strings from code"
        )
        assert ev.fix == "fix the file, or drop ignore_comments / ignore_strings for it"
